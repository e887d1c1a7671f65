"""The web app shows the CRM live: mail delivered to Gmail appears as a contact without a reload."""

from __future__ import annotations

import uuid

import pytest

from devstack import demo
from shared.gmail.connect import connect_mailbox
from shared.principals import Role
from shared.workspaces import add_member, create_workspace
from tests.browser.conftest import assert_accessible, screenshot
from tests.support import mail, open_workspace, wait_for

pytestmark = pytest.mark.browser


def test_a_contact_appears_live_when_mail_arrives(web_stack, firestore_db, workspace_id, new_page):
    owner = f"owner.{uuid.uuid4().hex[:6]}@lumenway.io"
    uid = f"u-{uuid.uuid4().hex[:8]}"
    open_workspace(workspace_id, name="Live team", owner_uid=uid, owner_email=owner)
    ref = connect_mailbox(
        workspace_id=workspace_id, owner_uid=uid, refresh_token=demo.load_mailbox(web_stack.gmail_url, owner)
    )
    wait_for(lambda: demo.mailbox_progress(ref).done, what="the first sync")

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=uid, email=owner))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    assert "customToken" not in page.url  # the token does not linger in the address bar or history
    page.get_by_test_id("sync-status").wait_for(timeout=20_000)

    demo.deliver(web_stack.gmail_url, owner, mail("Nia Park <nia@vandelay.com>", owner, "Import contract"))
    row = page.locator('[data-testid="contact-row"][data-email="nia@vandelay.com"]')
    row.wait_for(timeout=20_000)  # no reload: the listener brings it
    assert "Nia Park" in row.inner_text()
    assert "Vandelay" in row.inner_text()
    screenshot(page, "contacts-live")
    assert_accessible(page, "contacts-live")


def test_someone_outside_the_workspace_sees_none_of_it(web_stack, firestore_db, workspace_id, new_page):
    create_workspace(workspace_id, name="Private team", owner_uid="u-insider", owner_email="insider@lumenway.io")
    firestore_db.document("workspaces", workspace_id, "contacts", "c_secret").set(
        {"email": "secret@client.com", "name": "Secret Client", "lastInteractionMs": 1}
    )
    # The outsider's profile names the workspace, but membership is what the rules check.
    outsider = f"u-out-{uuid.uuid4().hex[:6]}"
    add_member("elsewhere", uid=outsider, email="outsider@other.io", role=Role.MEMBER)
    firestore_db.document("users", outsider).set({"workspaces": {workspace_id: "member"}}, merge=True)

    page = new_page()
    page.goto(demo.sign_in_link(web_stack.web_url, uid=outsider, email="outsider@other.io"))
    page.get_by_test_id("signed-in-as").wait_for(timeout=20_000)
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts")
    error = page.get_by_test_id("contacts-error")
    error.wait_for(timeout=20_000)  # the rules refuse the listener
    assert "not a member of this workspace" in error.inner_text()
    assert "Secret Client" not in page.content()
    screenshot(page, "outsider")
    assert_accessible(page, "outsider")
