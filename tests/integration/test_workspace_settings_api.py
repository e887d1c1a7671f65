"""The workspace settings admins change through the API: the name, the pipeline's stages (a removed
stage's deals move where the admin says, audited), and the AI budget with this month's spend."""

from __future__ import annotations

import pytest

from shared.enrichment.budget import AiBudget
from shared.enrichment.model import AiUsage
from tests.integration.api import Api, team

pytestmark = pytest.mark.integration


@pytest.fixture
def crm(stack, firestore_db, workspace_id):
    stack.enable_auth()
    users = team(f"http://127.0.0.1:{stack.ports.auth}", workspace_id)
    return Api(stack.functions_url, workspace_id), users


def test_an_admin_renames_the_workspace(crm, firestore_db, workspace_id):
    api, users = crm
    body = {"workspaceId": workspace_id, "name": "  Acme Sales  "}
    assert api.call(users["member"], "POST", "rename-workspace", body).status == 403
    answer = api.call(users["admin"], "POST", "rename-workspace", body)
    assert answer.status == 200, answer.body
    assert answer.body == {"id": workspace_id, "name": "Acme Sales"}
    assert firestore_db.document("workspaces", workspace_id).get().get("name") == "Acme Sales"
    listed = api.call(users["member"], "GET", "workspaces").body["items"]
    assert [w["name"] for w in listed if w["id"] == workspace_id] == ["Acme Sales"]
    entries = [s.to_dict() for s in firestore_db.collection("workspaces", workspace_id, "audit").stream()]
    renamed = [e for e in entries if e["entity"] == "workspace" and e["action"] == "update"]
    assert [(e["before"], e["after"]) for e in renamed] == [({"name": "Team"}, {"name": "Acme Sales"})]
    assert (
        api.call(users["admin"], "POST", "rename-workspace", {"workspaceId": workspace_id, "name": " "}).status == 400
    )


def _stages(*names: str) -> list[dict]:
    return [{"id": name.lower(), "name": name} for name in names]


def test_removing_a_stage_moves_its_deals_where_the_admin_says(crm, firestore_db, workspace_id):
    api, users = crm
    admin = users["admin"]
    moved = [api.call(admin, "POST", "deals", {"name": f"Deal {i}", "stage": "proposal"}).body for i in range(3)]
    kept = api.call(admin, "POST", "deals", {"name": "Won one", "stage": "won"}).body
    # Rename a stage, reorder two, add one, remove "proposal" and the empty "negotiation".
    new = [*_stages("Lead"), {"id": "qualified", "name": "Qualified fit"}, *_stages("Demo", "Lost", "Won")]

    refused = api.call(admin, "PUT", "pipeline", {"stages": new, "version": 0})
    assert refused.status == 400, refused.body
    assert refused.body["error"]["field"] == "moves"
    assert "3 deal(s) are in proposal" in refused.body["error"]["message"]
    bad = api.call(admin, "PUT", "pipeline", {"stages": new, "version": 0, "moves": {"proposal": "negotiation"}})
    assert bad.status == 400  # the target must be a stage of the new pipeline
    assert api.call(users["member"], "PUT", "pipeline", {"stages": new, "version": 0, "moves": {}}).status == 403

    answer = api.call(admin, "PUT", "pipeline", {"stages": new, "version": 0, "moves": {"proposal": "demo"}})
    assert answer.status == 200, answer.body
    assert [s["id"] for s in answer.body["stages"]] == ["lead", "qualified", "demo", "lost", "won"]
    assert answer.body["version"] == 1
    for deal in moved:
        now = api.call(admin, "GET", f"deal/{deal['id']}").body
        assert (now["stage"], now["version"]) == ("demo", 2)
    assert api.call(admin, "GET", f"deal/{kept['id']}").body["stage"] == "won"
    entries = [s.to_dict() for s in firestore_db.collection("workspaces", workspace_id, "audit").stream()]
    moves = [e for e in entries if e["entity"] == "deal" and e["action"] == "update"]
    assert sorted(e["entityId"] for e in moves) == sorted(d["id"] for d in moved)
    assert {(e["before"]["stage"], e["after"]["stage"], e["actorUid"]) for e in moves} == {
        ("proposal", "demo", admin.uid)
    }
    pipeline = [e for e in entries if e["entity"] == "pipeline"]
    assert pipeline[0]["after"]["movedDeals"] == {"proposal": "demo"}
    # A deal can now be put in the new stage, and no longer in the removed one.
    assert api.call(admin, "PATCH", f"deal/{kept['id']}", {"stage": "demo", "version": 1}).status == 200
    assert api.call(admin, "POST", "deals", {"name": "Late", "stage": "proposal"}).status == 400


def test_admins_see_this_months_ai_spend_by_model_and_feature_and_set_the_budget(crm, firestore_db, workspace_id):
    api, users = crm
    budget = AiBudget(db=firestore_db, default_monthly_usd=5.0)
    for model, feature, micros in (
        ("gemini-2.5-flash", "contact_insights", 1_500),
        ("gemini-2.5-flash", "contact_insights", 500),
        ("gemini-2.5-pro", "deal_summary", 7_000),
    ):
        reservation = budget.reserve(workspace_id, 10_000, feature=feature)
        budget.settle(reservation, AiUsage(model=model, prompt_tokens=10, candidate_tokens=5, cost_micros=micros))
    unknown = budget.reserve(workspace_id, 3_000, feature="deal_summary")
    budget.settle_unknown(unknown)

    assert api.call(users["member"], "GET", "ai-spend").status == 403
    spend = api.call(users["admin"], "GET", "ai-spend")
    assert spend.status == 200, spend.body
    body = spend.body
    assert body["spentUsd"] == pytest.approx(0.012)
    assert body["calls"] == 4
    assert body["customLimit"] is False
    by_model = {row["model"]: (row["calls"], row["costUsd"]) for row in body["byModel"]}
    assert by_model == {"gemini-2.5-flash": (2, 0.002), "gemini-2.5-pro": (1, 0.007)}
    by_feature = {row["feature"]: (row["calls"], row["costUsd"]) for row in body["byFeature"]}
    assert by_feature == {"contact_insights": (2, 0.002), "deal_summary": (2, 0.01)}

    assert api.call(users["member"], "PUT", "ai-spend", {"monthlyBudgetUsd": 50}).status == 403
    assert api.call(users["admin"], "PUT", "ai-spend", {"monthlyBudgetUsd": -1}).status == 400
    changed = api.call(users["admin"], "PUT", "ai-spend", {"monthlyBudgetUsd": 42.5})
    assert changed.status == 200, changed.body
    assert (changed.body["limitUsd"], changed.body["customLimit"]) == (42.5, True)
    assert firestore_db.document("workspaces", workspace_id).get().get("aiMonthlyBudgetUsd") == 42.5
    reset = api.call(users["admin"], "PUT", "ai-spend", {"monthlyBudgetUsd": None})
    assert reset.body["customLimit"] is False
