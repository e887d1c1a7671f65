"""Gmail's push notification: a mailbox changed, up to a history id."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.errors import InvalidInput


class GmailNotification(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    email_address: str = Field(alias="emailAddress", min_length=3)
    history_id: int = Field(alias="historyId", gt=0)


def decode_notification(data: bytes) -> GmailNotification:
    """`data` is the Pub/Sub message data: UTF-8 JSON `{"emailAddress", "historyId"}`."""
    try:
        return GmailNotification.model_validate_json(data)
    except ValidationError as error:
        raise InvalidInput(f"not a Gmail notification: {error.errors()[0]['msg']}") from error
