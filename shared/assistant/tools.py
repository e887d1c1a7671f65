"""What the assistant may do: read tools over the CRM, and write tools that only propose a change.

Each tool's arguments are a pydantic model taken from the HTTP API's own shapes (shared/crm/models.py)
with the workspace left out: the workspace is the signed-in user's, fixed by the caller, and the model
can never name another. Tools call the same services as the API. A viewer is offered read tools only,
and a call to a tool not offered is refused. Invalid arguments come back to the model as the
validation error, so it may try again. A write tool stores a proposal (shared/assistant/proposals.py)
that the user confirms or declines; nothing is written to the CRM until then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from pydantic import BaseModel, Field, ValidationError, create_model

from shared.assistant.context import ToolContext
from shared.assistant.proposals import DRAFT_TOOL, DRAFTS, Proposal, Proposals
from shared.clients import firestore_client
from shared.crm import intro_via
from shared.crm.audit import public
from shared.crm.deals import Pipelines, check_stage
from shared.crm.intros import IntroPaths, IntroQuery, IntroTarget
from shared.crm.intros import pool as intro_reads
from shared.crm.kinds import COMPANIES, CONTACTS, DEALS, NOTES, PARENT_COLLECTIONS, TASKS, records
from shared.crm.models import (
    ApiModel,
    DealCreate,
    Email,
    LongText,
    NoteCreate,
    RecordId,
    SearchQuery,
    ShortText,
    StageId,
    TaskCreate,
)
from shared.crm.records import as_record
from shared.crm.relationships import COLD_SINCE_FIELD
from shared.crm.search import Search
from shared.crm.timeline import Timeline
from shared.errors import DomainError, InvalidInput, NotFound
from shared.mailsearch.search import MailSearch, MailSearchQuery
from shared.principals import Role, at_least

if TYPE_CHECKING:
    from google.genai import types

RECENT_ITEMS = 10
MAX_DEALS_SCANNED = 500
MAX_COLD_SCANNED = 200
CLOSED_STAGES = ("won", "lost")  # the default pipeline's outcomes: a deal there is no longer open
MAX_LIST = 20
# Fields a tool's answer leaves out: bookkeeping the model needs not and would pay tokens for.
_NOISE = frozenset(
    {"fieldSources", "manualFields", "people", "searchTokens", "searchKeys", "before", "after", "changedFields"}
)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    run: Callable[[ToolContext, Any], dict[str, Any]]
    writes: bool = False

    def declaration(self) -> types.FunctionDeclaration:
        from google.genai import types

        schema = self.arguments.model_json_schema(by_alias=False)
        return types.FunctionDeclaration(name=self.name, description=self.description, parameters_json_schema=schema)


def without_workspace(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The API model's fields but the workspace: the tool's arguments."""
    fields: dict[str, Any] = {
        field_name: (info.annotation, info)
        for field_name, info in model.model_fields.items()
        if field_name not in ("workspace_id", "workspaceId")
    }
    return create_model(name, __base__=ApiModel, **fields)


# -- arguments -----------------------------------------------------------------------------------
SearchArgs = without_workspace(SearchQuery, "SearchArgs")
SearchMailArgs = without_workspace(MailSearchQuery, "SearchMailArgs")


class ContactArgs(ApiModel):
    contact_id: RecordId = Field(description="The contact's id, as a search returned it.")


class CompanyArgs(ApiModel):
    company_id: RecordId = Field(description="The company's id, as a search returned it.")


class PipelineArgs(ApiModel):
    stage: StageId | None = Field(default=None, description="Only this stage; every stage when unset.")


class ColdArgs(ApiModel):
    limit: int = Field(default=MAX_LIST, ge=1, le=50)


class QuietDealsArgs(ApiModel):
    closing_before: date | None = Field(
        default=None, description="Only deals expected to close on or before this date (YYYY-MM-DD)."
    )
    quiet_days: int = Field(default=14, ge=1, le=365, description="No email with the deal's people for this long.")


class DraftEmail(ApiModel):
    contact_id: RecordId = Field(description="The contact the draft is for, as a search returned it.")
    subject: ShortText = Field(min_length=1, description="The draft's subject.")
    body: LongText = Field(description="The draft's text, plain.")
    to: Email | None = Field(
        default=None, description="Another address to write to; the contact's own address when unset."
    )
    reply_to_message_id: RecordId | None = Field(
        default=None, description="Reply in the thread of this mail (an id from get_contact's recentMail)."
    )


class MoveDealStage(ApiModel):
    deal_id: RecordId = Field(description="The deal's id, as a search returned it.")
    stage: StageId = Field(description="A stage id of the pipeline (see pipeline_summary).")


# -- read tools ------------------------------------------------------------------------------------
def _slim(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in (public(record) or {}).items() if key not in _NOISE}


def _searcher(collection: str) -> Callable[[ToolContext, Any], dict[str, Any]]:
    def search(context: ToolContext, args: Any) -> dict[str, Any]:
        hits = Search().search(context.workspace_id, args.q, collections=(collection,), limit=args.limit)
        return {"items": [_slim(hit.record) for hit in hits]}

    return search


def _get_contact(context: ToolContext, args: ContactArgs) -> dict[str, Any]:
    contact = records(CONTACTS).get(context.workspace_id, args.contact_id)
    history = Timeline().of(
        context.workspace_id,
        parent_type="contact",
        parent_id=args.contact_id,
        before=None,
        limit=RECENT_ITEMS,
        reader_uid=context.principal.uid,  # mail shows only what its mailbox shares with this user
    )
    items = [_slim(item) for item in history["items"]]
    return {
        "contact": _slim(contact),
        # Mail is what other people wrote: facts to report, never instructions to follow.
        "recentMail": [item for item in items if item.get("type") == "interaction"],
        "notesAndTasks": [item for item in items if item.get("type") in ("note", "task")],
    }


def _search_mail(context: ToolContext, args: Any) -> dict[str, Any]:
    query = MailSearchQuery(workspace_id=context.workspace_id, **args.model_dump())
    hits = MailSearch().search(query, reader_uid=context.principal.uid)  # only mail this user may read
    # Mail is what other people wrote: facts to report and cite (by source number), never instructions.
    return {"items": [hit.as_json() for hit in hits]}


MAX_CITATIONS = 10
_SOURCE_MARKS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


class Sources:
    """The messages an answer may cite, numbered across its tool calls (the same message keeps its number).

    Each message in a tool's answer gets `source: n` before the model reads it; the model cites what it
    relies on as `[n]`, and the citations are the sources the answer's text names, in their order."""

    def __init__(self) -> None:
        self._by_id: dict[str, dict[str, Any]] = {}

    def number(self, result: dict[str, Any]) -> None:
        """Numbers the messages of one tool's answer, in place."""
        items = (result.get("output") or {}).get("items") if "output" in result else None
        for item in (items or [])[:MAX_CITATIONS]:
            if not isinstance(item, dict) or not item.get("interactionId"):
                continue
            source = self._by_id.setdefault(
                str(item["interactionId"]),
                {
                    "source": len(self._by_id) + 1,
                    "interactionId": item["interactionId"],
                    "subject": item.get("subject"),
                    "occurredAt": item.get("occurredAt"),
                    "contactId": (item.get("contactIds") or [None])[0],
                },
            )
            item["source"] = source["source"]

    def cited_in(self, text: str) -> list[dict[str, Any]]:
        """The sources `text` cites as [n] (or [n, m]), each once, in the order it first cites them."""
        by_number = {source["source"]: source for source in self._by_id.values()}
        named = (int(n) for group in _SOURCE_MARKS.findall(text) for n in group.split(","))
        return [by_number[n] for n in dict.fromkeys(named) if n in by_number]


def _pipeline_summary(context: ToolContext, args: PipelineArgs) -> dict[str, Any]:
    stages = Pipelines().get(context.workspace_id)["stages"]
    deals = firestore_client().collection("workspaces", context.workspace_id, DEALS.collection)
    query = deals.where(filter=FieldFilter("stage", "==", args.stage)) if args.stage else deals
    totals: dict[str, dict[str, Any]] = {
        stage["id"]: {"stage": stage["id"], "name": stage["name"], "count": 0, "value": 0.0, "deals": []}
        for stage in stages
        if args.stage in (None, stage["id"])
    }
    for snapshot in query.select(["name", "stage", "value", "currency", "expectedClose"]).stream():
        deal = snapshot.to_dict() or {}
        row = totals.setdefault(
            str(deal.get("stage")), {"stage": deal.get("stage"), "name": deal.get("stage"), "count": 0, "value": 0.0}
        )
        row["count"] += 1
        row["value"] += float(deal.get("value") or 0)
        row.setdefault("deals", []).append({"id": snapshot.id, **public(deal)})  # type: ignore[dict-item]
    for row in totals.values():
        row["deals"] = row.get("deals", [])[:MAX_LIST]
    return {"stages": list(totals.values()), "total": sum(row["value"] for row in totals.values())}


def _going_cold(context: ToolContext, args: ColdArgs) -> dict[str, Any]:
    contacts = firestore_client().collection("workspaces", context.workspace_id, CONTACTS.collection)
    # Only contacts going cold hold coldSinceMs (the relationship refresh keeps it), so the query reads
    # them alone, however many contacts are not going cold.
    coldest = contacts.order_by(COLD_SINCE_FIELD, direction=firestore.Query.DESCENDING).limit(MAX_COLD_SCANNED)
    cold = [{"id": snapshot.id, **_slim(snapshot.to_dict() or {})} for snapshot in coldest.stream()]
    cold.sort(key=lambda contact: -float((contact.get("strength") or {}).get("score") or 0))
    return {"items": cold[: args.limit]}


def _quiet_deals(context: ToolContext, args: QuietDealsArgs) -> dict[str, Any]:
    """Open deals (not won or lost) whose people and company have had no email for `quiet_days`."""
    db = firestore_client()
    workspace = db.collection("workspaces").document(context.workspace_id)
    query: Any = workspace.collection(DEALS.collection)
    if args.closing_before:
        query = query.where(filter=FieldFilter("expectedClose", "<=", args.closing_before.isoformat()))
    fields = ["name", "stage", "value", "currency", "expectedClose", "companyId", "contactIds"]
    deals = [
        {"id": snapshot.id, **(snapshot.to_dict() or {})}
        for snapshot in query.select(fields).limit(MAX_DEALS_SCANNED).stream()
    ]
    deals = [deal for deal in deals if deal.get("stage") not in CLOSED_STAGES]
    people = {contact_id for deal in deals for contact_id in deal.get("contactIds") or []}
    companies = {deal["companyId"] for deal in deals if deal.get("companyId")}
    references = [workspace.collection(CONTACTS.collection).document(i) for i in sorted(people)]
    references += [workspace.collection(COMPANIES.collection).document(i) for i in sorted(companies)]
    last_mail = {
        snapshot.reference.path: int((snapshot.to_dict() or {}).get("lastInteractionMs") or 0)
        for snapshot in db.get_all(references, field_paths=["lastInteractionMs"])
    }
    quiet_since_ms = int(datetime.now(UTC).timestamp() * 1000) - args.quiet_days * 86_400_000
    quiet = []
    for deal in deals:
        linked = [workspace.collection(CONTACTS.collection).document(i).path for i in deal.get("contactIds") or []]
        if deal.get("companyId"):
            linked.append(workspace.collection(COMPANIES.collection).document(deal["companyId"]).path)
        last = max((last_mail.get(path, 0) for path in linked), default=0)
        if last < quiet_since_ms:
            since = datetime.fromtimestamp(last / 1000, UTC).date().isoformat() if last else None
            quiet.append({**_slim({key: deal.get(key) for key in fields}), "id": deal["id"], "lastEmailAt": since})
    quiet.sort(key=lambda deal: str(deal.get("expectedClose") or "9999"))
    return {"items": quiet[:MAX_LIST]}


def _who_knows_company(context: ToolContext, args: CompanyArgs) -> dict[str, Any]:
    """The company's people, and the teammates whose mailboxes wrote with it most (metadata only).

    The company, its copy of its strongest people (the relationship refresh keeps it, shared/crm/intro_via.py),
    its mail and the mailboxes are read side by side, then those people by id: a few gets rather than a query
    of the contacts, which the emulator answers by reading every contact. A company without that copy yet
    has its people listed by a query, as before."""
    db = firestore_client()
    workspace = db.collection("workspaces").document(context.workspace_id)
    company_ref = workspace.collection(COMPANIES.collection).document(args.company_id)
    company_read = intro_reads().submit(records(COMPANIES).get, context.workspace_id, args.company_id)
    copy_read = intro_reads().submit(intro_via.reference(company_ref).get)
    mail_read = intro_reads().submit(_mail_by_mailbox, workspace, args.company_id)
    mailboxes_read = intro_reads().submit(list, workspace.collection("mailboxes").stream())
    copy = copy_read.result()
    copied = intro_via.copied_people(copy.to_dict() if copy.exists else None)
    if copied is None:
        people_query = CONTACTS.list_query(workspaceId=context.workspace_id, companyId=args.company_id, limit=MAX_LIST)
        people = [_slim(person) for person in records(CONTACTS).list_page(people_query).items]
    else:
        # Listed by id as the query lists them; read now, so a person who has left the company since the copy
        # was made is not listed.
        references = [workspace.collection(CONTACTS.collection).document(i) for i in sorted(copied)[:MAX_LIST]]
        found = db.get_all(references) if references else []
        people = [
            _slim(as_record(s.id, s.to_dict() or {}))
            for s in sorted(found, key=lambda snapshot: snapshot.id)
            if s.exists and s.get("companyId") == args.company_id
        ]
    company = company_read.result()
    by_mailbox = mail_read.result()
    mailboxes = {snapshot.id: snapshot.to_dict() or {} for snapshot in mailboxes_read.result()}
    teammates = [
        {"teammate": mailboxes.get(mailbox_id, {}).get("email") or mailbox_id, **public(row)}  # type: ignore[dict-item]
        for mailbox_id, row in sorted(by_mailbox.items(), key=lambda item: -item[1]["messages"])
    ]
    return {"company": _slim(company), "people": people, "teammates": teammates}


def _mail_by_mailbox(workspace: firestore.DocumentReference, company_id: str) -> dict[str, dict[str, Any]]:
    """Per mailbox, how many of (at most 500 of) a company's messages it holds, and when the newest was."""
    by_mailbox: dict[str, dict[str, Any]] = {}
    with_company = FieldFilter("companyIds", "array_contains", company_id)
    mail = workspace.collection("interactions").where(filter=with_company)
    for snapshot in mail.select(["mailboxId", "occurredAt"]).limit(500).stream():
        data = snapshot.to_dict() or {}
        row = by_mailbox.setdefault(str(data.get("mailboxId")), {"messages": 0, "lastAt": None})
        row["messages"] += 1
        at = data.get("occurredAt")
        if at is not None and (row["lastAt"] is None or at > row["lastAt"]):
            row["lastAt"] = at
    return by_mailbox


def _intro_paths(context: ToolContext, args: IntroTarget) -> dict[str, Any]:
    """The same service as GET /relationships/intro-paths: metadata only, readable by every member."""
    return IntroPaths().find(IntroQuery(workspace_id=context.workspace_id, **args.model_dump()))


# -- write tools: proposals --------------------------------------------------------------------------
def _parent_name(context: ToolContext, parent_type: str | None, parent_id: str | None) -> str:
    if parent_type is None or parent_id is None:
        return ""
    kind = {"contacts": CONTACTS, "companies": COMPANIES, "deals": DEALS}[PARENT_COLLECTIONS[parent_type]]
    record = records(kind).get(context.workspace_id, parent_id)  # NotFound goes back to the model
    return f" on the {parent_type} {record.get('name') or record.get('email') or parent_id}"


def _propose(context: ToolContext, proposal: Proposal) -> dict[str, Any]:
    stored = Proposals().propose(context.workspace_id, context.principal.uid, proposal)
    return {"proposal": {"id": stored["id"], "summary": stored["summary"], "status": stored["status"]}}


def _add_note(context: ToolContext, args: NoteCreate) -> dict[str, Any]:
    where = _parent_name(context, args.parent_type, args.parent_id)
    body = args.model_dump(by_alias=True, mode="json")
    summary = f'Add a note{where}: "{args.body}"'
    return _propose(context, Proposal.of(context, "add_note", NOTES, "create", body=body, summary=summary))


def _create_task(context: ToolContext, args: TaskCreate) -> dict[str, Any]:
    where = _parent_name(context, args.parent_type, args.parent_id)
    due = f", due {args.due_date.isoformat()}" if args.due_date else ""
    body = args.model_dump(by_alias=True, mode="json")
    summary = f'Create the task "{args.title}"{where}{due}'
    return _propose(context, Proposal.of(context, "create_task", TASKS, "create", body=body, summary=summary))


def _create_deal(context: ToolContext, args: DealCreate) -> dict[str, Any]:
    company = ""
    if args.company_id:
        company = f" with {records(COMPANIES).get(context.workspace_id, args.company_id).get('name')}"
    body = args.model_dump(by_alias=True, mode="json", exclude_none=True)
    summary = f'Create the deal "{args.name}"{company} at {args.value:,.0f} {args.currency}'
    return _propose(context, Proposal.of(context, "create_deal", DEALS, "create", body=body, summary=summary))


def _move_deal_stage(context: ToolContext, args: MoveDealStage) -> dict[str, Any]:
    deal = records(DEALS).get(context.workspace_id, args.deal_id)
    workspace = firestore_client().collection("workspaces").document(context.workspace_id)
    check_stage(workspace, {"stage": args.stage}, False)  # an unknown stage goes back to the model now
    # The version read now: if the deal changes before the user confirms, confirming is a conflict.
    body = {"version": deal["version"], "stage": args.stage}
    summary = f'Move the deal "{deal.get("name")}" from {deal.get("stage")} to {args.stage}'
    proposal = Proposal.of(context, "move_deal_stage", DEALS, "update", body=body, summary=summary)
    return _propose(context, proposal.for_record(args.deal_id))


def _reply_fields(context: ToolContext, message_id: str) -> dict[str, Any]:
    """Threading for a reply to mail in one of the user's own mailboxes; a teammate's mail cannot be answered
    from here (its thread is in their Gmail, and what it says may not be shared with this user)."""
    workspace = firestore_client().collection("workspaces").document(context.workspace_id)
    mail = workspace.collection("interactions").document(message_id).get()
    data = mail.to_dict() if mail.exists else None
    mailbox = workspace.collection("mailboxes").document(str((data or {}).get("mailboxId"))).get() if data else None
    if data is None or mailbox is None or (mailbox.to_dict() or {}).get("ownerUid") != context.principal.uid:
        raise NotFound("no such mail in your own mailboxes to reply to", id=message_id)
    rfc_id = data.get("rfcMessageId")
    return {
        "mailboxId": data.get("mailboxId"),
        "threadId": data.get("threadId"),
        "inReplyTo": rfc_id,
        "references": rfc_id,
    }


def _draft_email(context: ToolContext, args: DraftEmail) -> dict[str, Any]:
    contact = records(CONTACTS).get(context.workspace_id, args.contact_id)
    own = {str(address).lower() for address in [contact.get("email"), *(contact.get("emails") or [])] if address}
    to = args.to or str(contact.get("email") or "")
    if not to:
        raise InvalidInput("this contact has no address to write to; name one in `to`")
    name = contact.get("name") or contact.get("email")
    reply = _reply_fields(context, args.reply_to_message_id) if args.reply_to_message_id else {}
    body = {
        "contactId": args.contact_id,
        "contactName": name,
        "contactEmail": contact.get("email"),
        # Model-written, so possibly steered by mail: an address not the contact's own is flagged for the user.
        "toIsContact": to.lower() in own,
        "to": to,
        "subject": args.subject,
        "body": args.body,
        **reply,
    }
    whom = f"{name} <{to}>" if body["toIsContact"] else f"{to}, which is NOT an address of {name}"
    summary = f'Draft an email in your Gmail to {whom}: "{args.subject}"'
    proposal = Proposal(
        DRAFT_TOOL, DRAFTS, "create", body, summary, context.conversation_id, context.message_id, args.contact_id
    )
    return _propose(context, proposal)


READ_TOOLS = (
    Tool("search_contacts", "Find contacts by words of their name, email, company, title or tags.", SearchArgs,
         _searcher(CONTACTS.collection)),
    Tool("search_companies", "Find companies by words of their name, domain or tags.", SearchArgs,
         _searcher(COMPANIES.collection)),
    Tool("search_deals", "Find deals by words of their name or tags.", SearchArgs, _searcher(DEALS.collection)),
    Tool("get_contact", "One contact with relationship stats (strength, going cold, reply times) and their recent "
         "mail, notes and tasks; mail shows what each mailbox shares with you.", ContactArgs, _get_contact),
    Tool("search_mail", "Messages by meaning (\"what did Jordan say about pricing\"): the closest ones you may read, "
         "with subject, snippet, date and a source number; cite each message you rely on by its number, as [1].",
         SearchMailArgs, _search_mail),
    Tool("pipeline_summary", "Deals by pipeline stage: count, total value and the deals.", PipelineArgs,
         _pipeline_summary),
    Tool("going_cold", "Contacts whose relationship is going cold, strongest first.", ColdArgs, _going_cold),
    Tool("quiet_deals", "Open deals whose people have had no email for a while, optionally only those closing by "
         "a date.", QuietDealsArgs, _quiet_deals),
    Tool("who_knows_company", "A company's people, and which teammates' mailboxes wrote with it most.",
         CompanyArgs, _who_knows_company),
    Tool("intro_paths", "Who on the team knows a person or company and how well (0-100, with trend), and the best "
         "warm introduction paths: through a teammate directly, through a contact copied on mail with them, or "
         "through a colleague at their company; each with the interaction ids it rests on.", IntroTarget,
         _intro_paths),
)  # fmt: skip
WRITE_TOOLS = (
    Tool("add_note", "Propose a note on a contact, company or deal (the user confirms it).", NoteCreate, _add_note,
         writes=True),
    Tool("create_task", "Propose a task, optionally on a contact, company or deal (the user confirms it).", TaskCreate,
         _create_task, writes=True),
    Tool("move_deal_stage", "Propose moving a deal to another pipeline stage (the user confirms it).", MoveDealStage,
         _move_deal_stage, writes=True),
    Tool("create_deal", "Propose a new deal (the user confirms it).", DealCreate, _create_deal, writes=True),
    Tool(DRAFT_TOOL, "Propose a draft email to a contact, optionally as a reply in a thread; confirmed, it is "
         "saved in the user's Gmail drafts, never sent.", DraftEmail, _draft_email, writes=True),
)  # fmt: skip


def tools_for(role: Role) -> tuple[Tool, ...]:
    """Viewers read; members and up may also propose changes."""
    return READ_TOOLS + (WRITE_TOOLS if at_least(role, Role.MEMBER) else ())


def run_tool(offered: Iterable[Tool], context: ToolContext, name: str, raw_args: dict[str, Any]) -> dict[str, Any]:
    """The function response for one call: `{"output": ...}`, or `{"error": ...}` the model can act on."""
    tool = next((tool for tool in offered if tool.name == name), None)
    if tool is None:
        return {"error": f"there is no tool {name!r} for you here"}
    try:
        args = tool.arguments.model_validate(raw_args or {})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in problem['loc']) or 'arguments'}: {problem['msg']}" for problem in error.errors()
        )
        return {"error": f"invalid arguments: {problems}"}
    try:
        return {"output": tool.run(context, args)}
    except DomainError as error:
        return {"error": error.message}
