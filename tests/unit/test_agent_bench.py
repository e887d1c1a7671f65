"""`./rapport bench agent`'s evaluation set and its checks, without a stack: the set covers what the
assistant is asked to do, a case fails on a wrong argument, a wrong identity or a missing fact, and
`--live` without Vertex credentials fails instead of scoring."""

from __future__ import annotations

import pytest

from bench import agent
from devstack import agent_world
from shared.assistant.tools import READ_TOOLS, WRITE_TOOLS


def _world() -> agent.World:
    return agent.World("ws-a", "ws-b", agent_world.team(), tokens={})


def _case(case_id: str) -> agent.Case:
    return next(case for case in agent.load_cases() if case.id == case_id)


def _runs_as_expected(case: agent.Case, world: agent.World) -> list[agent.ToolRun]:
    """What the loop records when the stand-in asks for the case's calls: a search finds `c_1`."""
    asker = world.team[case.role]
    runs: list[agent.ToolRun] = []
    for call in agent.expected_runs(case):
        args = {key: agent.resolved(value, runs) for key, value in call.args.items()}
        result = {"output": {"items": [{"id": "c_1", "name": "Priya Raman"}]}}
        runs.append(agent.ToolRun(call.name, args, world.workspace_id, asker.uid, result, 1.0))
    return runs


def test_the_set_has_fifty_cases_over_every_tool_and_role() -> None:
    cases = agent.load_cases()
    assert len(cases) >= 50
    assert len({case.id for case in cases}) == len(cases)
    asked = {call.name for case in cases for step in case.steps for call in step}
    assert {tool.name for tool in READ_TOOLS + WRITE_TOOLS} <= asked
    assert {case.role for case in cases} == {"owner", "member", "viewer"}
    assert all(case.facts for case in cases)  # every answer is checked for something
    people = {contact["name"] for contact in agent_world.world()["contacts"]}
    assert any(fact in people for case in cases for fact in case.facts)


def test_a_case_passes_only_with_its_arguments_as_the_asker() -> None:
    world, case = _world(), _case("relationship-summary")
    runs = _runs_as_expected(case, world)
    assert agent.check_runs(case, world, runs) == []

    wrong_id = [runs[0], agent.ToolRun("get_contact", {"contact_id": "c_2"}, "ws-a", runs[1].uid, {}, 1.0)]
    assert agent.check_runs(case, world, wrong_id) == ["get_contact.contact_id was 'c_2', expected 'c_1'"]
    elsewhere = [agent.ToolRun(r.name, r.args, "ws-b", r.uid, r.result, 1.0) for r in runs]
    assert len(agent.check_runs(case, world, elsewhere)) == 2
    assert agent.check_runs(case, world, runs[:1])  # a step missing


def test_a_viewer_is_expected_to_run_no_write_tool() -> None:
    case = _case("viewer-cannot-move-a-deal")
    assert [call.name for call in agent.expected_runs(case)] == ["search_deals"]


def test_an_answer_must_hold_its_facts_and_nothing_it_should_not() -> None:
    case = _case("teammate-mail-not-shared")
    assert agent.check_answer(case, "From get_contact: name Tomas Berg, title CTO") == []
    assert agent.check_answer(case, "name Tomas Berg") == ["answer lacks 'CTO'"]
    assert agent.check_answer(case, "Tomas Berg, CTO, subject SOC 2") == ["answer holds 'SOC 2'"]
    assert agent.check_answer(case, f"Tomas Berg, CTO, {agent.OTHER_MARKER}SSO") == [
        "answer holds the other workspace's mail"
    ]


def test_live_without_vertex_credentials_says_so_and_fails(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud application-default login either
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # nor a metadata server
    with pytest.raises(SystemExit) as exited:
        agent.run(["--live"])
    assert exited.value.code != 0
    assert "no live score" in capsys.readouterr().err
