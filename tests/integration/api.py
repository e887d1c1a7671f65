"""Calling Rapport's HTTP API as real signed-in users: a team with one person per role, and a small client."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from shared.principals import Role
from shared.workspaces import add_member, create_workspace
from tests.support import id_token_for


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class User:
    uid: str
    email: str
    token: str


class Api:
    def __init__(self, functions_url: str, workspace_id: str) -> None:
        self.base = functions_url
        self.workspace_id = workspace_id

    def call(
        self,
        user: User | None,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        query = {"workspaceId": self.workspace_id, **(params or {})}
        url = f"{self.base}/{path}?{urllib.parse.urlencode(query)}"
        headers = {"Content-Type": "application/json"}
        if user is not None:
            headers["Authorization"] = f"Bearer {user.token}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, _decode(response.read(), response.headers), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _decode(error.read(), error.headers), dict(error.headers))


def _decode(raw: bytes, headers: Any) -> Any:
    if "json" in (headers.get("Content-Type") or ""):
        return json.loads(raw or b"null")
    return raw.decode()


def new_user(auth_url: str, name: str) -> User:
    uid = f"{name}-{uuid.uuid4().hex[:8]}"
    email = f"{uid}@team.example"
    return User(uid, email, id_token_for(auth_url, uid, email))


def team(auth_url: str, workspace_id: str) -> dict[str, User]:
    """A workspace with one user per role, and an outsider who belongs to another workspace."""
    users = {role.value: new_user(auth_url, role.value) for role in Role}
    users["outsider"] = new_user(auth_url, "outsider")
    owner = users["owner"]
    create_workspace(workspace_id, name="Team", owner_uid=owner.uid, owner_email=owner.email)
    for role in (Role.ADMIN, Role.MEMBER, Role.VIEWER):
        add_member(workspace_id, uid=users[role.value].uid, email=users[role.value].email, role=role)
    outsider = users["outsider"]
    create_workspace(f"{workspace_id}-other", name="Other", owner_uid=outsider.uid, owner_email=outsider.email)
    return users


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """One browser in the OAuth flow: it keeps its own cookies and follows no redirect, so a test sees
    every hop (our function → Google's consent → the callback → back to the app)."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(_NoRedirects, urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, url: str, body: Any = None, token: str | None = None) -> Answer:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        return self.open_request(urllib.request.Request(url, data=data, headers=headers))

    def open_request(self, request: urllib.request.Request) -> Answer:
        try:
            with self._opener.open(request, timeout=30) as response:
                return Answer(response.status, _decode(response.read(), response.headers), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _decode(error.read(), error.headers), dict(error.headers))

    def start_gmail_connection(self, functions_url: str, workspace_id: str, token: str) -> str:
        """connect-gmail as the signed-in user: the consent URL (and this browser's binding cookie)."""
        answer = self.open(f"{functions_url}/connect-gmail", {"workspaceId": workspace_id}, token)
        assert answer.status == 200, answer.body
        return str(answer.body["authorizationUrl"])

    def consent(self, authorization_url: str) -> str:
        """Google's consent screen: the callback URL it redirects to."""
        answer = self.open(authorization_url)
        assert answer.status == 302, answer.body
        return answer.headers["Location"]

    def land(self, callback_url: str) -> str:
        """The callback: where it sends this browser back in the app."""
        answer = self.open(callback_url)
        assert answer.status == 302, answer.body
        return answer.headers["Location"]

    def connect_gmail(self, functions_url: str, workspace_id: str, token: str) -> str:
        """The whole flow in this browser; returns where it lands."""
        return self.land(self.consent(self.start_gmail_connection(functions_url, workspace_id, token)))
