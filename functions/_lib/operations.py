"""What an HTTP function declares about each operation it serves: the route table's rows.

One declaration drives the request handling (functions/_lib/handlers.py), the OpenAPI document and
Firebase Hosting's rewrites (functions/_lib/routes.py). It holds no Flask: reading the table needs
only the models. Paths are the public ones under /api: the first segment names the function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from shared.principals import Role

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True)
class Operation:
    method: HttpMethod
    path: str
    summary: str
    # The least role the caller needs in the workspace the body or query string names;
    # None: any signed-in caller (no workspace yet); `public`: no caller at all.
    minimum: Role | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    answer: type[BaseModel] | None = None  # None: no JSON body (204, a redirect, a download)
    status: int = 200
    content_type: str = "application/json"
    public: bool = False

    @property
    def function(self) -> str:
        return self.path.strip("/").split("/")[0]

    @property
    def subpath(self) -> list[str]:
        """The segments after the function's name: `[]` for `/contacts`, `["{id}"]` for `/contact/{id}`."""
        return self.path.strip("/").split("/")[1:]

    def matches(self, segments: list[str]) -> dict[str, str] | None:
        """The path parameters when `segments` (after the function's name) fit this path."""
        if len(segments) != len(self.subpath):
            return None
        params: dict[str, str] = {}
        for template, segment in zip(self.subpath, segments, strict=True):
            if template.startswith("{"):
                params[template.strip("{}")] = segment
            elif template != segment:
                return None
        return params
