"""One hostile or broken message never stops a mailbox: it is stored bounded, or kept alone as a dead letter,
and the rest of its batch is stored once and the cursor moves on."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack import demo
from shared import clients, firestore_limits, ids
from shared.gmail.mailboxes import MailboxRef, MailboxStore
from shared.mail.limits import MAX_CONTEXT_QUOTE_CHARS
from shared.pipeline.fetched import FetchedMessage, batches_for
from tests.support import mail, open_workspace, wait_for, with_content

pytestmark = pytest.mark.integration
INTERACTION_INDEX_EXEMPT = frozenset({"people", "snippet"})  # as firestore.indexes.json declares (snippet: content)


def _raw(headers: dict[str, str], body: str = "Hi,\n\nSee you soon.\n") -> bytes:
    """A message written by hand: the stdlib's writer would take minutes to fold a header this large."""
    base = {"Date": format_datetime(datetime.now(UTC)), "Message-ID": make_msgid(domain="test.local")}
    lines = [f"{name}: {value}" for name, value in (base | headers).items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body]
    return "\r\n".join(lines).encode()


def hostile_mail(owner: str) -> bytes:
    reply_to = ", ".join(f"Crowd Member {n} <crowd{n}@bulk{n % 97}.example>" for n in range(10_000))
    return _raw({"From": "Mallory <mallory@evil.example>", "To": owner, "Reply-To": reply_to, "Subject": "W" * 2**21})


def _mailbox(stack, workspace_id: str) -> tuple[str, MailboxRef, MailboxStore]:
    """A connected mailbox without a watch, so syncs run when the test says, and its first (empty) pass done."""
    from shared.gmail.sync import SyncService

    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    open_workspace(workspace_id, owner_uid="u-owner", owner_email=owner)
    store = MailboxStore()
    token = demo.load_mailbox(stack.gmail_url, owner)
    ref = store.save_connection(workspace_id=workspace_id, owner_uid="u-owner", email=owner, refresh_token=token)
    SyncService(store=store).sync(ref)  # sets the cursor
    return owner, ref, store


def _interaction(db, ref: MailboxRef, gmail_id: str) -> dict:
    path = (
        "workspaces",
        ref.workspace_id,
        "interactions",
        ids.interaction_id(mailbox=ref.mailbox_id, gmail_message_id=gmail_id),
    )
    snapshot = db.document(*path).get()
    return with_content(snapshot) if snapshot.exists else {}  # its subject and snippet are kept beside it


def _contact(db, workspace_id: str, email: str) -> dict:
    return db.document("workspaces", workspace_id, "contacts", ids.contact_id(email)).get().to_dict() or {}


def _count(db, *path: str) -> int:
    return int(db.collection(*path).count().get()[0][0].value)


def _assert_stored_bounded_or_dead_lettered(db, ref: MailboxRef, gmail_id: str) -> None:
    stored = _interaction(db, ref, gmail_id)
    assert stored, "the hostile message left no trace"
    if "deadLetterId" in stored:
        letter = db.document("deadLetters", stored["deadLetterId"]).get().to_dict()
        assert letter["mailboxId"] == ref.mailbox_id
        return
    interaction_id = ids.interaction_id(mailbox=ref.mailbox_id, gmail_message_id=gmail_id)
    path = f"workspaces/{ref.workspace_id}/interactions/{interaction_id}"
    assert firestore_limits.problems(path, stored, INTERACTION_INDEX_EXEMPT) == []
    assert len(stored["subject"].encode()) <= firestore_limits.MAX_INDEXED_VALUE_BYTES


def test_fifty_messages_and_a_hostile_one_in_one_batch_are_all_stored_and_the_cursor_moves(
    stack, firestore_db, workspace_id
):
    from shared.gmail.sync import SyncService

    owner, ref, store = _mailbox(stack, workspace_id)
    normal = [
        demo.deliver(stack.gmail_url, owner, mail(f"P{n} <p{n}@globex.de>", owner, f"Note {n}")) for n in range(50)
    ]
    hostile = demo.deliver(stack.gmail_url, owner, hostile_mail(owner))
    published: list = []

    def publish(batch) -> None:
        published.append(batch)
        from shared.gmail.sync import publish_batch

        publish_batch(batch)

    SyncService(store=store, publish=publish).sync(ref)  # 51 messages: handed to extract-messages in one batch
    assert [len(batch.messages) for batch in published] == [51]
    assert int(store.get(ref)["historyId"]) >= int(hostile["historyId"])

    wait_for(lambda: demo.mailbox_progress(ref).done, timeout=60, what="the batch to be stored")
    for n, delivered in enumerate(normal):
        assert _interaction(firestore_db, ref, delivered["id"])["subject"] == f"Note {n}"
        assert _contact(firestore_db, workspace_id, f"p{n}@globex.de")["interactionCount"] == 1
    assert _count(firestore_db, "workspaces", workspace_id, "interactions") == 51
    assert demo.mailbox_progress(ref).duplicates == 0
    _assert_stored_bounded_or_dead_lettered(firestore_db, ref, hostile["id"])
    # Ten thousand Reply-To addresses make the message bulk mail: nobody on it but its author becomes a contact.
    assert _count(firestore_db, "workspaces", workspace_id, "contacts") <= 51


def test_a_small_realtime_pass_with_a_hostile_message_stores_the_rest_and_advances(stack, firestore_db, workspace_id):
    from shared.gmail.sync import SyncOutcome, SyncService

    owner, ref, store = _mailbox(stack, workspace_id)
    normal = [demo.deliver(stack.gmail_url, owner, mail(f"Q{n} <q{n}@hooli.com>", owner)) for n in range(5)]
    # An inline answer under a huge quote holding markup: its timeline context keeps the quote's end, as text.
    huge_quote = "\n".join(f"> line {n} of the quote <script>alert(1)</script>" for n in range(3_000))
    inline = f"On Tue, Mar 3, 2026 at 9:15 AM Owner <{owner}> wrote:\n{huge_quote}\n\nYes, agreed.\n\n> Bye\n"
    answered = demo.deliver(stack.gmail_url, owner, mail("Ivy <ivy@hooli.com>", owner, "Re: plan", inline))
    hostile = demo.deliver(stack.gmail_url, owner, hostile_mail(owner))
    published: list = []

    assert SyncService(store=store, publish=published.append).sync(ref) == SyncOutcome.SYNCED
    assert published == []  # a pass this small stores its mail itself
    mailbox = store.get(ref)
    assert int(mailbox["historyId"]) >= int(hostile["historyId"])
    assert mailbox["sync"]["stage"] == "idle"
    for delivered in normal:
        assert "replyContext" not in _interaction(firestore_db, ref, delivered["id"])  # no quote answered: none stored
    stored = _interaction(firestore_db, ref, answered["id"])
    assert stored["snippet"] == "Yes, agreed."  # what search and summaries read: the person's own words
    quote, own = stored["replyContext"]
    assert quote["quoted"]
    assert len(quote["text"]) <= MAX_CONTEXT_QUOTE_CHARS
    assert quote["text"].endswith("line 2999 of the quote <script>alert(1)</script>")
    assert own == {"quoted": False, "text": "Yes, agreed."}
    _assert_stored_bounded_or_dead_lettered(firestore_db, ref, hostile["id"])


def _push(stack, function: str, data: bytes) -> int:
    envelope = {"message": {"data": base64.b64encode(data).decode(), "messageId": uuid.uuid4().hex}}
    envelope["subscription"] = "projects/demo-rapport/subscriptions/test"
    request = urllib.request.Request(
        f"{stack.internal_url}/{function}",
        data=json.dumps(envelope).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_same_message_twice_in_one_batch_is_stored_once(stack, firestore_db, workspace_id):
    owner, ref, _ = _mailbox(stack, workspace_id)
    # A mail archive files one message in several folders: an import hands it over once per folder.
    raw = mail("Ann <ann@acme.com>", owner, "Filed twice")
    twice = FetchedMessage("m-dup", "t1", ("INBOX",), 1, 1_700_000_000_000, raw)
    other = FetchedMessage("m-other", "t2", ("INBOX",), 2, 1_700_000_001_000, mail("Bo <bo@acme.com>", owner))
    (batch,) = batches_for(
        [twice, other, twice], workspace_id=workspace_id, mailbox_id=ref.mailbox_id, owner_email=owner, sync_run_id="r1"
    )
    assert _push(stack, "extract-messages", batch.encode()) == 200
    assert _count(firestore_db, "workspaces", workspace_id, "interactions") == 2
    assert _contact(firestore_db, workspace_id, "ann@acme.com")["interactionCount"] == 1
    progress = demo.mailbox_progress(ref)
    assert (progress.stored, progress.duplicates) == (2, 1)


def test_a_message_whose_commit_fails_is_split_off_kept_as_a_dead_letter_and_the_rest_lands(
    stack, firestore_db, workspace_id
):
    from shared.crm.ingest import Ingestor
    from shared.gmail.sync import SyncOutcome, SyncService

    owner, ref, store = _mailbox(stack, workspace_id)
    # A contact grown to Firestore's size limit: counting one more message for it makes its commit fail.
    giant = "giant@initech.com"
    contacts = firestore_db.collection("workspaces", workspace_id, "contacts")
    giant_ref = contacts.document(ids.contact_id(giant))
    room = firestore_limits.MAX_DOCUMENT_BYTES - firestore_limits.document_size(
        giant_ref.path, {"email": giant, "notes": ""}
    )
    giant_ref.set({"email": giant, "notes": "n" * (room - 50)})
    raws = [mail(f"R{n} <r{n}@umbrella.com>", owner) for n in range(6)]
    raws += [mail(f"Gil <{giant}>", owner, "One too many")]
    raws += [mail(f"S{n} <s{n}@umbrella.com>", owner) for n in range(6)]
    delivered = [demo.deliver(stack.gmail_url, owner, raw) for raw in raws]
    poison = delivered[6]
    normal = delivered[:6] + delivered[7:]

    assert SyncService(store=store, publish=lambda batch: None).sync(ref) == SyncOutcome.SYNCED
    mailbox = store.get(ref)
    assert int(mailbox["historyId"]) >= int(normal[-1]["historyId"])
    for message in normal:
        assert _interaction(firestore_db, ref, message["id"]).get("contactIds"), message
    assert _contact(firestore_db, workspace_id, "r0@umbrella.com")["interactionCount"] == 1
    stub = _interaction(firestore_db, ref, poison["id"])
    assert stub["skipped"] == "unstorable"
    letter = firestore_db.document("deadLetters", stub["deadLetterId"]).get().to_dict()
    assert (letter["workspaceId"], letter["mailboxId"], letter["messageId"]) == (
        workspace_id,
        ref.mailbox_id,
        poison["id"],
    )
    assert "maximum entity size" in letter["reason"] or "1048576" in letter["reason"]
    assert mailbox["sync"]["failed"] == 1  # shown in the sync status
    # ...and told to the mailbox's owner, once for the run.
    notices = firestore_db.collection("workspaces", workspace_id, "members", "u-owner", "notifications").get()
    assert [(n.get("kind"), n.get("count")) for n in notices] == [("sync_failed", 1)]
    assert "interactionCount" not in _contact(firestore_db, workspace_id, giant)
    progress = demo.mailbox_progress(ref)
    assert (progress.stored, progress.duplicates) == (13, 0)

    # Delivered again, the batch changes nothing, and the failure is counted once.
    pairs = zip(delivered, raws, strict=True)
    fetched = [FetchedMessage(d["id"], d["threadId"], ("INBOX",), 0, 0, raw) for d, raw in pairs]
    again = Ingestor().ingest(
        workspace_id=workspace_id, mailbox_id=ref.mailbox_id, owner_email=owner, sync_run_id="r2", messages=fetched
    )
    assert (again.stored, again.duplicates) == (0, 13)
    assert store.get(ref)["sync"]["failed"] == 1
    notices = firestore_db.collection("workspaces", workspace_id, "members", "u-owner", "notifications").get()
    assert [n.get("count") for n in notices] == [1]


# -- every stored document stays within Firestore's limits, whatever the headers -------------------------

_CHARS = st.sampled_from(["a", "é", "字", "😀", " "])


@st.composite
def header_sizes(draw) -> dict[str, str]:
    def addresses(prefix: str) -> str:
        count = draw(st.sampled_from([0, 1, 3, 25, 150, 2_500]))
        name = draw(_CHARS) * draw(st.sampled_from([0, 8, 300, 4_000]))
        local = "x" * draw(st.sampled_from([1, 40, 70, 300]))
        count = min(count, 400_000 // (len(name) + len(local) + 30))  # a header of at most a few hundred KB
        return ", ".join(f'"{name}{n}" <{local}.{prefix}{n}@d{n % 7}.example>' for n in range(count))

    headers = {name: addresses(name.lower()[:2]) for name in ("From", "To", "Cc", "Reply-To", "Sender")}
    headers["Subject"] = draw(_CHARS) * draw(st.sampled_from([0, 20, 1_400, 40_000, 600_000]))
    headers["Message-ID"] = "<" + "i" * draw(st.sampled_from([10, 2_000, 100_000])) + "@test.local>"
    return {name: value for name, value in headers.items() if value}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headers=header_sizes(), body_chars=st.sampled_from([0, 500, 300_000]))
def test_no_header_sizes_or_counts_make_a_document_over_firestores_limits(
    stack, firestore_db, workspace_id, headers, body_chars
):
    from shared.crm.ingest import Ingestor

    owner = "owner@lumenway.io"
    if not firestore_db.document("workspaces", workspace_id).get().exists:
        open_workspace(workspace_id, owner_uid="u-owner", owner_email=owner)
    mailbox_id = ids.mailbox_id(owner)
    gmail_id = uuid.uuid4().hex[:16]
    raw = _raw(headers, body="Hello there. " * (body_chars // 13) + "\n\n-- \nAnn Lee\nCTO, Acme\n+1 555 0100\n")
    message = FetchedMessage(gmail_id, gmail_id, ("INBOX",), 1, 1_700_000_000_000, raw)
    Ingestor().ingest(
        workspace_id=workspace_id, mailbox_id=mailbox_id, owner_email=owner, sync_run_id="r", messages=[message]
    )

    workspace = clients.firestore_client().collection("workspaces").document(workspace_id)
    interaction = (
        workspace.collection("interactions")
        .document(ids.interaction_id(mailbox=mailbox_id, gmail_message_id=gmail_id))
        .get()
    )
    stored = interaction.to_dict() or {}
    assert stored
    assert "deadLetterId" not in stored  # stored bounded, not given up on
    assert firestore_limits.problems(interaction.reference.path, stored, INTERACTION_INDEX_EXEMPT) == []
    for contact_id in stored["contactIds"] + stored["uncountedIds"]:
        contact = workspace.collection("contacts").document(contact_id).get()
        if contact.exists:
            assert firestore_limits.problems(contact.reference.path, contact.to_dict() or {}) == []
