"""Calling Rapport's HTTP API as real signed-in users: a team with one person per role, and a small client."""

from __future__ import annotations

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
