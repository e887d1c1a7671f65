"""Record pages as people work on them: inline edits with a real conflict between two editors, where each value
came from, deals linked to contacts and companies, and duplicate contacts merged and unmerged."""

from __future__ import annotations

import time

import pytest

from devstack import demo
from shared import ids
from shared.principals import Role
from tests.browser.conftest import assert_accessible, screenshot, team_user
from tests.integration.api import Api, User
from tests.support import wait_for

pytestmark = pytest.mark.browser

NIA = "nia@vandelay.com"


def _user(stack, workspace_id: str, role: Role, name: str) -> User:
    return team_user(stack, workspace_id, role, name, team_name="Records team")


def _signed_in(stack, new_page, user: User, path: str):
    page = new_page()
    page.goto(demo.sign_in_link(stack.web_url, uid=user.uid, email=user.email, display_name=user.email.split(".")[0]))
    page.get_by_test_id("nav-settings").wait_for()
    page.goto(f"{stack.web_url}{path}")
    return page


def _contact_from_mail(firestore_db, workspace_id: str, email: str, name: str, **fields) -> str:
    """A contact as mail ingestion leaves it: name and company from the headers, title from a signature."""
    contact_id = ids.contact_id(email)
    now_ms = int(time.time() * 1000)
    document = {"email": email, "emails": [email], "name": name, "interactionCount": 2, "lastInteractionMs": now_ms}
    firestore_db.document("workspaces", workspace_id, "contacts", contact_id).set(document | fields)
    return contact_id


def _field(page, name: str):
    return page.locator(f'[data-testid="record-field"][data-field="{name}"]')


def _refused_website(field, address: str) -> None:
    """Saving `address` as the website is refused by the API, and the reason shown beside the field."""
    field.get_by_test_id("field-edit").click()
    field.get_by_test_id("field-input").fill(address)
    field.get_by_test_id("field-save").click()
    assert "http:// or https://" in field.get_by_test_id("field-error").inner_text()


def test_inline_edits_show_provenance_and_resolve_a_real_conflict(web_stack, firestore_db, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    member = _user(web_stack, workspace_id, Role.MEMBER, "ben")
    api = Api(web_stack.functions_url, workspace_id)
    firestore_db.document("workspaces", workspace_id, "companies", "vandelay.com").set(
        {"domain": "vandelay.com", "name": "Vandelay", "interactionCount": 2}
    )
    address = "129 West 81st Street, New York, NY 10024"
    signature = {"title": "Buyer", "phones": ["+1 212-555-0100"], "address": address, "atMs": int(time.time() * 1000)}
    contact_id = _contact_from_mail(
        firestore_db,
        workspace_id,
        NIA,
        "Nia Park",
        companyId="vandelay.com",
        companyName="Vandelay",
        title="Buyer",
        phones=["+1 212-555-0100"],
        address=address,
        signature=signature,
        enrichment={"fields": {"website": {"value": "https://vandelay.com", "source": "signature"}}},
    )
    page = _signed_in(web_stack, new_page, owner, f"/w/{workspace_id}/contacts/{contact_id}")
    _field(page, "title").get_by_test_id("field-value").wait_for()

    # Where each value came from, before anyone edits.
    assert _field(page, "name").get_by_test_id("field-source").get_attribute("data-source") == "mail"
    assert _field(page, "title").get_by_test_id("field-source").inner_text().startswith("From their email signature")
    assert _field(page, "companyName").get_by_test_id("field-source").get_attribute("data-source") == "mail"
    assert _field(page, "phones").get_by_test_id("field-value").inner_text() == "+1 212-555-0100"
    assert _field(page, "phones").get_by_test_id("field-source").get_attribute("data-source") == "signature"
    assert _field(page, "address").get_by_test_id("field-value").inner_text() == address
    assert _field(page, "address").get_by_test_id("field-source").get_attribute("data-source") == "signature"
    assert _field(page, "website").get_by_test_id("field-value").inner_text() == "https://vandelay.com"
    assert _field(page, "website").get_by_test_id("field-source").get_attribute("data-source") == "signature"
    assert_accessible(page, "contact page with its fields")

    # An edit saves with the version it started from and is credited to the person.
    title = _field(page, "title")
    title.get_by_test_id("field-edit").click()
    title.get_by_test_id("field-input").fill("Head of Imports")
    title.get_by_test_id("field-input").press("Enter")
    wait_for(lambda: title.get_by_test_id("field-value").inner_text() == "Head of Imports", what="the new title")
    source = title.get_by_test_id("field-source")
    wait_for(lambda: source.get_attribute("data-source") == "person", what="the title credited to a person")
    assert owner.email in source.inner_text() or "Ada" in source.inner_text()
    stored = api.call(owner, "GET", f"contact/{contact_id}").body
    assert stored["title"] == "Head of Imports"
    assert stored["fieldSources"]["title"]["uid"] == owner.uid

    # A real conflict: Ben saves the phones while Ada's form is open; Ada's save meets his and she keeps hers.
    phone = _field(page, "phones")
    phone.get_by_test_id("field-edit").click()
    phone.get_by_test_id("field-input").fill("+1 212 555 0199")
    version = api.call(member, "GET", f"contact/{contact_id}").body["version"]
    theirs = api.call(member, "PATCH", f"contact/{contact_id}", {"phones": ["+12125550101"], "version": version})
    assert theirs.status == 200, theirs.body
    phone.get_by_test_id("field-save").click()
    conflict = phone.get_by_test_id("field-conflict")
    conflict.wait_for()
    assert conflict.get_by_test_id("conflict-theirs").inner_text() == "+1 212-555-0101"
    assert conflict.get_by_test_id("conflict-mine").inner_text() == "+1 212 555 0199"
    assert_accessible(page, "contact page with an edit conflict")
    screenshot(page, "contact-edit-conflict")
    conflict.get_by_test_id("conflict-use-mine").click()
    # Stored as phonenumbers writes it internationally.
    wait_for(lambda: phone.get_by_test_id("field-value").inner_text() == "+1 212-555-0199", what="mine saved")
    assert api.call(owner, "GET", f"contact/{contact_id}").body["phones"] == ["+1 212-555-0199"]

    # And again on the name, where Ada keeps Ben's value.
    name = _field(page, "name")
    name.get_by_test_id("field-edit").click()
    name.get_by_test_id("field-input").fill("Nia P.")
    version = api.call(member, "GET", f"contact/{contact_id}").body["version"]
    theirs = api.call(member, "PATCH", f"contact/{contact_id}", {"name": "Nia Park-Lee", "version": version})
    assert theirs.status == 200
    name.get_by_test_id("field-save").click()
    name.get_by_test_id("field-conflict").get_by_test_id("conflict-keep-theirs").click()
    wait_for(lambda: name.get_by_test_id("field-value").inner_text() == "Nia Park-Lee", what="theirs kept")
    assert name.get_by_test_id("field-conflict").count() == 0
    assert "Ben" in name.get_by_test_id("field-source").inner_text()

    # Tags and owner: a list and a member.
    tags = _field(page, "tags")
    tags.get_by_test_id("field-edit").click()
    tags.get_by_test_id("field-input").fill("VIP, importer")
    tags.get_by_test_id("field-save").click()
    wait_for(lambda: tags.get_by_test_id("field-value").inner_text() == "vip, importer", what="the tags")
    owner_field = _field(page, "ownerUid")
    owner_field.get_by_test_id("field-edit").click()
    owner_field.get_by_test_id("field-input").select_option(member.uid)
    owner_field.get_by_test_id("field-save").click()
    wait_for(lambda: owner_field.get_by_test_id("field-value").inner_text() == "Ben", what="the owner")
    stored = api.call(owner, "GET", f"contact/{contact_id}").body
    assert (stored["tags"], stored["ownerUid"]) == (["vip", "importer"], member.uid)
    screenshot(page, "contact-fields")

    # Phones and website: checked by the API (phonenumbers; http(s) only), the refusal shown in place.
    phone.get_by_test_id("field-edit").click()
    phone.get_by_test_id("field-input").fill("+44 20 7946 0958, 555")
    phone.get_by_test_id("field-save").click()
    assert "+ and its country code" in phone.get_by_test_id("field-error").inner_text()
    phone.get_by_test_id("field-input").fill("+44 20 7946 0958; +1 212 555 0199")
    phone.get_by_test_id("field-save").click()
    wait_for(
        lambda: phone.get_by_test_id("field-value").inner_text() == "+44 20 7946 0958, +1 212-555-0199",
        what="two phones",
    )
    website = _field(page, "website")
    _refused_website(website, "javascript:alert(1)")
    assert_accessible(page, "contact page with a refused website")
    website.get_by_test_id("field-input").fill("https://vandelay.example.com/imports")
    website.get_by_test_id("field-input").press("Enter")
    wait_for(
        lambda: website.get_by_test_id("field-value").inner_text() == "https://vandelay.example.com/imports",
        what="the website",
    )
    wait_for(lambda: website.get_by_test_id("field-source").get_attribute("data-source") == "person", what="credit")
    stored = api.call(owner, "GET", f"contact/{contact_id}").body
    assert stored["website"] == "https://vandelay.example.com/imports"
    assert stored["phones"] == ["+44 20 7946 0958", "+1 212-555-0199"]
    assert {"website", "phones"} <= set(stored["manualFields"])

    # The company page edits its own fields the same way.
    page.get_by_test_id("contact-company-link").click()  # (the local web server answers a dotted path itself)
    page.wait_for_url(f"**/w/{workspace_id}/companies/vandelay.com")
    company_name = _field(page, "name")
    company_name.get_by_test_id("field-value").wait_for()
    assert company_name.get_by_test_id("field-source").get_attribute("data-source") == "domain"
    company_name.get_by_test_id("field-edit").click()
    company_name.get_by_test_id("field-input").fill("Vandelay Industries")
    company_name.get_by_test_id("field-save").click()
    wait_for(lambda: page.get_by_test_id("company-title").inner_text() == "Vandelay Industries", what="the rename")
    assert company_name.get_by_test_id("field-source").get_attribute("data-source") == "person"
    company_site = _field(page, "website")
    _refused_website(company_site, "vandelay.com")
    company_site.get_by_test_id("field-input").fill("https://vandelay.com")
    company_site.get_by_test_id("field-save").click()
    wait_for(lambda: company_site.get_by_test_id("field-value").inner_text() == "https://vandelay.com", what="site")
    company_phones = _field(page, "phones")
    company_phones.get_by_test_id("field-edit").click()
    company_phones.get_by_test_id("field-input").fill("+33 1 42 68 53 00")
    company_phones.get_by_test_id("field-save").click()
    wait_for(lambda: company_phones.get_by_test_id("field-value").inner_text() == "+33 1 42 68 53 00", what="phone")
    assert company_phones.get_by_test_id("field-source").get_attribute("data-source") == "person"
    stored = api.call(owner, "GET", "company/vandelay.com").body
    assert (stored["website"], stored["phones"]) == ("https://vandelay.com", ["+33 1 42 68 53 00"])
    assert_accessible(page, "company page")
    screenshot(page, "company-fields")


def test_deals_link_contacts_and_companies_shown_on_every_side(web_stack, firestore_db, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    api = Api(web_stack.functions_url, workspace_id)
    company = api.call(owner, "POST", "companies", {"name": "Vandelay", "domain": "vandelay.com"}).body
    nia = api.call(owner, "POST", "contacts", {"email": NIA, "name": "Nia Park"}).body
    deal = api.call(owner, "POST", "deals", {"name": "Latex import", "value": 12000}).body
    other = api.call(owner, "POST", "deals", {"name": "Samples", "value": 300}).body

    page = _signed_in(web_stack, new_page, owner, f"/w/{workspace_id}/deals")
    card = page.locator(f'[data-testid="deal-card"][data-deal-id="{deal["id"]}"]')
    card.get_by_test_id("deal-links-toggle").click()
    editor = card.get_by_test_id("deal-links-editor")
    editor.get_by_test_id("deal-company-select").select_option(company["id"])
    card.get_by_test_id("deal-link-company").wait_for()
    editor.get_by_test_id("picker-input").fill("Nia")
    editor.locator(f'[data-testid="picker-choice"][data-contact-id="{nia["id"]}"]').click()
    card.locator(f'[data-testid="deal-link-contact"][data-id="{nia["id"]}"]').wait_for()
    wait_for(lambda: "Nia Park" in card.get_by_test_id("deal-links").inner_text(), what="the contact's name")
    assert "Vandelay" in card.get_by_test_id("deal-links").inner_text()
    stored = api.call(owner, "GET", f"deal/{deal['id']}").body
    assert (stored["companyId"], stored["contactIds"]) == (company["id"], [nia["id"]])
    assert_accessible(page, "deal board with links")
    screenshot(page, "deal-links")

    # The contact page lists the deal, and links another from there.
    card.locator(f'[data-testid="deal-link-contact"][data-id="{nia["id"]}"] a').click()
    page.wait_for_url(f"**/w/{workspace_id}/contacts/{nia['id']}")
    deals = page.get_by_test_id("record-deal")
    wait_for(lambda: deals.count() == 1, what="the contact's deal")
    assert "Latex import" in deals.first.inner_text()
    page.get_by_test_id("link-deal-toggle").click()
    page.get_by_test_id("link-deal-select").select_option(other["id"])
    wait_for(lambda: deals.count() == 2, what="the second deal")
    assert api.call(owner, "GET", f"deal/{other['id']}").body["contactIds"] == [nia["id"]]
    assert_accessible(page, "contact page with deals")

    # The company page lists the deal too; unlinking on the card takes it off.
    page.get_by_test_id("nav-deals").click()
    card.locator('[data-testid="deal-link-company"] a').click()
    page.wait_for_url(f"**/w/{workspace_id}/companies/{company['id']}")
    wait_for(lambda: page.get_by_test_id("record-deal").count() == 1, what="the company's deal")
    page.get_by_test_id("nav-deals").click()
    card.get_by_test_id("deal-links-toggle").click()
    card.locator(f'[data-testid="deal-unlink-contact"][data-id="{nia["id"]}"]').click()
    wait_for(lambda: card.get_by_test_id("deal-link-contact").count() == 0, what="the contact unlinked")
    assert api.call(owner, "GET", f"deal/{deal['id']}").body["contactIds"] == []


def test_duplicates_are_reviewed_side_by_side_merged_and_undone(web_stack, firestore_db, workspace_id, new_page):
    owner = _user(web_stack, workspace_id, Role.OWNER, "ada")
    ann = _contact_from_mail(firestore_db, workspace_id, "ann@acme.io", "Ann Lee", companyName="Acme")
    ann_other = _contact_from_mail(firestore_db, workspace_id, "ann.lee@acme.io", "Ann Lee", interactionCount=1)
    contacts = firestore_db.collection("workspaces", workspace_id, "contacts")

    page = _signed_in(web_stack, new_page, owner, f"/w/{workspace_id}/merges")
    suggestion = page.get_by_test_id("merge-suggestion")
    suggestion.wait_for(timeout=20_000)
    sides = suggestion.get_by_test_id("merge-side")
    assert [sides.nth(i).get_attribute("data-contact-id") for i in range(2)] == [ann, ann_other]
    wait_for(lambda: "ann.lee@acme.io" in sides.nth(1).inner_text(), what="both contacts side by side")
    assert_accessible(page, "duplicates review")
    screenshot(page, "merge-review")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 812})
    assert_accessible(page, "duplicates review, dark, on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the pair stacks, nothing overflows
    screenshot(page, "merge-review-dark-phone")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 800})

    suggestion.get_by_test_id("merge-accept").click()
    outcome = page.get_by_test_id("merge-outcome")
    outcome.wait_for()
    wait_for(lambda: (contacts.document(ann_other).get().to_dict() or {}).get("mergedInto") == ann, what="the merge")
    assert sorted(contacts.document(ann).get().to_dict()["emails"]) == ["ann.lee@acme.io", "ann@acme.io"]
    page.get_by_test_id("recent-merge").first.wait_for()
    assert_accessible(page, "duplicates after a merge")
    outcome.get_by_test_id("merge-undo").click()
    wait_for(lambda: outcome.get_attribute("data-state") == "undone", what="the undo")
    assert "mergedInto" not in (contacts.document(ann_other).get().to_dict() or {})
    assert contacts.document(ann).get().to_dict()["emails"] == ["ann@acme.io"]

    # The same merge by hand, from Ann's page, then undone from the duplicates page.
    page.goto(f"{web_stack.web_url}/w/{workspace_id}/contacts/{ann}")
    page.get_by_test_id("merge-with-toggle").click()
    page.get_by_test_id("merge-picker").get_by_test_id("picker-input").fill("ann.lee")
    page.locator(f'[data-testid="picker-choice"][data-contact-id="{ann_other}"]').click()
    page.get_by_test_id("merge-pair").wait_for()
    assert_accessible(page, "merge with… on a contact page")
    page.get_by_test_id("merge-confirm").click()
    page.get_by_test_id("merge-outcome").wait_for()
    wait_for(lambda: (contacts.document(ann_other).get().to_dict() or {}).get("mergedInto") == ann, what="manual merge")
    page.get_by_test_id("nav-duplicates").click()
    page.get_by_test_id("recent-merge-undo").first.click()
    wait_for(lambda: "mergedInto" not in (contacts.document(ann_other).get().to_dict() or {}), what="undo in the list")
    wait_for(lambda: page.get_by_test_id("recent-merge").count() == 0, what="no merge left to undo")
