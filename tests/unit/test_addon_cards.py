"""The add-on's cards and deployment descriptor against Google's own definitions: every card against
GoogleAppsCardV1Card (chat.v1.json), the descriptor against the Workspace Add-ons API's Deployment message
(google-cloud-gsuiteaddons), at the sizes Gmail would refuse if nothing were cut."""

from __future__ import annotations

import json
import os

import pytest
from google.cloud.gsuiteaddons_v1.types import Deployment

from devstack.card_schema import card_errors
from shared.addon import cards
from shared.addon.deployment import SCOPES, deployment
from shared.settings import Settings

LONG = "Dr. Maximiliane Alexandra von und zu Hohenlohe-Langenburg-Schillingsfürst " * 20


@pytest.fixture
def context() -> cards.Context:
    crowd = tuple(cards.PersonLine(f"person{i}@example{i}.com", LONG) for i in range(200))
    return cards.Context(
        action_url="https://fn.example/addon-action",
        web_app_url="https://app.example",
        workspace_id="ws-1",
        workspace_name=LONG,
        several_workspaces=True,
        can_block=True,
        message_participants=crowd,
    )


def _every_card(context: cards.Context) -> list[cards.Card]:
    person = cards.Person(
        contact_id="c1",
        email="ann@acme.com",
        name=LONG,
        title=LONG,
        company=LONG,
        address=LONG,
        aliases=tuple(f"ann{i}@acme.com" for i in range(10)),
        score=63.4,
        trend="rising",
        going_cold=True,
        last_ms=1_764_000_000_000,
        summary=LONG,
        next_step=LONG,
        deals=tuple(cards.DealLine(f"d{i}", LONG, "proposal", 12_000.0, "EUR") for i in range(20)),
        tasks=tuple(cards.TaskLine(LONG, "2026-12-24") for _ in range(20)),
        touches=tuple(cards.TouchLine(1_764_000_000_000, "inbound", LONG) for _ in range(20)),
        knows_best=LONG,
        knows_best_strength=(12, "cooling"),
        weakly_known=True,
    )
    lines = [cards.PersonLine(f"p{i}@x.com", LONG, 1_764_000_000_000, 12.0) for i in range(20)]
    return [
        cards.person_card(context, person),
        cards.unknown_person_card(
            context, cards.Prefill("ann@acme.com", LONG, LONG, "acme.com"), refusal=None, policy_note=LONG
        ),
        cards.unknown_person_card(
            context, cards.Prefill("ann@acme.com", None, None, None), refusal=LONG, policy_note=None
        ),
        cards.teammate_card(context, "sam@lumenway.io"),
        cards.homepage_card(context, cold=lines, tasks=[cards.TaskLine(LONG)] * 20, recent=lines),
        cards.workspace_chooser(context, [(f"ws-{i}", LONG) for i in range(5)]),
        cards.deal_card(
            context, cards.DealLine("d1", LONG, "lead"), [(f"s{i}", LONG) for i in range(40)], email="a@b.c"
        ),
        cards.notice_card(LONG, LONG, link=context.link("Open", "/")),
        cards.intros_card(context, "ann@acme.com", [cards.IntroLine(LONG, "via_contact", LONG, 41.5)] * 20),
        cards.intros_card(context, "ann@acme.com", []),
    ]


def test_every_card_validates_and_stays_small_at_absurd_sizes(context):
    for built in _every_card(context):
        assert card_errors(built) == [], built["name"]
        assert len(json.dumps(built)) < 40_000, built["name"]
        for text in _strings(built):
            assert len(text) <= cards.MAX_TEXT, built["name"]


def test_a_persons_card_shows_their_postal_address_only_when_known(context):
    person = cards.Person(contact_id="c1", email="ann@acme.com", name="Ann Lee", address="1 Canada Square, London")
    assert "1 Canada Square, London" in _strings(cards.person_card(context, person))
    assert "Address" not in _strings(cards.person_card(context, cards.Person("c1", "ann@acme.com", "Ann Lee")))


def test_the_schema_check_refuses_what_gmail_would_not_render():
    misspelt = {"header": {"title": "x"}, "sections": [{"widgets": [{"textParagraph": {"txt": "a"}}]}]}
    bad_enum = {"sections": [{"widgets": [{"textInput": {"name": "n", "type": "SEVERAL_LINES"}}]}]}
    assert card_errors(misspelt)
    assert card_errors(bad_enum)


def test_clip_cuts_with_an_ellipsis_and_survives_odd_input():
    assert cards.clip("a" * 200, 10) == "a" * 9 + "…"
    assert cards.clip(None) == ""
    assert cards.clip("  two\n\nlines  ") == "two lines"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() if key not in ("url", "function") for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_the_deployment_is_a_valid_add_ons_api_deployment_with_the_smallest_scopes(monkeypatch):
    for name in [name for name in os.environ if name.startswith("RAPPORT_")]:
        monkeypatch.delenv(name)  # an integration test in the same run applied the local stack's
    settings = Settings(
        project_id="p",
        region="europe-west1",
        functions_base_url="https://europe-west1-p.cloudfunctions.net",
        oauth_redirect_uri="https://app.example/api/oauth-callback",
        web_app_url="https://app.example",
        oauth_client_id="c",
        kms_key_name="k",
    )
    document = deployment(settings)
    parsed = Deployment.from_json(json.dumps(document))  # refuses any field the API does not define
    assert list(parsed.oauth_scopes) == list(SCOPES)
    assert not any(scope.endswith(("gmail.readonly", "gmail.modify", ".readonly")) for scope in SCOPES)
    assert parsed.add_ons.common.homepage_trigger.run_function == f"{settings.functions_base_url}/addon-homepage"
    (trigger,) = parsed.add_ons.gmail.contextual_triggers
    assert trigger.on_trigger_function == f"{settings.functions_base_url}/addon-message"
    with pytest.raises(Exception, match="no field named"):
        Deployment.from_json(json.dumps({**document, "addOns": {"common": {"nam": "x"}}}))
