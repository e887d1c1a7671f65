"""The CRM the assistant's evaluation set is asked about (devstack/demo_data/agent_world.toml), seeded
the way the product writes it: records through the API's record services (audited, with their search
tokens), mail as ingestion stores it (metadata apart from the content each mailbox shares), then the
relationship stats recomputed as the pipeline does, so strength and going cold are the product's own.
"""

from __future__ import annotations

import functools
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from devstack import demo_hostile

WORLD_FILE = Path(__file__).resolve().parent / "demo_data" / "agent_world.toml"
_HOSTILE = {"$INJECTION_SUBJECT": demo_hostile.INJECTION_SUBJECT, "$INJECTION_BODY": demo_hostile.INJECTION_BODY}


@dataclass(frozen=True)
class Member:
    uid: str
    email: str
    name: str
    role: str  # owner, member, viewer: the key in the world file


@functools.cache
def world() -> dict[str, Any]:
    return tomllib.loads(WORLD_FILE.read_text())


def team(suffix: str = "") -> dict[str, Member]:
    """The world's team by role; `suffix` makes another team of the same people (another workspace's)."""
    members = {}
    for role, person in world()["team"].items():
        local, domain = person["email"].split("@")
        email = f"{local}{suffix}@{domain}" if suffix else person["email"]
        members[role] = Member(person["uid"] + suffix, email, person["name"], role)
    return members


def contact_email(key: str) -> str:
    return next(str(contact["email"]) for contact in world()["contacts"] if contact["key"] == key)


def seed(workspace_id: str, members: dict[str, Member], *, marker: str = "", now: datetime | None = None) -> None:
    """The world in `workspace_id`, for `members`; `marker` starts every subject and snippet of its mail
    (another workspace's copy of the same world says whose it is)."""
    from shared import ids
    from shared.crm.kinds import COMPANIES, CONTACTS, DEALS, NOTES, TASKS, records
    from shared.crm.models import ApiModel, CompanyCreate, ContactCreate, DealCreate, NoteCreate, TaskCreate
    from shared.crm.relationships import RelationshipStats
    from shared.mailsearch.index import MailIndex
    from shared.principals import Principal, Role
    from shared.workspaces import add_member, create_workspace

    now = now or datetime.now(UTC)
    data = world()
    owner = members["owner"]
    create_workspace(workspace_id, name="Lumenway", owner_uid=owner.uid, owner_email=owner.email)
    for member in members.values():
        if member.role != "owner":
            add_member(
                workspace_id, uid=member.uid, email=member.email, role=Role(member.role), display_name=member.name
            )
    as_person = {role: Principal(uid=m.uid, email=m.email, email_verified=True) for role, m in members.items()}
    contact_ids = {contact["key"]: ids.contact_id(contact["email"]) for contact in data["contacts"]}

    for company in data["companies"]:
        body: ApiModel = CompanyCreate(name=company["name"], domain=company["domain"], tags=company.get("tags", []))
        records(COMPANIES).create(workspace_id, as_person["owner"], body)
    for contact in data["contacts"]:
        body = ContactCreate(
            email=contact["email"],
            name=contact["name"],
            title=contact.get("title"),
            company_id=contact.get("company"),
            company_name=_company_name(contact.get("company")),
        )
        records(CONTACTS).create(workspace_id, as_person["owner"], body)
    for deal in data["deals"]:
        body = DealCreate(
            name=deal["name"],
            stage=deal["stage"],
            value=deal["value"],
            company_id=deal["company"],
            contact_ids=[contact_ids[key] for key in deal["contacts"]],
            expected_close=now.date() + timedelta(days=deal["closes_in"]),
        )
        records(DEALS).create(workspace_id, as_person["owner"], body)
    for note in data["notes"]:
        parent_type, parent_id = _parent(note["parent"], contact_ids)
        body = NoteCreate(parent_type=parent_type, parent_id=parent_id, body=note["body"])
        records(NOTES).create(workspace_id, as_person[note["by"]], body)
    for task in data["tasks"]:
        parent_type, parent_id = _parent(task["parent"], contact_ids)
        due = now.date() + timedelta(days=task["due_in"])
        body = TaskCreate(title=task["title"], due_date=due, parent_type=parent_type, parent_id=parent_id)
        records(TASKS).create(workspace_id, as_person[task["by"]], body)
    _seed_mail(workspace_id, members, contact_ids, marker, now)
    RelationshipStats(now=lambda: now).refresh_workspace(workspace_id)
    # Searchable by meaning, as ingestion's mail is once the index pass has run (search_mail).
    MailIndex().catch_up(workspace_id)


def _company_name(domain: str | None) -> str | None:
    return next((str(c["name"]) for c in world()["companies"] if c["domain"] == domain), None)


def _parent(parent: str, contact_ids: dict[str, str]) -> tuple[Any, str]:
    parent_type, key = parent.split(":", 1)
    return parent_type, contact_ids.get(key, key) if parent_type == "contact" else key


def _seed_mail(
    workspace_id: str, members: dict[str, Member], contact_ids: dict[str, str], marker: str, now: datetime
) -> None:
    from google.cloud import firestore

    from shared.clients import firestore_client
    from shared.crm import member_strength

    db = firestore_client()
    mailboxes = world()["mailboxes"]
    for mailbox_id, mailbox in mailboxes.items():
        owner = members[mailbox["owner"]]
        db.document("workspaces", workspace_id, "mailboxes", mailbox_id).set(
            {"ownerUid": owner.uid, "email": owner.email, "sharing": mailbox["sharing"]}
        )
    contacts = {contact["key"]: contact for contact in world()["contacts"]}
    tallies: dict[str, member_strength.ContactTallies] = {}
    for n, message in enumerate(world()["mail"]):
        contact = contacts[message["with"]]
        mailbox_owner = members[mailboxes[message["mailbox"]]["owner"]]
        inbound = message["direction"] == "inbound"
        contact_id = contact_ids[message["with"]]
        fields = {
            "mailboxId": message["mailbox"],
            "threadId": message["thread"],
            "occurredAt": now - timedelta(days=message["days"]),
            "createdAt": now,  # when it was stored, which the mail index pass walks by
            "direction": message["direction"],
            "fromEmail": contact["email"] if inbound else mailbox_owner.email,
            "contactIds": [contact_id],
            "companyIds": [contact["company"]] if contact.get("company") else [],
            "people": [{"contactId": contact_id, "received": inbound, "sent": not inbound}],
            "subject": marker + _HOSTILE.get(message["subject"], message["subject"]),
            "snippet": marker + _HOSTILE.get(message["snippet"], message["snippet"]),
        }
        store_interaction(db, workspace_id, f"{message['mailbox']}_m{n:03d}", fields)
        tally = tallies.setdefault(contact_id, member_strength.ContactTallies()).members
        tally.setdefault(message["mailbox"], member_strength.MemberTally()).add(
            at_ms=int(fields["occurredAt"].timestamp() * 1000),
            sent=int(not inbound),
            received=int(inbound),
            depth=0,
            interaction_id=f"{message['mailbox']}_m{n:03d}",
        )
    # What ingestion keeps on each contact: its last mail and each mailbox's strength sums, from which
    # the relationship refresh computes strength, going cold and each teammate's score.
    for contact_id, contact_tallies in tallies.items():
        last_ms = max(tally.last_ms for tally in contact_tallies.members.values())
        fields = member_strength.update_fields(contact_tallies, {}, firestore.Increment, firestore.Maximum)
        db.document("workspaces", workspace_id, "contacts", contact_id).set(
            {"lastInteractionMs": last_ms, **fields}, merge=True
        )


def store_interaction(db: Any, workspace_id: str, interaction_id: str, fields: dict[str, Any]) -> None:
    """An interaction as ingestion stores it: metadata, and its subject and snippet apart."""
    from shared.sharing import content_ref, split_content

    metadata, content = split_content({"staged": False, **fields})
    reference = db.document("workspaces", workspace_id, "interactions", interaction_id)
    reference.set(metadata)
    for part, values in content.items():
        content_ref(reference, part).set(values)


FILLER_FIRST = ("Ada", "Ben", "Cora", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal", "Lena")
FILLER_LAST = ("Lovelace", "Okonkwo", "Martin", "Ivanov", "Schmidt", "Haddad", "Hopper", "Tanaka", "Silva", "Wolf")
FILLER_COMPANIES = ("Vandelay", "Globex", "Initech", "Hooli", "Umbrella", "Stark", "Wayne", "Soylent", "Tyrell")


def seed_filler_contacts(workspace_id: str, count: int, *, today: date | None = None) -> None:
    """`count` more contacts as ingestion writes them (searchable, with stats), none of them going cold:
    a workspace of the size the tools must stay fast at."""
    from shared.clients import firestore_client
    from shared.crm.search import indexed, search_tokens

    db = firestore_client()
    contacts = db.collection("workspaces", workspace_id, "contacts")
    now_ms = int(datetime.combine(today or date.today(), datetime.min.time(), UTC).timestamp() * 1000)

    def write(start: int) -> None:
        batch = db.batch()
        for n in range(start, min(start + 500, count)):
            first, last = FILLER_FIRST[n % 12], FILLER_LAST[(n // 12) % 10]
            company = FILLER_COMPANIES[(n // 120) % len(FILLER_COMPANIES)]
            name, email = f"{first} {last}", f"{first.lower()}.{last.lower()}{n}@{company.lower()}.com"
            batch.set(
                contacts.document(f"c_filler_{n:05d}"),
                {
                    "email": email,
                    "name": name,
                    "companyName": company,
                    "companyId": f"{company.lower()}.com",
                    **indexed(search_tokens([name, email, company])),
                    "goingCold": False,
                    "strength": {"score": n % 60, "raw": 0.0, "asOfMs": now_ms},
                    "interactionCount": n % 17,
                    "lastInteractionMs": now_ms - n * 60_000,
                    "version": 1,
                },
            )
        batch.commit()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(0, count, 500)))
