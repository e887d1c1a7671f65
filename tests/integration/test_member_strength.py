"""Per-member strength and co-occurrence on the emulators: kept by ingestion in the contact writes it already
makes, per mailbox, with the newest interaction as evidence; materialised for sorting by a stats refresh."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from shared import ids
from shared.crm import member_strength
from shared.crm.ingest import Ingestor
from shared.crm.merges import ContactMerger
from shared.crm.relationships import RelationshipStats
from shared.gmail.mailboxes import MailboxStore
from shared.pipeline.fetched import FetchedMessage
from shared.principals import Principal
from tests.support import mail, team_with_mailbox

pytestmark = pytest.mark.integration

OWNER = "owner@lumenway.io"
ANN = "ann@lumenway.io"
BO, CY = "bo@globex.com", "cy@globex.com"
_gmail_ids = count(1)


@pytest.fixture
def team(firestore_db, workspace_id):
    team_with_mailbox(firestore_db, workspace_id, OWNER)
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid="u-ann", email=ANN, refresh_token="t")
    firestore_db.document("workspaces", workspace_id).set(
        {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}, merge=True
    )
    return workspace_id


def _fetched(raw: bytes, thread: str, *, labels: tuple[str, ...] = ("INBOX",)) -> FetchedMessage:
    number = next(_gmail_ids)
    return FetchedMessage(f"g{number}", thread, labels, number, int(time.time() * 1000) - 60_000 + number, raw)


def _ingest(workspace_id: str, owner: str, *messages: FetchedMessage):
    return Ingestor().ingest(
        workspace_id=workspace_id,
        mailbox_id=ids.mailbox_id(owner),
        owner_email=owner,
        sync_run_id="run-1",
        messages=list(messages),
    )


def _contact(db, workspace_id: str, email: str) -> dict:
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}


def test_each_mailbox_keeps_its_own_strength_with_a_contact_at_no_extra_write(firestore_db, team):
    first = _fetched(mail(OWNER, BO, "Term sheet", cc=CY), "t-1", labels=("SENT",))
    result = _ingest(team, OWNER, first)
    # interaction + its two content parts + two contacts + one company + two progress shards: as before.
    assert result.writes == 1 + 2 + 2 + 1 + 2
    reply = mail(BO, OWNER, "Re: Term sheet", headers={"In-Reply-To": "<a@x>", "References": "<a@x> <b@x>"})
    _ingest(team, OWNER, _fetched(reply, "t-1"))
    _ingest(team, ANN, _fetched(mail(BO, ANN, "Lunch?"), "t-2"))

    bo = _contact(firestore_db, team, BO)
    owner_sums = bo["memberStrength"][ids.mailbox_id(OWNER)]
    ann_sums = bo["memberStrength"][ids.mailbox_id(ANN)]
    assert owner_sums["count"] == 2
    assert ann_sums["count"] == 1
    assert owner_sums["sent"] > 0
    assert owner_sums["received"] > 0
    assert ann_sums["sent"] == 0
    interactions = firestore_db.collection("workspaces", team, "interactions")
    newest_owner = next(s.id for s in interactions.stream() if (s.to_dict() or {}).get("threadDepth") == 2)
    assert owner_sums["lastId"] == newest_owner

    now_ms = int(time.time() * 1000)
    scores = member_strength.member_scores(bo, now_ms)
    assert [s.mailbox_id for s in scores] == [ids.mailbox_id(OWNER), ids.mailbox_id(ANN)]
    assert scores[0].reciprocity > 0.5
    assert scores[1].reciprocity == 0.0
    assert scores[0].score > scores[1].score

    # Copied together on the first message: each holds the other, with that message as evidence.
    first_id = ids.interaction_id(mailbox=ids.mailbox_id(OWNER), gmail_message_id=first.id)
    cy = _contact(firestore_db, team, CY)
    assert cy["cooccur"][ids.contact_id(BO)]["lastId"] == first_id
    assert bo["cooccur"][ids.contact_id(CY)]["n"] == 1
    assert cy["memberStrength"][ids.mailbox_id(OWNER)]["sent"] > 0  # a Cc of our mail is written to


def test_a_stats_refresh_writes_each_members_sortable_score_on_contacts_and_companies(firestore_db, team):
    _ingest(team, OWNER, _fetched(mail(OWNER, BO, "Hello"), "t-1", labels=("SENT",)))
    _ingest(team, ANN, _fetched(mail(CY, ANN, "Hi"), "t-2"))
    RelationshipStats().refresh_contacts(team, contact_ids=[ids.contact_id(BO), ids.contact_id(CY)])

    bo, cy = _contact(firestore_db, team, BO), _contact(firestore_db, team, CY)
    assert set(bo["memberScores"]) == {ids.mailbox_id(OWNER)}
    assert bo["memberScores"][ids.mailbox_id(OWNER)] > 0
    company = firestore_db.document("workspaces", team, "companies", "globex.com").get().to_dict()
    assert company["memberScores"] == {
        ids.mailbox_id(OWNER): bo["memberScores"][ids.mailbox_id(OWNER)],
        ids.mailbox_id(ANN): cy["memberScores"][ids.mailbox_id(ANN)],
    }
    strongest = (
        firestore_db.collection("workspaces", team, "contacts")
        .order_by(f"memberScores.`{ids.mailbox_id(ANN)}`", direction="DESCENDING")
        .limit(5)
        .stream()
    )
    assert [s.id for s in strongest] == [ids.contact_id(CY)]


def test_a_merge_adds_both_contacts_sums_and_its_undo_gives_each_its_own_back(firestore_db, team):
    bo_other = "bo.private@gmail.com"
    _ingest(team, OWNER, _fetched(mail(OWNER, BO, "Hello", cc=CY), "t-1", labels=("SENT",)))
    _ingest(team, OWNER, _fetched(mail(bo_other, OWNER, "From home"), "t-2"))
    _ingest(team, ANN, _fetched(mail(bo_other, ANN, "Hi Ann"), "t-3"))
    before_bo, before_other = _contact(firestore_db, team, BO), _contact(firestore_db, team, bo_other)
    owner = ids.mailbox_id(OWNER)

    merged = ContactMerger().merge(
        team, target_id=ids.contact_id(BO), source_id=ids.contact_id(bo_other), by=Principal("u-owner", OWNER)
    )

    bo = _contact(firestore_db, team, BO)
    assert bo["memberStrength"][owner]["count"] == 2
    assert bo["memberStrength"][owner]["sent"] == before_bo["memberStrength"][owner]["sent"]
    assert bo["memberStrength"][owner]["received"] == before_other["memberStrength"][owner]["received"]
    assert bo["memberStrength"][ids.mailbox_id(ANN)] == before_other["memberStrength"][ids.mailbox_id(ANN)]
    assert set(bo["memberScores"]) == {owner, ids.mailbox_id(ANN)}
    assert set(bo["cooccur"]) == {ids.contact_id(CY)}

    ContactMerger().unmerge(team, merge_id=merged.merge_id, by=Principal("u-owner", OWNER))
    assert _contact(firestore_db, team, BO)["memberStrength"] == before_bo["memberStrength"]


def test_the_nightly_refresh_decays_each_members_sortable_score_without_reading_mail(firestore_db, team):
    _ingest(team, OWNER, _fetched(mail(OWNER, BO, "Hello"), "t-1", labels=("SENT",)))
    _ingest(team, OWNER, _fetched(mail(BO, OWNER, "Re: Hello"), "t-1"))
    owner = ids.mailbox_id(OWNER)
    now = datetime.now(UTC)
    RelationshipStats(now=lambda: now).refresh_workspace(team)
    fresh = _contact(firestore_db, team, BO)["memberScores"][owner]

    # A year of silence: past the frequency window, so the nightly pass only decays what is stored.
    later = RelationshipStats(now=lambda: now + timedelta(days=365)).refresh_workspace(team)

    assert later.decayed == 1
    decayed = _contact(firestore_db, team, BO)["memberScores"][owner]
    assert 0 < decayed < fresh / 100  # eight half-lives


def test_the_nightly_refresh_writes_the_days_relationship_health_for_the_team_and_each_member(firestore_db, team):
    _ingest(team, OWNER, _fetched(mail(OWNER, BO, "Hello"), "t-1", labels=("SENT",)))
    _ingest(team, OWNER, _fetched(mail(BO, OWNER, "Re: Hello"), "t-1"))
    _ingest(team, ANN, _fetched(mail(ANN, CY, "A note"), "t-2", labels=("SENT",)))
    owner, ann = ids.mailbox_id(OWNER), ids.mailbox_id(ANN)
    now = datetime.now(UTC)
    RelationshipStats(now=lambda: now).refresh_workspace(team)
    RelationshipStats(now=lambda: now).refresh_workspace(team)  # a rerun replaces the day's snapshot
    RelationshipStats(now=lambda: now + timedelta(days=365)).refresh_workspace(team)

    days = {s.id: s.to_dict() for s in firestore_db.collection("workspaces", team, "relationshipHealth").stream()}
    today, next_year = now.date().isoformat(), (now + timedelta(days=365)).date().isoformat()
    assert set(days) == {today, next_year}
    bands = ("strong", "warm", "cooling", "cold", "contacts")
    # One two-way exchange is warm (33, decision 27), one message sent is cold; a year later both are cold.
    assert {b: days[today][b] for b in bands} == {"strong": 0, "warm": 1, "cooling": 0, "cold": 1, "contacts": 2}
    bo = _contact(firestore_db, team, BO)["strength"]["score"]
    cy = _contact(firestore_db, team, CY)
    assert days[next_year]["meanStrength"] == round((bo + cy["strength"]["score"]) / 2, 1)
    assert days[next_year]["cold"] == 2
    assert days[today]["members"][owner]["warm"] == 1
    assert {b: days[today]["members"][ann][b] for b in bands} == {**dict.fromkeys(bands, 0), "cold": 1, "contacts": 1}
    assert 0 < days[today]["members"][ann]["meanStrength"] < 20
