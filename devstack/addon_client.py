"""Plays Gmail calling the add-on: events signed as Google signs them, with the tokens Gmail hands out.

The system ID token is minted for the add-ons service agent with the endpoint's URL as audience, the user's
ID token for the add-on's OAuth client, and the message tokens come from the local Gmail server, which
then lets the add-on read that one message (devstack/gmail_server). Tests, `bench addon` and the web
preview all call the add-on this way.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from devstack.demo import dev_call
from devstack.identity import LocalIdentity
from devstack.stack import ADDON_OAUTH_CLIENT_ID, ADDON_SERVICE_AGENT


@dataclass
class AddonCaller:
    functions_url: str
    gmail_url: str
    identity: LocalIdentity

    def url(self, function: str) -> str:
        return f"{self.functions_url.rstrip('/')}/{function}"

    def event(
        self,
        function: str,
        user: str,
        *,
        message_id: str | None = None,
        mailbox: str | None = None,
        parameters: dict[str, str] | None = None,
        form: dict[str, str | int] | None = None,
        system_token: str | None = None,
        user_token: str | None = None,
    ) -> dict[str, Any]:
        """The event Gmail sends `function` for `user` (with the open message of `mailbox`, default the user's)."""
        authorization: dict[str, Any] = {
            "systemIdToken": system_token
            if system_token is not None
            else self.identity.token_for(audience=self.url(function), email=ADDON_SERVICE_AGENT),
            "userIdToken": user_token
            if user_token is not None
            else self.identity.token_for(audience=ADDON_OAUTH_CLIENT_ID, email=user),
        }
        event: dict[str, Any] = {
            "commonEventObject": {"hostApp": "GMAIL", "platform": "WEB", "parameters": parameters or {}},
            "authorizationEventObject": authorization,
        }
        if form:
            event["commonEventObject"]["formInputs"] = {
                name: {"dateInput": {"msSinceEpoch": str(value)}}
                if isinstance(value, int)
                else {"stringInputs": {"value": [value]}}
                for name, value in form.items()
            }
        if message_id is not None:
            tokens = dev_call(self.gmail_url, f"mailboxes/{mailbox or user}/addon-tokens", {"messageId": message_id})
            authorization["userOAuthToken"] = tokens["userOAuthToken"]
            event["gmail"] = {"messageId": message_id, "threadId": message_id, "accessToken": tokens["accessToken"]}
        return event

    def post(self, function: str, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url(function), data=json.dumps(event).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def call(self, function: str, user: str, **event: Any) -> tuple[int, dict[str, Any]]:
        return self.post(function, self.event(function, user, **event))
