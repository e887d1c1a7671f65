"""The Gmail sidebar's preview page: the add-on's exact card JSON for a message, drawn as Card v1, its buttons
working against the real functions (the local stack plays Gmail: message tokens, events signed as Google's)."""

from __future__ import annotations

import json
import uuid

import pytest

from devstack import demo
from devstack.card_schema import card_errors, cards_in
from shared import ids
from shared.gmail.mailboxes import MailboxStore
from shared.workspaces import create_workspace
from tests.browser.conftest import assert_accessible
from tests.support import mail, wait_for

pytestmark = pytest.mark.browser


def test_the_preview_shows_the_cards_json_and_its_buttons_change_the_crm(
    web_stack, new_page, firestore_db, workspace_id
):
    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Lumenway", owner_uid="u-owner", owner_email=owner)
    token = demo.load_mailbox(web_stack.gmail_url, owner)
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid="u-owner", email=owner, refresh_token=token)
    raw = mail("Dana Reyes <dana@northwind-analytics.com>", owner, "Pilot pricing", cc="Sam <sam@elsewhere.org>")
    message_id = demo.deliver(web_stack.gmail_url, owner, raw)["id"]

    page = new_page()
    page.goto(f"{web_stack.web_url}/addon-preview?message={message_id}&as={owner}")
    card = page.get_by_test_id("addon-card")
    card.wait_for(timeout=30_000)
    assert card.get_attribute("data-card-name") == "unknown-person"
    assert page.get_by_label("Name").input_value() == "Dana Reyes"
    assert page.get_by_label("Company").input_value() == "Northwind Analytics"
    shown = json.loads(page.get_by_test_id("addon-json").text_content() or "{}")
    (shown_card,) = cards_in(shown)
    assert card_errors(shown_card) == []
    assert_accessible(page, "sidebar preview: unknown sender")

    page.get_by_label("Title").fill("Head of Data")
    page.get_by_role("button", name="Create contact").click()
    wait_for(lambda: card.get_attribute("data-card-name") == "person", what="the person's card")
    assert page.get_by_test_id("addon-notification").text_content() == "Contact created"
    contact = firestore_db.document(
        "workspaces", workspace_id, "contacts", ids.contact_id("dana@northwind-analytics.com")
    )
    assert contact.get().to_dict()["title"] == "Head of Data"

    page.get_by_label("Add a note").fill("Wants the pilot in January")
    page.get_by_role("button", name="Save note").click()
    wait_for(lambda: page.get_by_test_id("addon-notification").text_content() == "Note saved", what="the note")
    notes = [s.to_dict() for s in firestore_db.collection("workspaces", workspace_id, "notes").stream()]
    assert [n["body"] for n in notes] == ["Wants the pilot in January"]
    assert_accessible(page, "sidebar preview: a person's card")

    # The other participant, picked from the message's people.
    page.get_by_label("People on this message").select_option("sam@elsewhere.org")
    wait_for(
        lambda: (
            "sam@elsewhere.org" in (card.text_content() or "")
            and card.get_attribute("data-card-name") == "unknown-person"
        ),
        what="Sam's card",
    )


def test_the_preview_without_a_message_is_the_homepage(web_stack, new_page, firestore_db, workspace_id):
    owner = f"owner.{uuid.uuid4().hex[:8]}@lumenway.io"
    create_workspace(workspace_id, name="Lumenway", owner_uid="u-owner", owner_email=owner)
    token = demo.load_mailbox(web_stack.gmail_url, owner)
    MailboxStore().save_connection(workspace_id=workspace_id, owner_uid="u-owner", email=owner, refresh_token=token)
    page = new_page()
    page.goto(f"{web_stack.web_url}/addon-preview?as={owner}")
    card = page.get_by_test_id("addon-card")
    card.wait_for(timeout=30_000)
    assert card.get_attribute("data-card-name") == "homepage"
    assert page.get_by_role("heading", name="Going cold").is_visible()
    assert_accessible(page, "sidebar preview: homepage")
