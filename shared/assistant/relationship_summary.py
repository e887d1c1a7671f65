"""The contact page's relationship summary and suggested next steps, from Gemini, each citing the
messages (interaction ids) it rests on, cached per reader in Firestore.

A summary is written from what its reader may read (each mailbox's sharing, decision 19), so it is kept
per reader: `workspaces/{ws}/members/{uid}/contactSummaries/{contactId}`, written only by the server. It
records the contact's `lastInteractionMs` it was made from; the pipeline raises that on every new
message with the contact, which is what makes the summary stale (docs/decisions/0028). A stale summary
is made again when it is next viewed, at most once per REFRESH_DEBOUNCE; over the AI budget the cached
one is shown with a note saying why it is not fresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from pydantic import BaseModel, Field

from shared.clients import firestore_client
from shared.crm.answers import Answer
from shared.crm.kinds import CONTACTS, records
from shared.crm.timeline import Timeline
from shared.enrichment.gemini import GeminiProvider, parsed_as
from shared.enrichment.prompts import load_prompt
from shared.errors import BudgetExceeded
from shared.log import get_logger

log = get_logger("relationship_summary")

PROMPT_NAME = "relationship_summary"  # also the feature the AI budget shows its spend under
SUMMARIES = "contactSummaries"
REFRESH_DEBOUNCE = timedelta(minutes=10)  # a busy thread does not pay for a summary per message
RECENT_ITEMS = 12
_SNIPPET_CHARS = 300
_FIELD_CHARS = 200


class CitedSource(BaseModel):
    message_id: str = Field(description="The id of a message the summary rests on, exactly as listed.")


class CitedStep(BaseModel):
    step: str = Field(description="One concrete next action for this member, in one sentence.")
    message_id: str = Field(description="The id of the message this step follows from, exactly as listed.")


class SummaryAnswer(BaseModel):
    """The structured answer the model must give."""

    summary: str = Field(description="Two to four sentences on where the relationship stands.")
    sources: list[CitedSource] = Field(description="The messages the summary rests on.", max_length=5)
    next_steps: list[CitedStep] = Field(description="Up to three next actions.", max_length=3)


class NextStep(Answer):
    text: str
    interaction_id: str | None = None


class RelationshipSummary(Answer):
    """A contact's summary as its reader may see it; `note` says why it is not fresh when it is not."""

    contact_id: str
    summary: str | None = None
    next_steps: list[NextStep] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list, description="Interaction ids the summary rests on.")
    generated_at: datetime | None = None
    stale: bool = False
    note: str | None = None


class RelationshipSummaries:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        provider: GeminiProvider | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._db = db or firestore_client()
        self._provider = provider
        self._now = clock or (lambda: datetime.now(UTC))

    def cached_ref(self, workspace_id: str, uid: str, contact_id: str) -> firestore.DocumentReference:
        return self._db.document("workspaces", workspace_id, "members", uid, SUMMARIES, contact_id)

    def of(self, workspace_id: str, uid: str, contact_id: str) -> RelationshipSummary:
        """The cached summary when it is current; otherwise a new one (debounced, within the budget)."""
        contact = records(CONTACTS).get(workspace_id, contact_id)
        reference = self.cached_ref(workspace_id, uid, contact_id)
        snapshot = reference.get()
        cached = snapshot.to_dict() if snapshot.exists else None
        last_mail_ms = int(contact.get("lastInteractionMs") or 0)
        if cached is not None and int(cached.get("sourceLastMs") or 0) >= last_mail_ms:
            return _answer(contact_id, cached)
        now = self._now()
        if cached is not None and now - cached["generatedAt"] < REFRESH_DEBOUNCE:
            note = "New mail arrived; this summary is refreshed at most every 10 minutes."
            return _answer(contact_id, cached, stale=True, note=note)
        try:
            made = self._generate(workspace_id, uid, contact_id, contact, now)
        except BudgetExceeded as error:
            note = _over_budget(error)
            if cached is None:
                return RelationshipSummary(contact_id=contact_id, stale=True, note=note)
            return _answer(contact_id, cached, stale=True, note=note)
        made["sourceLastMs"] = last_mail_ms
        reference.set(made)
        return _answer(contact_id, made)

    def _generate(
        self, workspace_id: str, uid: str, contact_id: str, contact: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        history = Timeline(db=self._db).of(
            workspace_id,
            parent_type="contact",
            parent_id=contact_id,
            before=None,
            limit=RECENT_ITEMS,
            reader_uid=uid,  # only what its mailbox shares with this reader
        )["items"]
        mail = [item for item in history if item.get("type") == "interaction"]
        notes = [item for item in history if item.get("type") == "note"]
        prompt = load_prompt(PROMPT_NAME)
        user_turn = prompt.render(
            name=_bounded(contact.get("name")) or "unknown",
            email=_bounded(contact.get("email")),
            title=_bounded(contact.get("title")) or "unknown",
            company=_bounded(contact.get("companyName")) or "unknown",
            today=now.date().isoformat(),
            notes="\n".join(f"- {_bounded(note.get('body'))}" for note in notes) or "(none)",
            messages="\n".join(_message_lines(item) for item in mail) or "(none)",
        )
        provider = self._provider or GeminiProvider()
        response, usage = provider.generate_paid(
            workspace_id, prompt.system, user_turn, schema=SummaryAnswer, feature=PROMPT_NAME
        )
        answer = parsed_as(SummaryAnswer, response)
        listed = {str(item["id"]) for item in mail}
        # The model may only cite what it was shown: an id it made up is dropped, never linked.
        citations = list(dict.fromkeys(s.message_id for s in answer.sources if s.message_id in listed))
        steps = [
            {"text": step.step, "interactionId": step.message_id if step.message_id in listed else None}
            for step in answer.next_steps
        ]
        log.info("relationship summary made", extra={"workspaceId": workspace_id, "contactId": contact_id})
        return {
            "summary": answer.summary,
            "nextSteps": steps,
            "citations": citations,
            "generatedAt": now,
            "model": usage.model,
            "costMicros": usage.cost_micros,
        }


def _answer(
    contact_id: str, stored: dict[str, Any], *, stale: bool = False, note: str | None = None
) -> RelationshipSummary:
    return RelationshipSummary(
        contact_id=contact_id,
        summary=stored.get("summary"),
        next_steps=[
            NextStep(text=s["text"], interaction_id=s.get("interactionId")) for s in stored.get("nextSteps") or []
        ],
        citations=list(stored.get("citations") or []),
        generated_at=stored.get("generatedAt"),
        stale=stale,
        note=note,
    )


def _over_budget(error: BudgetExceeded) -> str:
    spent = float(error.details.get("spentUsd") or 0)
    limit = float(error.details.get("limitUsd") or 0)
    return (
        f"This month's AI budget is used up (${spent:.2f} of ${limit:.2f}), so this is the summary from before "
        "the newest mail. An admin can raise the budget in settings."
    )


def _bounded(value: Any) -> str:
    return " ".join(str(value or "").split())[:_FIELD_CHARS]


def _message_lines(item: dict[str, Any]) -> str:
    direction = {"inbound": "from them", "outbound": "from the team"}.get(str(item.get("direction")), "")
    at = item.get("at") or item.get("occurredAt")
    day = at.date().isoformat() if isinstance(at, datetime) else str(at or "")[:10]
    lines = [f"- Message id: {item['id']}", f"  Date: {day} {direction}".rstrip()]
    if item.get("subject"):
        lines.append(f"  Subject: {_bounded(item['subject'])}")
    if item.get("snippet"):
        lines.append(f"  Snippet: {' '.join(str(item['snippet']).split())[:_SNIPPET_CHARS]}")
    if not item.get("subject") and not item.get("snippet"):
        lines.append("  (content not shared with you)")
    return "\n".join(lines)
