"""The CRM pages show what the pipeline stored: a contact with stats and timeline, its company, the dashboard."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devstack import demo
from shared import ids
from shared.calendar.meetings import Meetings
from shared.gmail.connect import connect_mailbox
from shared.mail.extract import extract
from shared.mail.reply_context import stored_context
from shared.workspaces import Role, add_member, create_workspace
from tests.browser.conftest import assert_accessible, screenshot
from tests.integration.api import Api, User
from tests.support import id_token_for, mail, store_mail, wait_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NIA = "nia@vandelay.com"
IVY = "ivy@vandelay.com"
INLINE_REPLY = (
    "On Tue, Mar 3, 2026 at 9:15 AM Owner <owner@lumenway.io> wrote:\n"
    "> Can you sign <b>by Friday</b>?\n\nYes, agreed.\n\n> Thanks\n"
)


def test_contact_company_and_dashboard_pages_show_the_synced_mail(web_stack, firestore_db, workspace_id, new_page):
    uid, owner = f"u-{uuid.uuid4().hex[:8]}", f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    create_workspace(workspace_id, name="CRM team", owner_uid=uid, owner_email=owner)
    firestore_db.document("workspaces", workspace_id).update(
        {"settings": {"contactCreation": "sent_and_received", "requirePreview": False}}
    )
    refresh_token = demo.load_mailbox(web_stack.gmail_url, owner)
    subjects = ["Import contract", "Shipping schedule", "Invoice 42"]
    for subject in subjects:
        demo.deliver(web_stack.gmail_url, owner, mail(f"Nia Park <{NIA}>", owner, subject))
    demo.deliver(web_stack.gmail_url, owner, mail("Art Vandelay <art@vandelay.com>", owner, "Latex samples"))
    ref = connect_mailbox(workspace_id=workspace_id, owner_uid=uid, refresh_token=refresh_token)
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync", timeout=60)

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.locator(f'[data-testid="contact-row"][data-email="{NIA}"]').click()
    page.wait_for_url(f"**/w/{workspace_id}/contacts/{ids.contact_id(NIA)}")
    assert page.get_by_test_id("contact-title").inner_text() == "Nia Park"
    assert page.get_by_test_id("stat-received").locator("dd").inner_text() == "3"
    wait_for(lambda: page.get_by_test_id("timeline-item").count() == len(subjects), what="the timeline")
    assert page.get_by_test_id("timeline-item").first.inner_text().startswith("↙")
    wait_for(lambda: set(page.get_by_test_id("timeline-subject").all_inner_texts()) == set(subjects), what="subjects")
    screenshot(page, "contact-page")
    assert_accessible(page, "contact-page")

    # Mail arriving while the page is open lands on its timeline without a reload.
    demo.deliver(web_stack.gmail_url, owner, mail(f"Nia Park <{NIA}>", owner, "One more thing"))
    wait_for(lambda: page.get_by_test_id("timeline-item").count() == len(subjects) + 1, what="the new mail")
    wait_for(lambda: "One more thing" in page.get_by_test_id("timeline-item").first.inner_text(), what="its subject")
    page.set_viewport_size(PHONE)
    screenshot(page, "contact-page-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_test_id("contact-company-link").click()
    page.wait_for_url(f"**/w/{workspace_id}/companies/vandelay.com")
    people = page.get_by_test_id("company-person")
    wait_for(lambda: people.count() == 2, what="the company's people")
    assert "Nia Park" in people.first.inner_text()  # most recent first
    screenshot(page, "company-page")
    assert_accessible(page, "company-page")

    page.get_by_test_id("nav-companies").click()
    page.locator('[data-testid="company-row"][data-id="vandelay.com"]').wait_for()
    screenshot(page, "companies")
    assert_accessible(page, "companies")

    owner_user = User(uid, owner, id_token_for(f"http://127.0.0.1:{web_stack.ports.auth}", uid, owner))
    api = Api(web_stack.functions_url, workspace_id)
    for deal in (
        {"name": "Latex import", "value": 12000, "currency": "USD", "stage": "proposal"},
        {"name": "Samples", "value": 3000, "currency": "USD", "stage": "lead"},
        {"name": "Berlin office", "value": 500, "currency": "EUR", "stage": "lead"},
    ):
        assert api.call(owner_user, "POST", "deals", deal).status == 201
    page.get_by_test_id("nav-dashboard").click()

    def stage_bar(stage: str):
        return page.locator(f'[data-testid="pipeline-stage"][data-stage="{stage}"]')

    wait_for(lambda: stage_bar("proposal").get_attribute("data-value") == "12000", what="the pipeline chart")
    assert stage_bar("lead").get_attribute("data-value") == "3000"  # bars in the main currency, USD
    assert "€500" in stage_bar("lead").inner_text()  # euros listed beside, never added to dollars
    assert stage_bar("won").get_attribute("data-value") == "0"
    bars = page.get_by_test_id("week-bar")
    bars.first.wait_for()
    assert bars.count() == 12
    assert bars.last.get_attribute("data-count") == "5"  # all five mails arrived this week
    screenshot(page, "dashboard")
    assert_accessible(page, "dashboard")
    page.set_viewport_size(PHONE)
    screenshot(page, "dashboard-phone")


def test_a_teammate_reads_of_a_mailbox_what_its_owner_shares(web_stack, firestore_db, workspace_id, new_page):
    owner_uid, owner = f"u-{uuid.uuid4().hex[:8]}", f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    mate_uid, mate = f"u-{uuid.uuid4().hex[:8]}", f"mate.{uuid.uuid4().hex[:6]}@lumenway.io"
    create_workspace(workspace_id, name="CRM team", owner_uid=owner_uid, owner_email=owner)
    add_member(workspace_id, uid=mate_uid, email=mate, role=Role.MEMBER)
    mailbox_id = ids.mailbox_id(owner)
    firestore_db.document("workspaces", workspace_id, "mailboxes", mailbox_id).set(
        {"email": owner, "ownerUid": owner_uid, "status": "imported", "sync": {"stage": "idle"}}
    )
    contact_id = ids.contact_id(NIA)
    firestore_db.document("workspaces", workspace_id, "contacts", contact_id).set(
        {"email": NIA, "name": "Nia Park", "interactionCount": 1, "receivedCount": 1}
    )
    fields = {"mailboxId": mailbox_id, "contactIds": [contact_id], "direction": "inbound", "undone": False}
    fields |= {"occurredAt": datetime.now(UTC), "subject": "Term sheet", "snippet": "We offer 40k"}
    store_mail(firestore_db, workspace_id, f"{mailbox_id}_1", fields)
    # Ivy answered inline: her entry shows the quoted line she answers above her own words.
    ivy = ids.contact_id(IVY)
    firestore_db.document("workspaces", workspace_id, "contacts", ivy).set(
        {"email": IVY, "name": "Ivy", "interactionCount": 1}
    )
    inline = extract(mail(f"Ivy <{IVY}>", owner, "Re: plan", INLINE_REPLY))
    answer = fields | {"contactIds": [ivy], "subject": "Re: plan", "snippet": inline.reply_text}
    store_mail(
        firestore_db, workspace_id, f"{mailbox_id}_2", answer | {"replyContext": stored_context(inline.reply_context)}
    )
    # Two meetings from the owner's calendar with her: one held two days ago, one in three days.
    now = datetime.now(UTC)
    Meetings(request_stats=lambda *_: None).apply(
        workspace_id,
        mailbox_id,
        [_meeting("held", now - timedelta(days=2), owner), _meeting("next", now + timedelta(days=3), owner)],
    )

    teammate = new_page()
    teammate.goto(demo.sign_in_link(web_stack.web_url, uid=mate_uid, email=mate))
    teammate.get_by_test_id("nav-settings").wait_for()  # signed in
    contact_page = f"{web_stack.web_url}/w/{workspace_id}/contacts/{contact_id}"
    teammate.goto(contact_page)
    subject = teammate.get_by_test_id("timeline-subject")
    wait_for(lambda: subject.count() == 1 and subject.inner_text() == "Subject not shared", what="metadata only")
    assert teammate.get_by_test_id("timeline-snippet").count() == 0
    meetings = teammate.locator('[data-testid="timeline-item"][data-kind="meeting"]')
    wait_for(lambda: meetings.count() == 2, what="the meetings on the timeline")
    assert meetings.first.get_attribute("data-upcoming") == "true"  # newest first: the one to come
    titles = teammate.get_by_test_id("meeting-title")
    wait_for(lambda: titles.all_inner_texts() == ["Meeting (title not shared)"] * 2, what="meetings' metadata only")
    assert teammate.get_by_test_id("meeting-details").all_inner_texts() == ["60 min with Nia Park"] * 2
    assert teammate.get_by_test_id("meeting-notes").count() == 0
    assert teammate.get_by_test_id("stat-interactions").locator("dd").inner_text() == "2"  # the held meeting counts
    assert teammate.get_by_test_id("stat-next-meeting").locator("dd").inner_text() == "in 3 days"
    assert teammate.get_by_test_id("stat-last-meeting").locator("dd").inner_text() == "2 days ago"
    teammate.goto(f"{web_stack.web_url}/w/{workspace_id}/settings")
    teammate.get_by_test_id("mailbox-sharing-level").wait_for()  # only the owner chooses
    assert teammate.get_by_test_id("mailbox-sharing").count() == 0

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=owner_uid, email=owner))
    page.get_by_test_id("nav-settings").wait_for()
    page.goto(contact_page)
    wait_for(lambda: page.get_by_test_id("timeline-snippet").all_inner_texts() == ["We offer 40k"], what="own mail")
    wait_for(lambda: page.get_by_test_id("meeting-title").all_inner_texts() == ["Pricing call"] * 2, what="own titles")
    assert page.get_by_test_id("meeting-notes").all_inner_texts() == ["Zoom Bring the price list"] * 2
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{ivy}")
    quotes = page.get_by_test_id("timeline-quote")
    wait_for(lambda: quotes.all_inner_texts() == ["Can you sign <b>by Friday</b>?"], what="the quoted line she answers")
    assert page.get_by_test_id("timeline-own").all_inner_texts() == ["Yes, agreed."]
    assert page.get_by_test_id("timeline-context").locator("b").count() == 0  # a sender's markup is text
    assert_accessible(page, "contact-inline-reply")  # the muted quote keeps its contrast
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/settings")
    page.get_by_test_id("mailbox-sharing").select_option("subject")
    mailbox = firestore_db.document("workspaces", workspace_id, "mailboxes", mailbox_id)
    wait_for(lambda: mailbox.get().to_dict().get("sharing") == "subject", what="the level to change")

    teammate.goto(contact_page)
    wait_for(lambda: subject.count() == 1 and subject.inner_text() == "Term sheet", what="the subject shared")
    assert teammate.get_by_test_id("timeline-snippet").count() == 0
    wait_for(lambda: titles.all_inner_texts() == ["Pricing call"] * 2, what="meeting titles shared")
    assert teammate.get_by_test_id("meeting-notes").count() == 0


def _meeting(event_id: str, start: datetime, owner: str) -> dict:
    """A Calendar event as events.list returns it: the owner's, with Nia."""
    return {
        "id": event_id,
        "status": "confirmed",
        "summary": "Pricing call",
        "description": "Bring the price list",
        "location": "Zoom",
        "updated": datetime.now(UTC).isoformat(),
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        "organizer": {"email": owner, "self": True},
        "attendees": [{"email": owner, "self": True}, {"email": NIA, "displayName": "Nia Park"}],
    }
