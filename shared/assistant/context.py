"""Who the assistant's tools run as."""

from __future__ import annotations

from dataclasses import dataclass

from shared.principals import Principal, Role


@dataclass(frozen=True)
class ToolContext:
    """Who runs the tools: the signed-in user, in their workspace, with their role."""

    workspace_id: str
    principal: Principal
    role: Role
    conversation_id: str
    message_id: str
