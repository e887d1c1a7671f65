"""The contact policy's decisions and the preview's summary, with no database."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.crm.policy import Policy, participant_domains
from shared.crm.preview import summarize
from shared.workspace_settings import ContactCreation, SettingsChange, WorkspaceSettings


def _policy(**settings: object) -> Policy:
    members = ["owner@lumenway.io", "ann.smith@gmail.com"]
    return Policy.of(WorkspaceSettings.model_validate(settings), own_addresses=members)


def test_the_blocklist_names_addresses_and_domains_with_their_subdomains():
    policy = _policy(blocklist=["Spam@Example.org", "@Rival.com"])
    assert policy.blocklist == {"spam@example.org", "rival.com"}
    assert policy.is_blocked("spam@example.org")
    assert policy.is_blocked("ceo@rival.com")
    assert policy.is_blocked("ceo@eu.rival.com")
    assert not policy.is_blocked("ceo@notrival.com")
    assert not policy.is_blocked("other@example.org")


@pytest.mark.parametrize("entry", ["not an address", "@", "a@b", "acme"])
def test_nonsense_never_reaches_the_blocklist(entry):
    with pytest.raises(ValidationError):
        SettingsChange.model_validate({"blocklist": [entry]})


def test_the_team_and_its_colleagues_are_never_contacts():
    policy = _policy()
    assert policy.is_own("owner@lumenway.io")
    assert policy.is_own("Owner+crm@lumenway.io")  # an alias of the same mailbox
    assert policy.is_own("annsmith@gmail.com")  # Gmail ignores dots
    assert policy.is_own("colleague@lumenway.io")  # the members' work domain
    assert not policy.is_own("someone@gmail.com")  # free mail is nobody's company
    assert not policy.is_own("ann@acme.com")


def test_colleagues_can_be_made_contacts():
    policy = _policy(ownDomains=[])
    assert not policy.is_own("colleague@lumenway.io")
    assert policy.is_own("owner@lumenway.io")


@pytest.mark.parametrize(
    ("creation", "outbound_to_them", "inbound_from_them"),
    [("sent", True, False), ("sent_and_received", True, True), ("none", False, False)],
)
def test_who_a_message_may_create(creation, outbound_to_them, inbound_from_them):
    policy = _policy(contactCreation=creation)
    assert policy.creation == ContactCreation(creation)
    assert policy.creates("outbound", 1) is outbound_to_them
    assert policy.creates("inbound", 0) is inbound_from_them
    assert policy.creates("outbound", 0) is (creation == "sent_and_received")


def test_participant_domains_are_what_a_domain_block_can_match():
    assert participant_domains(["a@eu.acme.co.uk", "b@acme.co.uk"]) == ["acme.co.uk", "co.uk", "eu.acme.co.uk"]


PEOPLE = [
    {"contactId": "c1", "email": "ann@acme.com", "companyId": "acme.com", "messages": 5, "sent": 2, "received": 3},
    {"contactId": "c2", "email": "bo@acme.com", "companyId": "acme.com", "messages": 9, "sent": 0, "received": 9},
    {"contactId": "c3", "email": "cy@globex.de", "companyId": "globex.de", "messages": 2, "sent": 0, "received": 2},
    {"contactId": "c4", "email": "di@rival.com", "companyId": "rival.com", "messages": 4, "sent": 4, "received": 0},
    {
        "contactId": "c5",
        "email": "eve@initech.com",
        "companyId": "initech.com",
        "messages": 1,
        "sent": 0,
        "received": 1,
        "existing": True,
    },
]
COMPANIES = [
    {"domain": "acme.com", "name": "Acme", "messages": 14},
    {"domain": "globex.de", "name": "Globex", "messages": 2},
    {"domain": "rival.com", "name": "Rival", "messages": 4},
]
AUTOMATED = [{"email": "news@acme.com", "reason": "list-unsubscribe", "messages": 30}]


def test_the_preview_counts_what_the_policy_would_create():
    summary = summarize(_policy(blocklist=["rival.com"]), PEOPLE, COMPANIES, AUTOMATED)
    assert summary["wouldCreate"] == {"people": 1, "companies": 2}  # Ann (written to); Acme and Initech hold mail
    assert summary["wouldUpdate"] == {"people": 1}  # Eve is a contact already
    assert summary["notCreated"] == {"people": 2}  # Bo and Cy only wrote to the team
    assert summary["blocked"] == {"people": 1, "messages": 4}
    assert [p["email"] for p in summary["topPeople"]] == [
        "bo@acme.com",
        "ann@acme.com",
        "cy@globex.de",
        "eve@initech.com",
    ]
    assert [c["domain"] for c in summary["topCompanies"]] == ["acme.com", "globex.de"]
    assert summary["topCompanies"][0] == {
        "domain": "acme.com",
        "name": "Acme",
        "messages": 14,
        "people": 1,
        "wouldCreate": True,
    }
    assert summary["automatedSenders"] == AUTOMATED
    assert summary["policy"]["contactCreation"] == "sent"


def test_the_preview_follows_a_wider_policy():
    summary = summarize(_policy(contactCreation="sent_and_received"), PEOPLE, COMPANIES, AUTOMATED)
    assert summary["wouldCreate"] == {"people": 4, "companies": 4}
    assert summary["blocked"] == {"people": 0, "messages": 0}
