"""Settings → Dead letters: an admin sees mail the pipeline could not take in, by mailbox and reason,
and replays it through the pipeline; the contact it names then appears."""

from __future__ import annotations

import pytest

from devstack import demo
from shared import ids
from shared.crm.ingest import Ingestor
from shared.gmail.mailboxes import MailboxStore
from shared.mail.extract import extract
from shared.pipeline.fetched import FetchedMessage
from tests.browser.conftest import assert_accessible, new_owner, screenshot
from tests.support import mail, wait_for

pytestmark = pytest.mark.browser


def _fragile(raw: bytes, **options):  # type: ignore[no-untyped-def]
    if b"POISON" in raw:
        raise RuntimeError("cannot read this")
    return extract(raw, **options)


def test_an_admin_replays_a_dead_letter_from_settings(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = new_owner(firestore_db, workspace_id, "Dead letters team")
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid=uid, email=owner, refresh_token="t")
    poison = FetchedMessage(
        "g-dl", "t-dl", ("SENT",), 1, 1_700_000_000_000, mail(owner, "Eve <eve@initech.com>", "POISON")
    )
    Ingestor(extract_message=_fragile).ingest(
        workspace_id=workspace_id,
        mailbox_id=ids.mailbox_id(owner),
        owner_email=owner,
        sync_run_id="r",
        messages=[poison],
    )

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    page.get_by_test_id("nav-settings").click()
    row = page.get_by_test_id("dead-letter")
    row.wait_for(timeout=20_000)
    wait_for(lambda: owner in row.inner_text(), what="the letter's mailbox")  # the mailboxes load on their own
    assert "extraction failed: RuntimeError: cannot read this" in row.inner_text()
    screenshot(page, "settings-dead-letters")
    assert_accessible(page, "settings-dead-letters")

    row.get_by_test_id("replay-dead-letter").click()
    page.get_by_test_id("dead-letters-empty").wait_for(timeout=20_000)
    contact = firestore_db.document("workspaces", workspace_id, "contacts", ids.contact_id("eve@initech.com"))
    wait_for(lambda: contact.get().exists, what="the replayed message's contact")
