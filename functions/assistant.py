"""/assistant: POST /assistant/ask takes a question and answers at once with where its answer will
stream (the answer runs in `assistant-turn`); POST /assistant/proposal/{id}/confirm applies a change the
assistant proposed, as the caller via the assistant; .../decline drops it."""

from __future__ import annotations

from functions._lib.handlers import Call, http_function, operation
from shared.assistant import service
from shared.assistant.proposals import Proposals
from shared.assistant.service import AskBody, Asked, ProposalBody, ProposalDecided
from shared.principals import Role


@operation(
    "POST",
    "/assistant/ask",
    summary="Ask the assistant; the answer streams into the returned message document",
    minimum=Role.VIEWER,
    body=AskBody,
    answer=Asked,
    status=202,
)
def _ask(call: Call[AskBody, None]) -> Asked:
    return service.turn_answer(service.ask(call.workspace_id, call.principal, call.body))


@operation(
    "POST",
    "/assistant/proposal/{id}/confirm",
    summary="Apply a change the assistant proposed to you, audited as yours via the assistant",
    minimum=Role.MEMBER,
    body=ProposalBody,
    answer=ProposalDecided,
)
def _confirm(call: Call[ProposalBody, None]) -> ProposalDecided:
    return ProposalDecided(**Proposals().confirm(call.workspace_id, call.principal, call.params["id"]))


@operation(
    "POST",
    "/assistant/proposal/{id}/decline",
    summary="Decline a change the assistant proposed to you: nothing changes",
    minimum=Role.VIEWER,
    body=ProposalBody,
    answer=ProposalDecided,
)
def _decline(call: Call[ProposalBody, None]) -> ProposalDecided:
    return ProposalDecided(**Proposals().decline(call.workspace_id, call.principal.uid, call.params["id"]))


assistant = http_function("assistant", _ask, _confirm, _decline)
