"""Enrich one contact: read what the CRM knows, run every provider, store each field with its source.

Results go under the contact's `enrichment` map, never over the fields people see and edit, so
enrichment can't overwrite what a user typed. A provider whose last successful run saw the same
input is skipped, so a redelivered event costs no second model call; a run first claims the contact
(`enrichment.claim`, written on the condition that the contact is as read, with a lease), so two
deliveries of the same request running at once ask the model once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.clients import firestore_client
from shared.enrichment.domain import DomainProvider
from shared.enrichment.gemini import AiCallRejected, GeminiProvider
from shared.enrichment.model import AiUsage, EnrichmentInput, EnrichmentProvider, EnrichmentResult, InteractionBrief
from shared.enrichment.signature import SignatureProvider
from shared.enrichment.touched import CONTACTS_PER_MESSAGE, request_enrichment
from shared.errors import BudgetExceeded, NotFound, RetryLater
from shared.log import get_logger
from shared.sharing import MailContent

log = get_logger("enrichment")
RECENT_INTERACTIONS = 5
# Longer than a model call with its retries: a run that dies holding a claim blocks its contact this long.
CLAIM_LEASE = timedelta(minutes=5)
CLAIM_ATTEMPTS = 5  # a contact whose counters keep moving (a busy mailbox) is read and claimed again

OK, SKIPPED_BUDGET, FAILED, UNCHANGED = "ok", "skipped_budget", "failed", "unchanged"


@dataclass
class EnrichmentOutcome:
    contact_id: str
    statuses: dict[str, str] = field(default_factory=dict)  # provider -> ok | unchanged | skipped_budget | failed
    usage: list[AiUsage] = field(default_factory=list)


def default_providers() -> list[EnrichmentProvider]:
    # Order is precedence: when two providers fill the same field, the earlier one's value is stored.
    return [SignatureProvider(), DomainProvider(), GeminiProvider()]


class EnrichmentService:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        providers: Sequence[EnrichmentProvider] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db or firestore_client()
        self._providers = list(providers) if providers is not None else default_providers()
        self._now = now

    def enrich_request(
        self,
        workspace_id: str,
        contact_ids: Sequence[str],
        *,
        republish: Callable[[str, Iterable[str]], None] = request_enrichment,
    ) -> None:
        """What one Pub/Sub message asks: enrich at most CONTACTS_PER_MESSAGE contacts (so at most that
        many model calls) and pass any more on as further messages. Raises RetryLater when some contact
        could not be done now (the others are stored; a redelivery finds them unchanged)."""
        now, later = contact_ids[:CONTACTS_PER_MESSAGE], contact_ids[CONTACTS_PER_MESSAGE:]
        if later:
            republish(workspace_id, later)  # a redelivery publishes them again: enriching is idempotent
        postponed: RetryLater | None = None
        for contact_id in now:
            try:
                self.enrich_contact(workspace_id, contact_id=contact_id)
            except NotFound:
                continue  # merged or deleted since: nothing to enrich
            except RetryLater as error:
                postponed = error
        if postponed is not None:
            raise postponed

    def enrich_contact(self, workspace_id: str, *, contact_id: str) -> EnrichmentOutcome:
        """Raises NotFound for a contact that no longer exists and RetryLater when a provider is
        temporarily unavailable (after storing what the others found) or another delivery is
        enriching the contact right now; everything else is recorded."""
        contact_ref = self._db.document("workspaces", workspace_id, "contacts", contact_id)
        for _ in range(CLAIM_ATTEMPTS):
            snapshot = contact_ref.get()
            if not snapshot.exists:
                raise NotFound(f"contact {contact_id} not found", workspaceId=workspace_id, contactId=contact_id)
            contact = snapshot.to_dict() or {}
            subject = self.input_for(workspace_id, contact_id=contact_id, contact=contact)
            fingerprint = subject.fingerprint()
            outcome = EnrichmentOutcome(contact_id)
            due = self._due(contact, fingerprint, outcome)
            if not due:
                return outcome
            if self._claim(snapshot, fingerprint):
                return self._run(contact_ref, subject, fingerprint, due, outcome)
        raise RetryLater("the contact kept changing while its enrichment was claimed", contactId=contact_id)

    def _due(self, contact: dict[str, Any], fingerprint: str, outcome: EnrichmentOutcome) -> list[EnrichmentProvider]:
        """The providers with something new to look at; the others are recorded as unchanged."""
        previous: dict[str, Any] = (contact.get("enrichment") or {}).get("providers") or {}
        due = []
        for provider in self._providers:
            before = previous.get(provider.name) or {}
            if before.get("status") == OK and (
                before.get("inputHash") == fingerprint or self._recent(before, getattr(provider, "min_interval", None))
            ):
                outcome.statuses[provider.name] = UNCHANGED
            else:
                due.append(provider)
        return due

    def _claim(self, snapshot: firestore.DocumentSnapshot, fingerprint: str) -> bool:
        """Claims the contact for this run, on the condition that it is as read: of two deliveries of
        the same request racing here, one claims and the other retries later, so a model is asked
        once per contact and input. False when the contact changed meanwhile (read it again)."""
        now = self._now()
        claim = ((snapshot.to_dict() or {}).get("enrichment") or {}).get("claim") or {}
        until = claim.get("until")
        if isinstance(until, datetime) and until > now:
            raise RetryLater(
                "another delivery is enriching this contact",
                retry_after_seconds=(until - now).total_seconds(),
                contactId=snapshot.id,
            )
        try:
            snapshot.reference.update(
                {"enrichment.claim": {"inputHash": fingerprint, "until": now + CLAIM_LEASE, "at": now}},
                option=self._db.write_option(last_update_time=snapshot.update_time),
            )
        except google_exceptions.FailedPrecondition:
            return False
        except google_exceptions.NotFound as error:
            raise NotFound(f"contact {snapshot.id} not found", contactId=snapshot.id) from error
        return True

    def _run(
        self,
        contact_ref: firestore.DocumentReference,
        subject: EnrichmentInput,
        fingerprint: str,
        due: list[EnrichmentProvider],
        outcome: EnrichmentOutcome,
    ) -> EnrichmentOutcome:
        results: list[EnrichmentResult] = []
        statuses: dict[str, dict[str, Any]] = {}
        retry_later: RetryLater | None = None
        for provider in due:
            try:
                result = provider.enrich(subject)
            except BudgetExceeded as error:
                statuses[provider.name] = {"status": SKIPPED_BUDGET, "reason": error.message}
            except AiCallRejected as error:
                log.warning("enrichment provider failed", extra={"provider": provider.name, "error": error.message})
                statuses[provider.name] = {"status": FAILED, "reason": error.message}
            except RetryLater as error:
                retry_later = error
                statuses[provider.name] = {"status": FAILED, "reason": error.message}
            else:
                results.append(result)
                statuses[provider.name] = {"status": OK, **_usage_fields(result.usage)}
                if result.usage is not None:
                    outcome.usage.append(result.usage)
            outcome.statuses[provider.name] = statuses[provider.name]["status"]
        try:
            contact_ref.update(self._updates(results, statuses, fingerprint))
        except google_exceptions.NotFound as error:  # merged away or deleted while the providers ran
            where = {"workspaceId": subject.workspace_id, "contactId": subject.contact_id}
            raise NotFound(f"contact {subject.contact_id} not found", **where) from error
        if retry_later is not None:
            raise retry_later
        return outcome

    def _recent(self, before: dict[str, Any], min_interval: timedelta | None) -> bool:
        """A provider with a minimum interval (the AI one) is not asked again sooner than that."""
        at = before.get("at")
        if not min_interval or not isinstance(at, datetime):
            return False
        return at > self._now() - min_interval

    def input_for(self, workspace_id: str, *, contact_id: str, contact: dict[str, Any]) -> EnrichmentInput:
        return EnrichmentInput(
            workspace_id=workspace_id,
            contact_id=contact_id,
            email=contact.get("email") or "",
            name=contact.get("name"),
            company_domain=contact.get("companyId"),
            company_name=contact.get("companyName"),
            signature=contact.get("signature") or {},
            recent_interactions=tuple(self._recent_interactions(workspace_id, contact_id)),
            sent_count=int(contact.get("sentCount") or 0),
            received_count=int(contact.get("receivedCount") or 0),
        )

    def _recent_interactions(self, workspace_id: str, contact_id: str) -> list[InteractionBrief]:
        # Needs the composite index interactions(contactIds ARRAY_CONTAINS, occurredAt DESC).
        query = (
            self._db.collection("workspaces", workspace_id, "interactions")
            .where(filter=FieldFilter("contactIds", "array_contains", contact_id))
            .order_by("occurredAt", direction=firestore.Query.DESCENDING)
            .limit(RECENT_INTERACTIONS)
        )
        found = [{"id": doc.id, **(doc.to_dict() or {})} for doc in query.stream()]
        # What enrichment writes on a contact every member reads, so it reads mail as a teammate would.
        shown = MailContent(db=self._db).attach(workspace_id, found, reader_uid=None)
        return [
            InteractionBrief(
                subject=data.get("subject") or "", snippet=data.get("snippet") or "", direction=data.get("direction")
            )
            for data in shown
        ]

    def _updates(
        self, results: list[EnrichmentResult], statuses: dict[str, dict[str, Any]], fingerprint: str
    ) -> dict[str, Any]:
        now = self._now()
        updates: dict[str, Any] = {"enrichment.updatedAt": now, "enrichment.claim": firestore.DELETE_FIELD}
        # Later providers first, so an earlier provider's value for the same field wins.
        for result in reversed(results):
            for name, value in result.fields.items():
                if value not in (None, "", []):
                    updates[f"enrichment.fields.{name}"] = {"value": value, "source": result.provider, "at": now}
        for provider, status in statuses.items():
            updates[f"enrichment.providers.{provider}"] = {**status, "inputHash": fingerprint, "at": now}
        return updates


def _usage_fields(usage: AiUsage | None) -> dict[str, Any]:
    if usage is None:
        return {}
    return {
        "model": usage.model,
        "promptTokens": usage.prompt_tokens,
        "candidateTokens": usage.candidate_tokens,
        "thoughtTokens": usage.thought_tokens,
        "costMicros": usage.cost_micros,
        "costUsd": usage.cost_usd,
    }
