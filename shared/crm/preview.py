"""The first sync's preview: what a mailbox would bring into the CRM, before anything is created.

While the workspace requires a preview and a mailbox is not approved, ingestion stores its mail as
staged interactions and tallies it under `workspaces/{ws}/syncPreviews/{mailboxId}`:

- `people/{contactId}`, `companies/{domain}`, `automated/{senderId}`: raw tallies, kept with
  increments in the same commit as the staged interactions (so exactly once, like counters);
- the preview document itself: a summary recomputed from the tallies under the workspace's
  current policy whenever it can change (backfill caught up, settings changed, more mail).

State: `collecting` → `ready` (the backfill is fetched and ingested) → `applying` (approved: a
maintenance task applies staged interactions page by page) → `applied`; or `discarded`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import ids
from shared.clients import firestore_client
from shared.crm.policy import Policy
from shared.errors import NotFound
from shared.log import get_logger
from shared.mail.companies import company_name_from_domain
from shared.messaging import tasks
from shared.pipeline import progress
from shared.sharing import delete_content
from shared.workspace_settings import SettingsChange, WorkspaceSettingsService, settings_of

log = get_logger("preview")
COLLECTION = "syncPreviews"
TOP = 50
PAGE = 200


class PreviewState(StrEnum):
    COLLECTING = "collecting"
    READY = "ready"
    APPLYING = "applying"
    APPLIED = "applied"
    DISCARDED = "discarded"


def preview_ref(db: firestore.Client, workspace_id: str, *, mailbox_id: str) -> firestore.DocumentReference:
    return db.document("workspaces", workspace_id, COLLECTION, mailbox_id)


def member_emails(workspace: firestore.DocumentReference) -> list[str]:
    return [e for e in ((m.to_dict() or {}).get("email") for m in workspace.collection("members").stream()) if e]


def own_addresses(mailbox: dict[str, Any], members: Iterable[str]) -> set[str]:
    """The team's own addresses: the mailbox's, its aliases (Gmail's sendAs, when known) and every member's."""
    return {mailbox.get("email") or "", *(mailbox.get("aliases") or []), *members} - {""}


def caught_up(mailbox: dict[str, Any], counted: dict[str, int]) -> bool:
    """No backfill is running and every fetched message was ingested (`counted`: the progress shards' totals)."""
    sync = mailbox.get("sync") or {}
    settled = counted.get("stored", 0) + counted.get("duplicates", 0)
    return sync.get("stage") == "idle" and settled >= int(sync.get("fetched", 0))


@dataclass
class PreviewTally:
    """What one commit of staged mail adds to a preview's tallies."""

    messages: int = 0
    automated_messages: int = 0
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    companies: Counter[str] = field(default_factory=Counter)
    automated: dict[str, dict[str, Any]] = field(default_factory=dict)

    def person(
        self,
        contact_id: str,
        *,
        email: str,
        name: str | None,
        domain: str | None,
        sent: int,
        received: int,
        existing: bool,
        at_ms: int,
    ) -> None:
        tally = self.people.setdefault(
            contact_id, {"email": email, "companyId": domain, "messages": 0, "sent": 0, "received": 0, "lastMs": 0}
        )
        tally["messages"] += 1
        tally["sent"] += sent
        tally["received"] += received
        tally["existing"] = existing
        if name and at_ms >= tally["lastMs"]:
            tally["name"] = name
        tally["lastMs"] = max(tally["lastMs"], at_ms)

    def company(self, domain: str) -> None:
        self.companies[domain] += 1

    def automated_sender(self, email: str, reason: str) -> None:
        tally = self.automated.setdefault(ids.contact_id(email), {"email": email, "reason": reason, "messages": 0})
        tally["messages"] += 1

    @property
    def writes(self) -> int:
        return 1 + len(self.people) + len(self.companies) + len(self.automated)

    def write(self, batch: firestore.WriteBatch, preview: firestore.DocumentReference, opening: dict[str, Any]) -> None:
        """Adds the tallies to `batch`; `opening` holds the fields of a preview seen for the first time."""
        batch.set(
            preview,
            opening
            | {
                "messages": firestore.Increment(self.messages),
                "automatedMessages": firestore.Increment(self.automated_messages),
                "updatedAt": firestore.SERVER_TIMESTAMP,
            },
            merge=True,
        )
        for contact_id, tally in self.people.items():
            batch.set(preview.collection("people").document(contact_id), _increments(tally), merge=True)
        for domain, messages in self.companies.items():
            document = {"domain": domain, "name": company_name_from_domain(domain), "messages": messages}
            batch.set(preview.collection("companies").document(domain), _increments(document), merge=True)
        for sender_id, tally in self.automated.items():
            batch.set(preview.collection("automated").document(sender_id), _increments(tally), merge=True)


def _increments(tally: dict[str, Any]) -> dict[str, Any]:
    counters = {"messages", "sent", "received"}
    update = {k: firestore.Increment(v) if k in counters else v for k, v in tally.items() if k != "lastMs"}
    if "lastMs" in tally:
        update["lastMs"] = firestore.Maximum(tally["lastMs"])
    return update


def summarize(
    policy: Policy,
    people: list[dict[str, Any]],
    companies: list[dict[str, Any]],
    automated: list[dict[str, Any]],
) -> dict[str, Any]:
    """The preview's headline figures and top lists under `policy`. Pure, so it is unit-tested."""
    shown: list[dict[str, Any]] = []
    blocked_people = blocked_messages = 0
    for person in people:
        if policy.is_blocked(person["email"]):
            blocked_people += 1
            blocked_messages += int(person.get("messages", 0))
            continue
        would_create = not person.get("existing") and (
            policy.creates("outbound", int(person.get("sent", 0))) or policy.creates("inbound", 0)
        )
        shown.append(person | {"wouldCreate": would_create, "counted": would_create or bool(person.get("existing"))})
    counted_domains = Counter(p["companyId"] for p in shown if p["counted"] and p.get("companyId"))
    top_companies = [
        company
        | {"people": counted_domains.get(company["domain"], 0), "wouldCreate": company["domain"] in counted_domains}
        for company in companies
        if not policy.is_blocked(f"x@{company['domain']}")
    ]
    return {
        "wouldCreate": {"people": sum(p["wouldCreate"] for p in shown), "companies": len(counted_domains)},
        "wouldUpdate": {"people": sum(bool(p.get("existing")) for p in shown)},
        "notCreated": {"people": sum(not p["counted"] for p in shown)},
        "blocked": {"people": blocked_people, "messages": blocked_messages},
        "topPeople": [_person_row(p) for p in sorted(shown, key=by_messages)[:TOP]],
        "topCompanies": [_company_row(c) for c in sorted(top_companies, key=by_messages)[:TOP]],
        "automatedSenders": [_automated_row(a) for a in sorted(automated, key=by_messages)[:TOP]],
        "automatedSenderCount": len(automated),
        "policy": {
            "contactCreation": policy.creation.value,
            "blocklist": sorted(policy.blocklist),
            "groupThreshold": policy.group_threshold,
            "ownDomains": sorted(policy.own_domains),
        },
    }


def by_messages(item: dict[str, Any]) -> tuple[int, str]:
    """Most messages first; ties in a stable order."""
    return -int(item.get("messages", 0)), item.get("email") or item.get("domain") or ""


def _person_row(person: dict[str, Any]) -> dict[str, Any]:
    keys = ("contactId", "email", "name", "companyId", "messages", "sent", "received", "existing", "wouldCreate")
    return {key: person.get(key) for key in keys}


def _company_row(company: dict[str, Any]) -> dict[str, Any]:
    return {key: company.get(key) for key in ("domain", "name", "messages", "people", "wouldCreate")}


def _automated_row(sender: dict[str, Any]) -> dict[str, Any]:
    return {key: sender.get(key) for key in ("email", "reason", "messages")}


class PreviewService:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        enqueue: Callable[..., str] = tasks.enqueue,
        settings: WorkspaceSettingsService | None = None,
    ) -> None:
        self._db = db or firestore_client()
        self._enqueue = enqueue
        self._settings = settings or WorkspaceSettingsService(db=self._db, enqueue=enqueue)

    def _mailbox(self, workspace_id: str, mailbox_id: str) -> firestore.DocumentReference:
        return self._db.document("workspaces", workspace_id, "mailboxes", mailbox_id)

    # -- summary and state --------------------------------------------------------------------------
    def refresh(self, workspace_id: str, *, mailbox_id: str) -> dict[str, Any]:
        """Recomputes the summary from the tallies under the workspace's current policy."""
        workspace = self._db.document("workspaces", workspace_id)
        mailbox = self._mailbox(workspace_id, mailbox_id).get().to_dict() or {}
        settings = settings_of(workspace.get().to_dict() or {})
        policy = Policy.of(settings, own_addresses=own_addresses(mailbox, member_emails(workspace)))
        preview = preview_ref(self._db, workspace_id, mailbox_id=mailbox_id)
        people = [(s.to_dict() or {}) | {"contactId": s.id} for s in preview.collection("people").stream()]
        companies = [s.to_dict() or {} for s in preview.collection("companies").stream()]
        automated = [s.to_dict() or {} for s in preview.collection("automated").stream()]
        summary = summarize(policy, people, companies, automated) | {"summarizedAt": datetime.now(UTC)}
        preview.set(summary, merge=True)
        return summary

    def on_progress(self, workspace_id: str, *, mailbox_id: str, mailbox: dict[str, Any] | None = None) -> None:
        """After staged mail or a finished backfill chunk: a caught-up preview becomes ready; a ready
        one is summarised again with the mail that came since."""
        preview = preview_ref(self._db, workspace_id, mailbox_id=mailbox_id)
        state = (preview.get().to_dict() or {}).get("state")
        if state not in (PreviewState.COLLECTING, PreviewState.READY):
            return
        if state == PreviewState.COLLECTING:
            reference = self._mailbox(workspace_id, mailbox_id)
            if mailbox is None:
                mailbox = reference.get().to_dict() or {}
            if not caught_up(mailbox, progress.totals(reference.collection("progress"))):
                return
        self.refresh(workspace_id, mailbox_id=mailbox_id)
        if state == PreviewState.COLLECTING:
            preview.update({"state": PreviewState.READY.value, "readyAt": datetime.now(UTC)})

    def refresh_all(self, workspace_id: str) -> int:
        """Every preview still awaiting a decision, summarised again (after a settings change)."""
        previews = self._db.collection("workspaces", workspace_id, COLLECTION)
        waiting = previews.where(filter=FieldFilter("state", "in", [PreviewState.COLLECTING, PreviewState.READY]))
        refreshed = 0
        for snapshot in waiting.stream():
            self.refresh(workspace_id, mailbox_id=snapshot.id)
            refreshed += 1
        return refreshed

    # -- decisions ------------------------------------------------------------------------------------
    def approve(self, workspace_id: str, *, mailbox_id: str, by_uid: str, change: SettingsChange | None) -> None:
        """Optionally changes the policy first, then lets the mailbox's mail into the CRM."""
        mailbox = self._mailbox(workspace_id, mailbox_id)
        data = mailbox.get().to_dict()
        if data is None:
            raise NotFound("no such mailbox", mailboxId=mailbox_id)
        if change is not None and change.model_fields_set:
            self._settings.update(workspace_id, change)
        now = datetime.now(UTC)
        if not data.get("approval"):
            mailbox.update({"approval": {"by": by_uid, "at": now}})
        preview_ref(self._db, workspace_id, mailbox_id=mailbox_id).set(
            {"state": PreviewState.APPLYING.value, "approvedAt": now, "approvedBy": by_uid}, merge=True
        )
        self._enqueue(
            tasks.MAINTENANCE_QUEUE, {"action": "apply_staged", "workspaceId": workspace_id, "mailboxId": mailbox_id}
        )

    def discard(self, workspace_id: str, *, mailbox_id: str, by_uid: str) -> None:
        if not self._mailbox(workspace_id, mailbox_id).get().exists:
            raise NotFound("no such mailbox", mailboxId=mailbox_id)
        preview_ref(self._db, workspace_id, mailbox_id=mailbox_id).set(
            {"state": PreviewState.DISCARDED.value, "discardedAt": datetime.now(UTC), "discardedBy": by_uid},
            merge=True,
        )
        self._enqueue(
            tasks.MAINTENANCE_QUEUE, {"action": "discard_staged", "workspaceId": workspace_id, "mailboxId": mailbox_id}
        )

    def drop_staged(self, workspace_id: str, *, mailbox_id: str) -> int:
        """Deletes a mailbox's staged interactions and the preview's tallies; nothing is disconnected."""
        interactions = self._db.collection("workspaces", workspace_id, "interactions")
        staged = interactions.where(filter=FieldFilter("mailboxId", "==", mailbox_id)).where(
            filter=FieldFilter("staged", "==", True)
        )
        preview = preview_ref(self._db, workspace_id, mailbox_id=mailbox_id)
        dropped = _delete_all(self._db, staged, with_content=True)
        for name in ("people", "companies", "automated"):
            _delete_all(self._db, preview.collection(name))
        preview.set({"droppedInteractions": dropped, "messages": 0, "automatedMessages": 0}, merge=True)
        return dropped

    def mark_applied(self, workspace_id: str, *, mailbox_id: str, applied: int) -> None:
        preview_ref(self._db, workspace_id, mailbox_id=mailbox_id).set(
            {
                "state": PreviewState.APPLIED.value,
                "appliedAt": datetime.now(UTC),
                "appliedInteractions": firestore.Increment(applied),
            },
            merge=True,
        )


def _delete_all(db: firestore.Client, query: Any, *, with_content: bool = False) -> int:
    deleted = 0
    size = PAGE // 2 if with_content else PAGE  # an interaction, its content and its embedding are four deletes
    while True:
        page = list(query.limit(size).stream())
        if not page:
            return deleted
        batch = db.batch()
        for snapshot in page:
            batch.delete(snapshot.reference)
            if with_content:
                delete_content(batch, snapshot.reference)
        batch.commit()
        deleted += len(page)


def preview_progressed(workspace_id: str, *, mailbox_id: str) -> None:
    """Called by the sync after each backfill chunk."""
    PreviewService().on_progress(workspace_id, mailbox_id=mailbox_id)
