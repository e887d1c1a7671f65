"""The assistant's tools as the model sees them: declarations from the API's own models, never a
workspace parameter, read tools only for viewers, and invalid arguments answered with the reason."""

from __future__ import annotations

from shared.assistant.context import ToolContext
from shared.assistant.tools import READ_TOOLS, WRITE_TOOLS, Sources, run_tool, tools_for
from shared.crm.models import DealCreate, NoteCreate, TaskCreate
from shared.principals import Principal, Role

CONTEXT = ToolContext("ws-1", Principal("u-1", "u@example.com"), Role.MEMBER, "c-1", "m-1")


def test_write_tools_take_the_http_apis_own_models():
    arguments = {tool.name: tool.arguments for tool in WRITE_TOOLS}
    assert (arguments["add_note"], arguments["create_task"], arguments["create_deal"]) == (
        NoteCreate,
        TaskCreate,
        DealCreate,
    )
    note = WRITE_TOOLS[0].declaration()
    assert note.parameters_json_schema == NoteCreate.model_json_schema(by_alias=False)


def _property_names(schema: object) -> set[str]:
    if isinstance(schema, list):
        return {name for item in schema for name in _property_names(item)}
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties") or {})
    return names | {name for value in schema.values() for name in _property_names(value)}


def test_no_tool_lets_the_model_name_a_workspace():
    for tool in (*READ_TOOLS, *WRITE_TOOLS):
        names = _property_names(tool.declaration().parameters_json_schema)
        assert names, tool.name
        assert not [name for name in names if "workspace" in name.lower()], tool.name


def test_viewers_are_offered_read_tools_only():
    assert tools_for(Role.VIEWER) == READ_TOOLS
    writes = {"add_note", "create_task", "move_deal_stage", "create_deal"}
    assert {tool.name for tool in tools_for(Role.MEMBER)} >= writes
    viewer = ToolContext("ws-1", Principal("u-2", None), Role.VIEWER, "c-1", "m-1")
    note = {"parent_type": "company", "parent_id": "a", "body": "x"}
    refused = run_tool(tools_for(Role.VIEWER), viewer, "add_note", note)
    assert refused == {"error": "there is no tool 'add_note' for you here"}


def test_invalid_arguments_come_back_as_the_validation_error():
    answer = run_tool(tools_for(Role.MEMBER), CONTEXT, "create_task", {"title": "Call", "due_date": "soon"})
    assert answer["error"].startswith("invalid arguments: due_date:")
    answer = run_tool(tools_for(Role.MEMBER), CONTEXT, "create_task", {"title": "Call", "workspace_id": "ws-2"})
    assert "workspace_id: Extra inputs are not permitted" in answer["error"]


def _mail(*ids: str) -> dict:
    return {"output": {"items": [{"interactionId": i, "subject": f"About {i}", "contactIds": [f"c-{i}"]} for i in ids]}}


def test_citations_are_only_the_messages_the_answer_cites_by_number():
    sources = Sources()
    first, second = _mail("m1", "m2", "m3"), _mail("m3", "m4")
    sources.number(first)
    sources.number(second)
    # The model reads each message with its number; one seen twice keeps its first.
    assert [item["source"] for item in first["output"]["items"]] == [1, 2, 3]
    assert [item["source"] for item in second["output"]["items"]] == [3, 4]
    cited = sources.cited_in("Jordan asked for a discount [4] and agreed the date [2, 4]; see also [9].")
    assert [(c["source"], c["interactionId"], c["contactId"]) for c in cited] == [(4, "m4", "c-m4"), (2, "m2", "c-m2")]
    assert sources.cited_in("Nothing in the mail said so.") == []


def test_the_stand_in_cites_the_messages_it_quotes_by_number():
    from devstack.gemini_server.agent import answer_from

    result = _mail("m1")
    Sources().number(result)
    assert answer_from([{"name": "search_mail", "response": result}]) == "From search_mail: subject About m1, c-m1 [1]"
