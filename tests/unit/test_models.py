"""The API's shapes: what they accept and refuse."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.crm.kinds import DEALS
from shared.crm.models import CompanyUpdate, ContactCreate, ContactUpdate, DealUpdate
from shared.crm.search import query_terms, search_tokens


def test_contacts_are_normalised_and_unknown_fields_refused():
    contact = ContactCreate.model_validate({"email": " Ann@Acme.COM ", "tags": [" VIP "]})
    assert (contact.email, contact.tags) == ("ann@acme.com", ["vip"])
    with pytest.raises(ValidationError):
        ContactCreate.model_validate({"email": "ann@acme.com", "shoeSize": 9})
    with pytest.raises(ValidationError):
        ContactCreate.model_validate({"email": "ann@acme.com", "name": "\ud800"})


def test_phones_are_real_numbers_kept_in_international_form():
    update = ContactUpdate.model_validate({"version": 1, "phones": [" +44 20 7946 0958 ", "+12125550199"]})
    assert update.changes() == {"phones": ["+44 20 7946 0958", "+1 212-555-0199"]}
    for wrong in ("555", "(212) 555-0199", "+1 555 0199", "call me"):  # no country code, or no such number
        with pytest.raises(ValidationError, match=r"phones\.0"):
            CompanyUpdate.model_validate({"version": 1, "phones": [wrong]})
    with pytest.raises(ValidationError):
        ContactUpdate.model_validate({"version": 1, "phones": ["+44 20 7946 0958"] * 11})


def test_websites_are_http_or_https_addresses_of_a_named_host():
    assert (
        CompanyUpdate.model_validate({"version": 1, "website": "https://acme.com/about"}).website
        == "https://acme.com/about"
    )
    assert ContactUpdate.model_validate({"version": 1, "website": None}).changes() == {"website": None}
    for wrong in (
        "acme.com",
        "javascript:alert(1)",
        "ftp://acme.com",
        "https://localhost",
        "https://a@acme.com",
        "https://acme.com/a b",
    ):
        with pytest.raises(ValidationError, match="website"):
            ContactUpdate.model_validate({"version": 1, "website": wrong})


def test_an_update_needs_the_version_and_names_only_what_it_changes():
    with pytest.raises(ValidationError):
        DealUpdate.model_validate({"value": 3})
    update = DealUpdate.model_validate({"value": 3, "expectedClose": None, "version": 4})
    assert update.changes() == {"value": 3.0, "expectedClose": None}


def test_list_queries_accept_only_declared_filters_and_sorts():
    query = DEALS.list_query.model_validate({"workspaceId": "ws1", "stage": "won", "sort": "value", "limit": "5"})
    assert query.model_dump()["limit"] == 5
    with pytest.raises(ValidationError):
        DEALS.list_query.model_validate({"workspaceId": "ws1", "sort": "name"})


def test_search_tokens_are_accent_free_prefixes():
    tokens = search_tokens(["José Álvarez", "jose@globex.com", ["VIP"]])
    assert {"j", "jo", "jose", "alv", "alvarez", "globex", "jose@globex.com", "vip"} <= set(tokens)
    assert query_terms("Álv jo") == ["alv", "jo"]
