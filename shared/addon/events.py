"""The event object Google sends a Workspace add-on's HTTP endpoints, in the parts Rapport reads."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _EventPart(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class CommonEventObject(_EventPart):
    host_app: str | None = Field(default=None, alias="hostApp")
    platform: str | None = None
    # An action's parameters, as the card's button declared them.
    parameters: dict[str, str] = Field(default_factory=dict)
    # {"name": {"stringInputs": {"value": ["..."]}}} per input widget (dates: {"dateInput": {"msSinceEpoch"}}).
    form_inputs: dict[str, Any] = Field(default_factory=dict, alias="formInputs")


class AuthorizationEventObject(_EventPart):
    user_oauth_token: str | None = Field(default=None, alias="userOAuthToken")
    user_id_token: str | None = Field(default=None, alias="userIdToken")
    system_id_token: str | None = Field(default=None, alias="systemIdToken")


class GmailEventObject(_EventPart):
    message_id: str | None = Field(default=None, alias="messageId")
    thread_id: str | None = Field(default=None, alias="threadId")
    access_token: str | None = Field(default=None, alias="accessToken")


class AddonEvent(_EventPart):
    common: CommonEventObject = Field(default_factory=CommonEventObject, alias="commonEventObject")
    authorization: AuthorizationEventObject = Field(
        default_factory=AuthorizationEventObject, alias="authorizationEventObject"
    )
    gmail: GmailEventObject | None = None

    def parameter(self, name: str) -> str | None:
        value = self.common.parameters.get(name)
        return value if value else None

    def form_text(self, name: str) -> str | None:
        """The first value a text input or dropdown sent, stripped; None when empty or absent."""
        field = self.common.form_inputs.get(name)
        if not isinstance(field, dict):
            return None
        values = (field.get("stringInputs") or {}).get("value") or []
        text = str(values[0]).strip() if values else ""
        return text or None

    def form_date_ms(self, name: str) -> int | None:
        field = self.common.form_inputs.get(name)
        if not isinstance(field, dict):
            return None
        value = (field.get("dateInput") or {}).get("msSinceEpoch")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None
