"""The one settings object. Read once from the environment; fails fast when something is missing."""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import typing
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

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

PRODUCTION_EMBEDDING_DIMENSIONS = 768


ENV_PREFIX = "RAPPORT_"


class Settings(BaseModel):
    """Each field from its RAPPORT_<NAME> environment variable (any case), under the values passed in.

    A plain model rather than pydantic-settings' BaseSettings, which every function imported as it started
    (with python-dotenv and its command-line and cloud-secret sources) to read a dozen variables."""

    model_config = ConfigDict(frozen=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_environment(type(self)), **values})

    project_id: str = Field(description="Google Cloud project that holds Firestore, Pub/Sub and Tasks.")
    region: str = Field(description="Region of the functions and the Cloud Tasks queues.")
    functions_base_url: str = Field(
        description="Base URL of the deployed functions; a function is reached at BASE/NAME."
    )

    # Gmail, Calendar and Google OAuth. Endpoints default to Google's; the local stack points them at devstack
    # (its one local Google serves Calendar at gmail_api_endpoint + /calendar/v3/ too).
    gmail_api_endpoint: str | None = None
    oauth_token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)
    oauth_auth_uri: str = "https://accounts.google.com/o/oauth2/v2/auth"
    oauth_revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    # Where Google sends the user back (the oauth-callback function) and where we then send them. The
    # callback must be on the web app's host (in production `https://APP/api/oauth-callback`, Hosting's
    # rewrite): the browser cookie that binds a consent to who started it is sent only there.
    oauth_redirect_uri: str
    web_app_url: str
    oauth_client_id: str
    # Mounted from Secret Manager only on the functions that redeem, refresh or revoke Gmail grants
    # (service account "gmail" in resources.json); everywhere else it is absent on purpose.
    oauth_client_secret: SecretStr | None = None

    # Envelope encryption of refresh tokens: a Cloud KMS key in production, a local key in development.
    kms_key_name: str | None = None
    local_token_key: SecretStr | None = None

    # Cloud Tasks has no official emulator; when set, the tasks client talks plain gRPC to this address.
    tasks_emulator_host: str | None = None
    # Where Cloud Tasks delivers, when not the functions themselves: locally, the entrance that adds the OIDC
    # token the Tasks emulator cannot (docs/decisions). The token's audience stays BASE/NAME either way.
    tasks_base_url: str | None = None
    # Google's signing certificates for ID tokens (Pub/Sub, Cloud Tasks and Scheduler OIDC tokens among them);
    # the local stack serves its own.
    google_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    # The Gmail add-on (shared/addon): Google calls its functions with an ID token of the project's add-ons
    # service agent (service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com), and identifies the
    # user with an ID token for the add-on's OAuth client (`gcloud workspace-add-ons get-authorization`).
    # The add-on's functions answer "not set up" while either is unset.
    addon_service_agent: str | None = None
    addon_oauth_client_id: str | None = None

    sync_excluded_labels: tuple[str, ...] = DEFAULT_EXCLUDED_LABELS
    sync_lease_seconds: int = 300
    gmail_batch_size: int = Field(default=50, le=100)
    # HTTP batches a fetch task keeps in flight at once (the pacer still holds the quota).
    gmail_fetch_concurrency: int = Field(default=4, ge=1, le=16)

    # Vertex AI Gemini for enrichment. The location defaults to `region`; the base URL is set only locally,
    # where it points the real SDK at devstack's Gemini server.
    gemini_model: str = "gemini-2.5-flash"
    gemini_location: str | None = None
    gemini_base_url: str | None = None
    gemini_max_attempts: int = Field(default=4, ge=1, description="Attempts per call, retrying 429 and 5xx.")
    ai_monthly_budget_usd: float = Field(default=20.0, ge=0, description="Per workspace, unless it sets its own.")
    ai_project_monthly_budget_usd: float = Field(
        default=500.0, ge=0, description="All workspaces together: the most the project spends on AI in a month."
    )
    # New mail changes a contact's AI input every time; asking the model again at most this often
    # keeps cost in proportion to people, not to messages.
    ai_refresh_days: float = Field(default=7.0, ge=0)
    # Mail search embeds each message's visible reply with this model, at this many dimensions (the vector
    # index in firestore.indexes.json is built for the default; the local stand-in's model has 384).
    embedding_model: str = "gemini-embedding-001"
    embedding_dimensions: int = Field(default=PRODUCTION_EMBEDDING_DIMENSIONS, ge=1, le=2048)
    # Dead letters (input that could not be processed) are deleted by Firestore's TTL this long after.
    dead_letter_ttl_days: int = Field(default=30, ge=1)
    # How far back the first sync reaches, in days; 0 reads the whole mailbox.
    # The Cloud Storage bucket Takeout mbox files are uploaded to; the functions that take uploads fail
    # with a clear error when it is not set.
    takeout_bucket: str | None = None
    # How long one Takeout import call reads before it hands the rest to a fresh call (Pub/Sub push
    # waits at most 600 s for an answer).
    takeout_slice_seconds: float = Field(default=240.0, gt=0)
    backfill_days: int = Field(default=365, ge=0)
    backfill_chunk_size: int = Field(default=500, ge=1, le=1000)
    # Gmail allows 250 units/s per user; spending paces itself just under it. 0 turns pacing off.
    gmail_units_per_second: float = Field(default=237.5, ge=0)

    def oauth_client_secret_value(self) -> str:
        if self.oauth_client_secret is None:
            raise RuntimeError(
                "RAPPORT_OAUTH_CLIENT_SECRET is not set: only functions running as the gmail service account "
                "may redeem or refresh Gmail grants (shared/resources.json)"
            )
        return self.oauth_client_secret.get_secret_value()

    def function_url(self, name: str) -> str:
        """Where function `name` is reached, and so the audience of the OIDC tokens it accepts."""
        return f"{self.functions_base_url.rstrip('/')}/{name}"

    @model_validator(mode="after")
    def _one_token_key(self) -> Settings:
        if (self.kms_key_name is None) == (self.local_token_key is None):
            raise ValueError("set exactly one of RAPPORT_KMS_KEY_NAME and RAPPORT_LOCAL_TOKEN_KEY")
        return self

    @model_validator(mode="after")
    def _callback_beside_the_app(self) -> Settings:
        app, callback = urlsplit(self.web_app_url), urlsplit(self.oauth_redirect_uri)
        if app.hostname != callback.hostname:
            raise ValueError("RAPPORT_OAUTH_REDIRECT_URI must be on RAPPORT_WEB_APP_URL's host (/api/oauth-callback)")
        if app.scheme != "https" and not _is_loopback(app.hostname):
            raise ValueError("RAPPORT_WEB_APP_URL must be https (plain http only on a loopback address)")
        return self

    @property
    def cookies_secure(self) -> bool:
        """Cookies carry `Secure` except for a plain-http app on loopback (the local stack)."""
        return urlsplit(self.web_app_url).scheme == "https"


def _environment(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields found in the environment; a structured one (a tuple of labels) is written as JSON."""
    found = {key.upper(): value for key, value in os.environ.items() if key.upper().startswith(ENV_PREFIX)}
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        value = found.get(f"{ENV_PREFIX}{name.upper()}")
        if value is not None:
            structured = typing.get_origin(field.annotation) in (tuple, list, dict)
            values[name] = json.loads(value) if structured else value
    return values


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


@functools.cache
def get_settings() -> Settings:
    return Settings()  # values come from the environment
