"""The Gmail sidebar's behaviour: who is asking, in which workspace, about whom, and what they did.

Each request is checked first (tokens.py): a forged, expired or misaddressed call gets a refusal card and
nothing else happens. The user is then found among Rapport's members by their verified address (one
collection-group query, which also gives their role and the workspace they last chose), and every card
reads at most ten documents: Gmail waits for it. Changes go through the record services as the member,
audited as made `via` the Gmail add-on.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import ValidationError

from shared import ids
from shared.addon import cards
from shared.addon.events import AddonEvent
from shared.addon.message import MessageUnreadable, OpenMessage, read_open_message
from shared.addon.tokens import verify_system_token, verify_user_token
from shared.assistant.relationship_summary import RelationshipSummaries
from shared.assistant.service import AskBody, RecordRef, ask
from shared.clients import firestore_client
from shared.crm import audit, member_strength
from shared.crm.deals import read_pipeline
from shared.crm.intros import IntroPaths, IntroQuery
from shared.crm.kinds import CONTACTS, DEALS, NOTES, TASKS, records
from shared.crm.models import ContactCreate, DealCreate, DealUpdate, NoteCreate, TaskCreate
from shared.crm.policy import Policy
from shared.crm.relationships import COLD_SINCE_FIELD, RECENT_FIELD, TOP_CONTACT_SCORE
from shared.errors import DomainError, InvalidInput, NotFound, PermissionDenied, RetryLater, Unauthenticated
from shared.gmail.mailboxes import MAILBOX_INDEX, ROUTES
from shared.log import get_logger
from shared.mail.companies import company_domain, company_name_from_domain
from shared.principals import Principal, Role, at_least
from shared.settings import Settings, get_settings
from shared.workspace_settings import ContactCreation, WorkspaceSettingsService, settings_of
from shared.workspaces import WORKSPACE_NAME_FIELD

log = get_logger("addon")
VIA = "gmail-addon"
HOMEPAGE, MESSAGE, ACTION = "addon-homepage", "addon-message", "addon-action"
CHOSEN_FIELD = "addonChosenAt"  # on a member document: the workspace the sidebar shows them
# Read per person card: memberships, the mailbox route, the contact, two deals, two open tasks, the newest
# message, the mailbox that knows them best and the reader's own summary: at most ten.
SHOWN = 2
MAIL_SHOWN = 1
HOMEPAGE_SHOWN = 3
INTROS_SHOWN = 3
# A card's independent reads (the Gmail message, a person's deals, tasks and mail) run side by side:
# Gmail waits for the slowest, not for their sum.
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="addon")

Answer = tuple[int, dict[str, Any]]


class Reads:
    """Counts the documents one request reads, as Firestore bills them: a get is one read (found or not),
    a query one per document returned and one when it returns none."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self, documents: int) -> None:
        with self._lock:  # queries of one card run side by side (_POOL)
            self.count += documents

    def get(self, reference: firestore.DocumentReference, **options: Any) -> Any:
        self.add(1)
        return reference.get(**options)

    def stream(self, query: Any) -> list[Any]:
        found = list(query.stream())
        self.add(max(1, len(found)))
        return found


@dataclass(frozen=True)
class Membership:
    workspace_id: str
    uid: str
    role: Role
    chosen_ms: int
    workspace_name: str | None = None


@dataclass(frozen=True)
class Request:
    """One verified request: the event, the member acting and the context their cards share."""

    event: AddonEvent
    principal: Principal
    membership: Membership
    context: cards.Context
    message: OpenMessage | None
    reads: Reads


class AddonService:
    def __init__(
        self,
        *,
        db: firestore.Client | None = None,
        settings: Settings | None = None,
        read_message: Callable[..., OpenMessage] = read_open_message,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._db = db or firestore_client()
        self._settings = settings or get_settings()
        self._read_message = read_message
        self._now = clock or (lambda: datetime.now(UTC))

    # -- entry points ------------------------------------------------------------------------------
    def homepage(self, event: AddonEvent) -> Answer:
        return self._answer(HOMEPAGE, event, lambda request: cards.push(self._homepage(request)))

    def message(self, event: AddonEvent) -> Answer:
        return self._answer(MESSAGE, event, lambda request: cards.push(self._message_card(request)))

    def action(self, event: AddonEvent) -> Answer:
        return self._answer(ACTION, event, self._act)

    def _answer(self, function: str, event: AddonEvent, build: Callable[[Request], dict[str, Any]]) -> Answer:
        """Verification, then the user's workspace, then the card; every failure is a card that says why."""
        try:
            verify_system_token(event.authorization.system_id_token, function=function, settings=self._settings)
            email = verify_user_token(event.authorization.user_id_token, settings=self._settings)
        except Unauthenticated as error:
            log.warning("refused an add-on request", extra={"function": function, "reason": error.message})
            return 401, cards.push(cards.notice_card("Not signed in", "Rapport could not verify this request."))
        reads, started = Reads(), time.perf_counter()
        try:
            request = self._request(event, email, reads, self._open_message(event))
            answer = request if isinstance(request, dict) else build(request)
            log.info(
                "add-on card",
                extra={
                    "function": function,
                    "card": ",".join(str(card.get("name")) for card in _cards_of(answer)),
                    "reads": reads.count,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return 200, answer
        except MessageUnreadable:
            return 200, cards.push(
                cards.notice_card(
                    "Message not available",
                    "Rapport cannot read this message: it may be deleted or in another account.",
                )
            )
        except RetryLater:
            return 200, cards.push(cards.notice_card("Try again", "Rapport is busy right now; open the message again."))
        except DomainError as error:
            return 200, cards.update(self._fallback_card(event), error.message)

    def _fallback_card(self, event: AddonEvent) -> cards.Card:
        return cards.notice_card("Rapport", "That did not work; nothing was changed.")

    # -- who, where --------------------------------------------------------------------------------
    def _memberships(self, email: str, reads: Reads) -> list[Membership]:
        query = self._db.collection_group("members").where(filter=FieldFilter("email", "==", email)).limit(20)
        found = []
        for snapshot in reads.stream(query):
            data = snapshot.to_dict() or {}
            workspace = snapshot.reference.parent.parent
            if workspace is None:
                continue
            chosen = data.get(CHOSEN_FIELD)
            found.append(
                Membership(
                    workspace_id=workspace.id,
                    uid=snapshot.id,
                    role=Role(data.get("role", Role.VIEWER)),
                    chosen_ms=int(chosen.timestamp() * 1000) if isinstance(chosen, datetime) else 0,
                    workspace_name=_text(data.get(WORKSPACE_NAME_FIELD)),
                )
            )
        return found

    def _open_message(self, event: AddonEvent) -> Future[OpenMessage] | None:
        """The open message, read from Gmail while Firestore is asked who the user is."""
        gmail, token = event.gmail, event.authorization.user_oauth_token
        if not (gmail and gmail.message_id and gmail.access_token and token):
            return None
        return _POOL.submit(
            self._read_message, message_id=gmail.message_id, user_oauth_token=token, message_token=gmail.access_token
        )

    def _request(
        self, event: AddonEvent, email: str, reads: Reads, reading: Future[OpenMessage] | None
    ) -> Request | dict[str, Any]:
        memberships = self._memberships(email, reads)
        base = cards.Context(action_url=self._settings.function_url(ACTION), web_app_url=self._settings.web_app_url)
        if not memberships:
            return cards.push(
                cards.notice_card(
                    "No Rapport workspace",
                    f"{email} is not a member of any Rapport workspace. "
                    "Ask a teammate for an invitation, or start one.",
                    link=base.link("Open Rapport", "/"),
                )
            )
        wanted = event.parameter("chosen") if event.parameter("action") == "choose_workspace" else None
        wanted = wanted or event.parameter("workspaceId")
        chosen = next((m for m in memberships if m.workspace_id == wanted), None)
        if chosen is not None and event.parameter("action") == "choose_workspace":
            self._db.document("workspaces", chosen.workspace_id, "members", chosen.uid).update(
                {CHOSEN_FIELD: self._now()}
            )
        if chosen is None and len(memberships) == 1:
            chosen = memberships[0]
        if chosen is None:
            remembered = max(memberships, key=lambda m: m.chosen_ms)
            chosen = remembered if remembered.chosen_ms else None
        several = len(memberships) > 1
        if several and chosen is not None:
            (chosen,) = self._named([chosen], reads)
        if chosen is None or event.parameter("action") == "switch_workspace":
            names = [(m.workspace_id, m.workspace_name or m.workspace_id) for m in self._named(memberships, reads)]
            return (
                cards.update(cards.workspace_chooser(base, names))
                if event.parameter("action")
                else cards.push(cards.workspace_chooser(base, names))
            )
        if not reads.get(self._db.document(MAILBOX_INDEX, email, ROUTES, chosen.workspace_id)).exists:
            return cards.push(
                cards.notice_card(
                    "Gmail not connected",
                    f"Connect {email} to Rapport so the team's view of your mail is complete; then this sidebar shows "
                    "everyone you write with.",
                    link=base.link("Connect Gmail", "/settings/gmail"),
                )
            )
        message = reading.result() if reading is not None else None
        participants = tuple(
            cards.PersonLine(email=a.email, name=a.name) for a in (message.participants if message else ())
        )
        context = replace(
            base,
            workspace_id=chosen.workspace_id,
            workspace_name=(chosen.workspace_name or chosen.workspace_id) if several else None,  # id: a nameless one
            several_workspaces=several,
            can_block=at_least(chosen.role, Role.ADMIN),
            message_participants=participants,
        )
        principal = Principal(uid=chosen.uid, email=email, email_verified=True, via=VIA)
        return Request(
            event=event, principal=principal, membership=chosen, context=context, message=message, reads=reads
        )

    def _named(self, memberships: list[Membership], reads: Reads) -> list[Membership]:
        """The memberships with their workspace's name. Member documents carry it (shared/workspaces.py); one
        written before they did is given it here, once, so later cards read nothing more."""
        nameless = [m for m in memberships if m.workspace_name is None]
        if not nameless:
            return memberships
        references = [self._db.document("workspaces", m.workspace_id) for m in nameless]
        reads.add(len(references))
        names = {s.id: _text((s.to_dict() or {}).get("name")) for s in self._db.get_all(references, ["name"])}
        batch = self._db.batch()
        for m in nameless:
            if names.get(m.workspace_id):
                member = self._db.document("workspaces", m.workspace_id, "members", m.uid)
                batch.update(member, {WORKSPACE_NAME_FIELD: names[m.workspace_id]})
        batch.commit()
        return [replace(m, workspace_name=m.workspace_name or names.get(m.workspace_id)) for m in memberships]

    def _workspace(self, request: Request) -> firestore.DocumentReference:
        return self._db.document("workspaces", request.membership.workspace_id)

    # -- cards -------------------------------------------------------------------------------------
    def _homepage(self, request: Request) -> cards.Card:
        workspace = self._workspace(request)
        contacts = workspace.collection("contacts")
        # Ordered on sparse fields (relationships.py): each query reads only the contacts that hold its field,
        # the few going cold or heard from of late, never a sort of the whole workspace.
        cold = contacts.order_by(COLD_SINCE_FIELD, direction=firestore.Query.DESCENDING)
        recent = contacts.order_by(RECENT_FIELD, direction=firestore.Query.DESCENDING)
        tasks = (
            workspace.collection("tasks")
            .where(filter=FieldFilter("assigneeUid", "==", request.principal.uid))
            .where(filter=FieldFilter("done", "==", False))
            .order_by("dueDate")
        )
        cold_found = _POOL.submit(request.reads.stream, cold.limit(HOMEPAGE_SHOWN))
        tasks_found = _POOL.submit(request.reads.stream, tasks.limit(HOMEPAGE_SHOWN))
        recent_found = _POOL.submit(request.reads.stream, recent.limit(HOMEPAGE_SHOWN - 1))
        return cards.homepage_card(
            request.context,
            cold=[_person_line(s) for s in cold_found.result()],
            tasks=[_task_line(s.to_dict() or {}) for s in tasks_found.result()],
            recent=[_person_line(s) for s in recent_found.result()],
        )

    def _message_card(self, request: Request, email: str | None = None) -> cards.Card:
        if email is None:
            email = self._shown_email(request)
        if email is None:
            return cards.notice_card("Rapport", "This message names nobody Rapport could show.")
        return self._person_card(request, email)

    def _shown_email(self, request: Request) -> str | None:
        """Whom to show: the person picked, else the sender, else (on one's own mail) the first other person."""
        picked = request.event.form_text("person") or request.event.parameter("person")
        if picked:
            return picked.lower()
        message = request.message
        if message is None:
            return None
        me = (request.principal.email or "").lower()
        if message.sender is not None and message.sender.email != me:
            return message.sender.email
        return next((p.email for p in message.participants if p.email != me), None)

    def _person_card(self, request: Request, email: str) -> cards.Card:
        workspace = self._workspace(request)
        snapshot = request.reads.get(workspace.collection("contacts").document(ids.contact_id(email)))
        contact = snapshot.to_dict() if snapshot.exists else None
        contact_id = snapshot.id
        if contact and contact.get("mergedInto"):
            merged = request.reads.get(workspace.collection("contacts").document(str(contact["mergedInto"])))
            if merged.exists:
                contact, contact_id = merged.to_dict() or {}, merged.id
        if contact is None:
            return self._unknown_card(request, email)
        return cards.person_card(request.context, self._person(request, contact_id, contact))

    def _person(self, request: Request, contact_id: str, contact: dict[str, Any]) -> cards.Person:
        workspace, reads = self._workspace(request), request.reads
        deals = (
            workspace.collection("deals")
            .where(filter=FieldFilter("contactIds", "array_contains", contact_id))
            .order_by("updatedAt", direction=firestore.Query.DESCENDING)
            .limit(SHOWN)
        )
        key = audit.entity_key("contact", contact_id)
        tasks = (
            workspace.collection("tasks")
            .where(filter=FieldFilter("parentKey", "==", key))
            .where(filter=FieldFilter("done", "==", False))
            .order_by("dueDate")
            .limit(SHOWN)
        )
        mail = (
            workspace.collection("interactions")
            .where(filter=FieldFilter("contactIds", "array_contains", contact_id))
            .where(filter=FieldFilter("staged", "==", False))
            .order_by("occurredAt", direction=firestore.Query.DESCENDING)
            .limit(MAIL_SHOWN)
        )
        deals_found, tasks_found = _POOL.submit(reads.stream, deals), _POOL.submit(reads.stream, tasks)
        # The reader's own summary as the contact page last made it (decision 33); never made here: Gmail
        # waits for the card, and a model call does not fit in that wait.
        summary_ref = RelationshipSummaries(db=self._db).cached_ref(workspace.id, request.principal.uid, contact_id)
        summary_found = _POOL.submit(reads.get, summary_ref)
        touches = [s.to_dict() or {} for s in reads.stream(mail)]
        # Who knows them best: the teammate's own strength from the contact's per-member sums, as the web
        # app's "who knows them" computes it (member_strength, decision 27), read now; without sums, the
        # mailbox that wrote them last.
        now_ms = int(self._now().timestamp() * 1000)
        strongest = next((s for s in member_strength.member_scores(contact, now_ms) if s.score > 0), None)
        recent = Counter(str(t.get("mailboxId")) for t in touches if t.get("mailboxId"))
        best = strongest.mailbox_id if strongest else (recent.most_common(1)[0][0] if recent else None)
        knows_best = None
        if best is not None:
            top = workspace.collection("mailboxes").document(best)
            owner = reads.get(top, field_paths=["email"])
            knows_best = (owner.to_dict() or {}).get("email")
        strength = contact.get("strength") or {}
        own = summary_found.result().to_dict() or {}
        own_steps = [step for step in own.get("nextSteps") or [] if isinstance(step, dict)]
        emails = [str(e) for e in contact.get("emails") or [] if e != contact.get("email")]
        return cards.Person(
            contact_id=contact_id,
            email=str(contact.get("email") or ""),
            name=contact.get("name"),
            title=contact.get("title"),
            company=contact.get("companyName"),
            address=_text(contact.get("address")),
            aliases=tuple(emails),
            score=float(strength["score"]) if isinstance(strength.get("score"), int | float) else None,
            trend=contact.get("strengthTrend") if isinstance(contact.get("strengthTrend"), str) else None,
            going_cold=contact.get("goingCold") is True,
            last_ms=_int(contact.get("lastInteractionMs")),
            summary=_text(own.get("summary")) or _text(contact.get("relationshipSummary")),
            next_step=_text(own_steps[0].get("text") if own_steps else None) or _text(contact.get("suggestedNextStep")),
            summary_stale=bool(own)
            and int(own.get("sourceLastMs") or 0) < (_int(contact.get("lastInteractionMs")) or 0),
            deals=tuple(_deal_line(s.id, s.to_dict() or {}) for s in deals_found.result()),
            tasks=tuple(_task_line(s.to_dict() or {}) for s in tasks_found.result()),
            touches=tuple(
                cards.TouchLine(_millis(t.get("occurredAt")), str(t.get("direction") or "inbound"), None)
                for t in touches
            ),
            knows_best=knows_best,
            knows_best_strength=(round(strongest.score), strongest.trend) if strongest else None,
            weakly_known=strongest is None or strongest.score < TOP_CONTACT_SCORE,
        )

    def _policy(self, request: Request) -> tuple[Policy, Any]:
        settings = settings_of(request.reads.get(self._workspace(request)).to_dict() or {})
        return Policy.of(settings, own_addresses=[request.principal.email or ""]), settings

    def _unknown_card(self, request: Request, email: str) -> cards.Card:
        policy, settings = self._policy(request)
        if policy.is_own(email):
            return cards.teammate_card(request.context, email)
        named = next((p.name for p in request.context.message_participants if p.email == email), None)
        domain = company_domain(email)
        prefill = cards.Prefill(
            email=email, name=named, company=company_name_from_domain(domain) if domain else None, domain=domain
        )
        refusal = (
            "This address is on the workspace's blocklist: Rapport keeps no contact for it."
            if policy.is_blocked(email)
            else None
        )
        note = {
            ContactCreation.SENT: "Rapport adds people once the team writes to them; you can add this one now.",
            ContactCreation.NONE: "Your workspace adds contacts only by hand.",
        }.get(settings.contact_creation)
        return cards.unknown_person_card(request.context, prefill, refusal=refusal, policy_note=note)

    # -- actions -----------------------------------------------------------------------------------
    def _act(self, request: Request) -> dict[str, Any]:
        action = request.event.parameter("action") or ""
        handler = self._ACTIONS.get(action)
        if handler is None:
            raise InvalidInput(f"unknown add-on action {action!r}")
        try:
            return handler(self, request)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first.get("loc", ()))
            return cards.update(
                self._message_card(request, self._subject_email(request)), f"Check {field}: {first['msg']}"
            )
        except (InvalidInput, PermissionDenied, NotFound) as error:
            return cards.update(self._message_card(request, self._subject_email(request)), error.message)

    def _subject_email(self, request: Request) -> str | None:
        return (request.event.parameter("email") or "").lower() or self._shown_email(request)

    def _done(self, request: Request, notification: str) -> dict[str, Any]:
        email = self._subject_email(request)
        built = self._message_card(request, email) if email else self._homepage(request)
        return cards.update(built, notification)

    def _member(self, request: Request, minimum: Role = Role.MEMBER) -> None:
        if not at_least(request.membership.role, minimum):
            raise PermissionDenied(f"this needs the {minimum.value} role; you are {request.membership.role.value}")

    def _contact_id(self, request: Request) -> str:
        email = self._subject_email(request)
        if not email:
            raise InvalidInput("no person to act on")
        workspace = self._workspace(request)
        snapshot = request.reads.get(
            workspace.collection("contacts").document(ids.contact_id(email)), field_paths=["mergedInto"]
        )
        if not snapshot.exists:
            raise NotFound("create the contact first")
        return str((snapshot.to_dict() or {}).get("mergedInto") or snapshot.id)

    def _note(self, request: Request) -> dict[str, Any]:
        self._member(request)
        body = NoteCreate(
            parent_type="contact", parent_id=self._contact_id(request), body=request.event.form_text("note") or ""
        )
        records(NOTES).create(request.membership.workspace_id, request.principal, body)
        return self._done(request, "Note saved")

    def _task(self, request: Request) -> dict[str, Any]:
        self._member(request)
        due_ms = request.event.form_date_ms("due")
        body = TaskCreate(
            title=request.event.form_text("task") or "",
            due_date=datetime.fromtimestamp(due_ms / 1000, UTC).date() if due_ms is not None else None,
            assignee_uid=request.principal.uid,
            parent_type="contact",
            parent_id=self._contact_id(request),
        )
        records(TASKS).create(request.membership.workspace_id, request.principal, body)
        return self._done(request, "Task created")

    def _create_deal(self, request: Request) -> dict[str, Any]:
        self._member(request)
        contact_id = self._contact_id(request)
        body = DealCreate(
            name=request.event.form_text("deal") or "", contact_ids=[contact_id], owner_uid=request.principal.uid
        )
        records(DEALS).create(request.membership.workspace_id, request.principal, body)
        return self._done(request, "Deal created")

    def _deal(self, request: Request) -> tuple[str, dict[str, Any]]:
        deal_id = request.event.parameter("dealId") or ""
        return deal_id, records(DEALS).get(request.membership.workspace_id, deal_id)

    def _open_deal(self, request: Request) -> dict[str, Any]:
        deal_id, deal = self._deal(request)
        stages = [(str(s["id"]), str(s["name"])) for s in read_pipeline(self._workspace(request))["stages"]]
        line = _deal_line(deal_id, deal)
        return cards.update(
            cards.deal_card(request.context, line, stages, email=request.event.parameter("email") or "")
        )

    def _move_deal(self, request: Request) -> dict[str, Any]:
        self._member(request)
        deal_id, deal = self._deal(request)
        stage = request.event.form_text("stage")
        body = DealUpdate(version=int(deal.get("version") or 0), stage=stage)
        records(DEALS).update(request.membership.workspace_id, actor=request.principal, record_id=deal_id, body=body)
        return self._done(request, f"Deal moved to {stage}")

    def _block(self, request: Request, *, domain: bool) -> dict[str, Any]:
        self._member(request, Role.ADMIN)
        email = self._subject_email(request) or ""
        entry = (email.rpartition("@")[2] if domain else email).strip().lower()
        if not entry:
            raise InvalidInput("no address to block")
        workspace_id = request.membership.workspace_id
        before = WorkspaceSettingsService(db=self._db).get(workspace_id)
        after = WorkspaceSettingsService(db=self._db).block(workspace_id, [entry])
        batch = self._db.batch()
        audit.record(
            batch,
            self._workspace(request),
            audit.AuditEntry(
                request.principal,
                "update",
                "workspace",
                workspace_id,
                {"blocklist": list(before.blocklist)},
                {"blocklist": list(after.blocklist)},
                self._now(),
            ),
        )
        batch.commit()
        return self._done(request, f"Blocked {entry}: Rapport ignores its mail from now on")

    def _create_contact(self, request: Request) -> dict[str, Any]:
        self._member(request)
        email = self._subject_email(request) or ""
        policy, _ = self._policy(request)
        if policy.is_blocked(email):
            raise PermissionDenied("this address is on the workspace's blocklist")
        body = ContactCreate(
            email=email,
            name=request.event.form_text("name"),
            title=request.event.form_text("title"),
            company_name=request.event.form_text("company"),
        )
        records(CONTACTS).create(request.membership.workspace_id, request.principal, body)
        return self._done(request, "Contact created")

    def _ask(self, request: Request) -> dict[str, Any]:
        """Hands the question to the assistant with the person and the thread's subject; its answer streams
        into the web app's chat panel, like any other question (decision 24)."""
        contact_id = self._contact_id(request)
        question = request.event.form_text("question") or ""
        subject = request.message.subject if request.message and request.message.subject else None
        if question and subject:
            question = f'{question}\n\n(Asked from Gmail, about the thread "{cards.clip(subject, 200)}".)'
        workspace_id = request.membership.workspace_id
        about = RecordRef(kind="contact", id=contact_id)
        ask(workspace_id, request.principal, AskBody(workspace_id=workspace_id, question=question, about=about))
        return self._done(request, "Asked Rapport: the answer is in the chat panel of the web app")

    def _intros(self, request: Request) -> dict[str, Any]:
        """Warm paths to someone the team barely knows, from the same service as the web app's; only when
        asked, so the person card itself stays within its reads."""
        contact_id = self._contact_id(request)
        query = IntroQuery(workspace_id=request.membership.workspace_id, contact_id=contact_id, limit=INTROS_SHOWN)
        found = IntroPaths(db=self._db, now=self._now).find(query)
        paths = [_intro_line(path) for path in found["paths"]]
        email = self._subject_email(request) or ""
        return cards.update(cards.intros_card(request.context, email, paths))

    def _show_person(self, request: Request) -> dict[str, Any]:
        email = self._shown_email(request)
        built = self._message_card(request, email)
        return cards.push(built) if request.message is None else cards.update(built)

    def _chosen(self, request: Request) -> dict[str, Any]:
        built = self._message_card(request) if request.message is not None else self._homepage(request)
        return cards.update(built, "Workspace chosen")

    _ACTIONS: ClassVar[dict[str, Callable[[AddonService, Request], dict[str, Any]]]] = {
        "note": _note,
        "task": _task,
        "create_deal": _create_deal,
        "open_deal": _open_deal,
        "move_deal": _move_deal,
        "block_sender": lambda self, request: self._block(request, domain=False),
        "block_domain": lambda self, request: self._block(request, domain=True),
        "create_contact": _create_contact,
        "show_person": _show_person,
        "ask": _ask,
        "intros": _intros,
        "choose_workspace": _chosen,
    }


def _cards_of(answer: dict[str, Any]) -> list[dict[str, Any]]:
    navigations = ((answer.get("renderActions") or {}).get("action") or {}).get("navigations") or []
    return [card for navigation in navigations for card in navigation.values() if isinstance(card, dict)]


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _millis(value: Any) -> int:
    return int(value.timestamp() * 1000) if isinstance(value, datetime) else int(value or 0)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _person_line(snapshot: Any) -> cards.PersonLine:
    data = snapshot.to_dict() or {}
    score = (data.get("strength") or {}).get("score")
    return cards.PersonLine(
        email=str(data.get("email") or snapshot.id),
        name=data.get("name"),
        last_ms=_int(data.get("lastInteractionMs")),
        score=float(score) if isinstance(score, int | float) else None,
    )


def _task_line(data: dict[str, Any]) -> cards.TaskLine:
    due = data.get("dueDate")
    return cards.TaskLine(
        title=str(data.get("title") or "Untitled task"),
        due=due.isoformat() if isinstance(due, date) else (str(due) if due else None),
    )


def _intro_line(path: dict[str, Any]) -> cards.IntroLine:
    def named(person: dict[str, Any] | None) -> str | None:
        return str(person.get("name") or person.get("email")) if person else None

    return cards.IntroLine(
        teammate=str(path["teammate"].get("email") or "A teammate"),
        kind=str(path["kind"]),
        via=named(path.get("via")),
        score=float(path["score"]),
    )


def _deal_line(deal_id: str, data: dict[str, Any]) -> cards.DealLine:
    value = data.get("value")
    return cards.DealLine(
        deal_id=deal_id,
        name=str(data.get("name") or "Untitled deal"),
        stage=str(data.get("stage") or ""),
        value=float(value) if isinstance(value, int | float) else 0.0,
        currency=str(data.get("currency") or "USD"),
    )
