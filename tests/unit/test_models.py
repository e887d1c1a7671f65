"""The API's shapes: what they accept and refuse."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.crm.kinds import DEALS
from shared.crm.models import ContactCreate, DealUpdate
from shared.crm.search import query_terms, search_tokens


def test_contacts_are_normalised_and_unknown_fields_refused():
    contact = ContactCreate.model_validate({"email": " Ann@Acme.COM ", "tags": [" VIP "]})
    assert (contact.email, contact.tags) == ("ann@acme.com", ["vip"])
    with pytest.raises(ValidationError):
        ContactCreate.model_validate({"email": "ann@acme.com", "shoeSize": 9})
    with pytest.raises(ValidationError):
        ContactCreate.model_validate({"email": "ann@acme.com", "name": "\ud800"})


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
