"""The one settings object. Read once from the environment; fails fast when something is missing."""

from __future__ import annotations

import functools

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Gmail system labels and categories left out of sync unless a deployment says otherwise.
DEFAULT_EXCLUDED_LABELS = (
    "SPAM",
    "TRASH",
    "DRAFT",
    "CHAT",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_SOCIAL",
    "CATEGORY_FORUMS",
    "CATEGORY_UPDATES",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAPPORT_", frozen=True)

    project_id: str = Field(description="Google Cloud project that holds Firestore, Pub/Sub and Tasks.")
    region: str = Field(description="Region of the functions and the Cloud Tasks queues.")
    functions_base_url: str = Field(
        description="Base URL of the deployed functions; a function is reached at BASE/NAME."
    )

    # Gmail and Google OAuth. Endpoints default to Google's; the local stack points them at devstack.
    gmail_api_endpoint: str | None = None
    oauth_token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)
    oauth_client_id: str
    oauth_client_secret: SecretStr

    # Envelope encryption of refresh tokens: a Cloud KMS key in production, a local key in development.
    kms_key_name: str | None = None
    local_token_key: SecretStr | None = None

    # Cloud Tasks has no official emulator; when set, the tasks client talks plain gRPC to this address.
    tasks_emulator_host: str | None = None
    # The service account Cloud Tasks signs its calls with (OIDC); unset locally, where the emulator signs nothing.
    tasks_service_account: str | None = None

    sync_excluded_labels: tuple[str, ...] = DEFAULT_EXCLUDED_LABELS
    sync_lease_seconds: int = 300
    gmail_batch_size: int = Field(default=50, le=100)

    @model_validator(mode="after")
    def _one_token_key(self) -> Settings:
        if (self.kms_key_name is None) == (self.local_token_key is None):
            raise ValueError("set exactly one of RAPPORT_KMS_KEY_NAME and RAPPORT_LOCAL_TOKEN_KEY")
        return self


@functools.cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # values come from the environment
