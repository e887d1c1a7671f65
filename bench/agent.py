"""`./rapport bench agent`: the assistant's evaluation set (devstack/demo_data/agent_cases.toml) over the
demo world's CRM (devstack/demo_data/agent_world.toml), with the local Gemini stand-in asking for each
case's expected tools. It measures the machinery, not the model:

- tool_pass: the share of cases whose tool calls ran with the expected arguments (a `$tool.path`
  argument resolved from what that tool really answered), as the asker in the asker's workspace, and
  whose answer holds the case's facts (and none of its `absent` ones, nor anything of the other
  workspace). A viewer's case expects the write tools not to be offered at all.
- unconfirmed_writes: changes to the CRM (records, notes, tasks, audit entries) in either workspace
  while the cases ran, none of them confirmed: must be 0. Write tools only propose.
- cross_workspace_reads: a second workspace holds the same world (same ids, its mail marked); every
  Firestore read the answers make is checked on the wire (a gRPC interceptor on the client's channel)
  for the workspace it reads in: must be 0.
- reads_per_question: Firestore documents the answer read (queries, gets, counts), question to answer.
- first_token_p50_ms / p95: POST /assistant/ask (ID token, functions host) → Cloud Tasks emulator →
  assistant-turn → the answer's Firestore document, until a listener sees its first text.
- tool_p95_ms: the tools' own run time with `--contacts` more contacts in the workspace (10,000).
- live: null, unless `--live` with Vertex credentials runs the set against Gemini itself (the share
  of answers holding their facts, tokens and cost per question); `--live` without them says so and fails.

Each case is answered twice: once in this process by the same Assistant the assistant-turn function
runs (where reads and tool calls can be watched), once through the deployed path for the timing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._env import EMULATOR, answered_by, say, stand_in
from devstack import agent_world
from devstack.gemini_server.agent import CASES_FILE, Call, Case, evaluation_set
from devstack.stack import REPO_ROOT, LocalStack

RUNTIME = REPO_ROOT / ".rapport" / "bench-agent"
WORKSPACE = "bench-agent"
OTHER_WORKSPACE = "bench-agent-other"
OTHER_SUFFIX = "-other"
OTHER_MARKER = "[other workspace] "
CRM_COLLECTIONS = ("contacts", "companies", "deals", "notes", "tasks", "audit")
ANSWER_TIMEOUT_S = 180.0  # generous: the machine this runs on may be busy
BUDGET_USD = 1000.0  # the bench pays the stand-in's prices many times over; a real month is far smaller

# Who answers this bench's calls: reported with its figures (see devstack/commands/bench.py).
ANSWERED_BY = answered_by(
    gemini=stand_in("devstack/gemini_server"), firestore=EMULATOR, cloud_tasks=EMULATOR, auth=EMULATOR
)


# ---- the evaluation set ------------------------------------------------------------------------------------


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    return evaluation_set(path)


# ---- Firestore reads, on the wire ---------------------------------------------------------------------------


class ReadMeter:
    """Counts the documents Firestore delivers to this process (query results, gets, one per count), and
    every read that targets or returns a document of a workspace other than `workspace_id`."""

    _STREAMED = ("/RunQuery", "/BatchGetDocuments", "/RunAggregationQuery")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.workspace_id: str | None = None
        self.reads = 0
        self.elsewhere: list[str] = []

    def start(self, workspace_id: str) -> None:
        with self._lock:
            self.workspace_id, self.reads, self.elsewhere = workspace_id, 0, []

    def stop(self) -> tuple[int, list[str]]:
        with self._lock:
            self.workspace_id = None
            return self.reads, list(self.elsewhere)

    def _outside(self, name: str) -> bool:
        """Whether a resource name lies in a workspace other than the one being measured."""
        path = name.split("/documents/", 1)[1] if "/documents/" in name else ""
        parts = path.split("/")
        return len(parts) >= 2 and parts[0] == "workspaces" and parts[1] != self.workspace_id

    def requested(self, method: str, request: Any) -> None:
        names = [getattr(request, "parent", ""), *(getattr(request, "documents", None) or [])]
        with self._lock:
            if self.workspace_id is not None:
                self.elsewhere.extend(f"{method} {name}" for name in names if name and self._outside(name))

    def delivered(self, method: str, response: Any) -> None:
        if method.endswith("/RunAggregationQuery"):
            name, counted = "", 1
        elif method.endswith("/BatchGetDocuments"):
            name = response.found.name if response.found else ""
            counted = 1 if name else 0
        else:
            name = response.document.name if response.document else ""
            counted = 1 if name else 0
        with self._lock:
            if self.workspace_id is None:
                return
            self.reads += counted
            if name and self._outside(name):
                self.elsewhere.append(f"{method} returned {name}")

    def interceptor(self) -> Any:
        import grpc

        meter = self

        class _Streamed:
            """The call's responses, each counted as it is read; everything else is the call's."""

            def __init__(self, call: Any, method: str) -> None:
                self._call, self._method = call, method

            def __iter__(self) -> _Streamed:
                return self

            def __next__(self) -> Any:
                response = next(self._call)
                meter.delivered(self._method, response)
                return response

            def __getattr__(self, name: str) -> Any:
                return getattr(self._call, name)

        class _Interceptor(grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
            def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
                method = str(details.method)
                call = continuation(details, request)
                if not method.endswith(ReadMeter._STREAMED):
                    return call
                meter.requested(method, request)
                return _Streamed(call, method)

        return _Interceptor()


@contextmanager
def metered_firestore(meter: ReadMeter) -> Iterator[None]:
    """This process's Firestore client reads through `meter` (a fresh channel to the emulator)."""
    import grpc

    from shared.clients import firestore_client

    db = firestore_client()
    plain = db._emulator_channel
    db._emulator_channel = lambda transport: grpc.intercept_channel(plain(transport), meter.interceptor())
    db._firestore_api_internal = None  # built again, on the intercepted channel
    try:
        yield
    finally:
        del db._emulator_channel
        db._firestore_api_internal = None


# ---- the tools' calls, as the loop makes them ------------------------------------------------------------------


@dataclass
class ToolRun:
    name: str
    args: dict[str, Any]
    workspace_id: str
    uid: str
    result: dict[str, Any]
    ms: float


@contextmanager
def recorded_tool_runs() -> Iterator[list[ToolRun]]:
    """Every tool call the assistant's loop runs in this process: arguments, who ran it, what it answered."""
    from shared.assistant import loop

    runs: list[ToolRun] = []
    original = loop.run_tool

    def recording(offered: Any, context: Any, name: str, raw_args: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        result = original(offered, context, name, raw_args)
        elapsed = (time.perf_counter() - started) * 1000
        uid = context.principal.uid
        runs.append(ToolRun(name, dict(raw_args or {}), context.workspace_id, uid, result, elapsed))
        return result

    loop.run_tool = recording  # type: ignore[assignment]
    try:
        yield runs
    finally:
        loop.run_tool = original  # type: ignore[assignment]


# ---- the world ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    workspace_id: str
    other_workspace_id: str
    team: dict[str, agent_world.Member]
    tokens: dict[str, str]  # ID tokens by role, for the HTTP path


def prepare(stack: LocalStack, *, contacts: int, suffix: str = "") -> World:
    """The world in one workspace (with `contacts` more contacts), its copy in another, and ID tokens."""
    from devstack.demo import id_token
    from shared.clients import firestore_client
    from shared.enrichment.budget import WORKSPACE_BUDGET_FIELD

    stack.enable_auth()
    workspace_id, other_id = WORKSPACE + suffix, OTHER_WORKSPACE + suffix
    team = agent_world.team()
    agent_world.seed(workspace_id, team)
    agent_world.seed(other_id, agent_world.team(OTHER_SUFFIX), marker=OTHER_MARKER)
    for ws in (workspace_id, other_id):
        firestore_client().document("workspaces", ws).set({WORKSPACE_BUDGET_FIELD: BUDGET_USD}, merge=True)
    if contacts:
        agent_world.seed_filler_contacts(workspace_id, contacts)
    auth_url = f"http://127.0.0.1:{stack.ports.auth}"
    tokens = {role: id_token(auth_url, member.uid, member.email) for role, member in team.items()}
    return World(workspace_id, other_id, team, tokens)


def crm_state(workspace_id: str) -> dict[str, Any]:
    """What a change to the CRM would alter: each collection's size, and every deal's version."""
    from shared.clients import firestore_client

    workspace = firestore_client().collection("workspaces").document(workspace_id)
    state: dict[str, Any] = {
        name: int(workspace.collection(name).count().get()[0][0].value) for name in CRM_COLLECTIONS
    }
    deals = workspace.collection("deals").select(["version", "stage"]).stream()
    state["dealVersions"] = sorted((s.id, (s.to_dict() or {}).get("version")) for s in deals)
    return state


def crm_changes(before: dict[str, Any], after: dict[str, Any]) -> int:
    counted = sum(abs(int(after[name]) - int(before[name])) for name in CRM_COLLECTIONS)
    return counted + len(set(after["dealVersions"]) ^ set(before["dealVersions"]))


# ---- one case ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    passed: bool = False
    problems: list[str] = field(default_factory=list)
    text: str = ""
    reads: int = 0
    elsewhere: list[str] = field(default_factory=list)
    writes: int = 0
    proposals: int = 0
    tool_ms: dict[str, list[float]] = field(default_factory=dict)
    first_token_ms: float | None = None


def answer_in_process(
    world: World, case: Case, meter: ReadMeter
) -> tuple[dict[str, Any], list[ToolRun], int, list[str]]:
    """The case answered by the Assistant the assistant-turn function runs, its reads and tool calls watched."""
    from shared.assistant.conversations import Conversations
    from shared.assistant.loop import Assistant
    from shared.principals import Principal

    asker = world.team[case.role]
    principal = Principal(uid=asker.uid, email=asker.email, email_verified=True)
    conversations = Conversations()
    with recorded_tool_runs() as runs:
        meter.start(world.workspace_id)
        turn = conversations.ask(world.workspace_id, principal, case.question, conversation_id=None)
        Assistant(conversations=conversations).answer(
            world.workspace_id, asker.uid, turn.conversation_id, turn.answer_id
        )
        reads, elsewhere = meter.stop()
    answer = conversations.message(world.workspace_id, asker.uid, turn.conversation_id, turn.answer_id).get()
    return answer.to_dict() or {}, runs, reads, elsewhere


def answer_over_http(stack: LocalStack, world: World, case: Case) -> tuple[dict[str, Any], float | None]:
    """The case asked through POST /assistant/ask; the answer read by a Firestore listener, as the web app
    reads it. Returns the finished answer and the time from the request to its first text."""
    import urllib.request

    from shared.clients import firestore_client

    asker = world.team[case.role]
    body = json.dumps({"workspaceId": world.workspace_id, "question": case.question}).encode()
    request = urllib.request.Request(
        f"{stack.functions_url}/assistant/ask",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {world.tokens[case.role]}"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=120) as response:
        asked = json.loads(response.read())
    reference = firestore_client().document(
        "workspaces", world.workspace_id, "members", asker.uid, "conversations", asked["conversationId"],
        "messages", asked["messageId"],
    )  # fmt: skip
    first_text: list[float] = []
    finished = threading.Event()
    latest: dict[str, Any] = {}

    def on_snapshot(snapshots: Any, _changes: Any, _read_time: Any) -> None:
        for snapshot in snapshots:
            data = snapshot.to_dict() or {}
            if data.get("text") and not first_text:
                first_text.append(time.monotonic())
            if data.get("status") in ("done", "error"):
                latest.update(data)
                finished.set()

    watch = reference.on_snapshot(on_snapshot)
    try:
        if not finished.wait(ANSWER_TIMEOUT_S):
            raise RuntimeError(f"case {case.id}: no answer within {ANSWER_TIMEOUT_S:.0f} s over HTTP")
    finally:
        watch.unsubscribe()
    return latest, (round((first_text[0] - started) * 1000, 1) if first_text else None)


def expected_runs(case: Case) -> list[Call]:
    """The calls that should run: a viewer is not offered the write tools, so the step asking for one
    (and every step after it) is answered with a refusal instead."""
    from shared.assistant.tools import tools_for
    from shared.principals import Role

    offered = {tool.name for tool in tools_for(Role(case.role))}
    runs: list[Call] = []
    for step in case.steps:
        if any(call.name not in offered for call in step):
            break
        runs.extend(step)
    return runs


def resolved(value: Any, earlier: list[ToolRun]) -> Any:
    """An expected argument, `$tool.path` read from what that tool answered last, as the stand-in reads it."""
    from devstack.gemini_server.agent import resolved_value

    return resolved_value(value, [{"name": run.name, "response": run.result} for run in earlier])


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    return bool(expected == actual)


def check_runs(case: Case, world: World, runs: list[ToolRun]) -> list[str]:
    asker = world.team[case.role]
    expected = expected_runs(case)
    problems = []
    if [run.name for run in runs] != [call.name for call in expected]:
        problems.append(f"tools {[r.name for r in runs]} where {[c.name for c in expected]} were expected")
        return problems
    for n, (run, call) in enumerate(zip(runs, expected, strict=True)):
        if (run.workspace_id, run.uid) != (world.workspace_id, asker.uid):
            problems.append(f"{run.name} ran as {run.uid} in {run.workspace_id}")
        for key, value in call.args.items():
            want = resolved(value, runs[:n])
            if want is None or not _same(want, run.args.get(key)):
                problems.append(f"{run.name}.{key} was {run.args.get(key)!r}, expected {want!r}")
    return problems


def check_answer(case: Case, text: str) -> list[str]:
    problems = [f"answer lacks {fact!r}" for fact in case.facts if fact not in text]
    problems += [f"answer holds {fact!r}" for fact in case.absent if fact in text]
    if OTHER_MARKER.strip() in text:
        problems.append("answer holds the other workspace's mail")
    return problems


def play(stack: LocalStack, world: World, case: Case, meter: ReadMeter) -> Outcome:
    outcome = Outcome(case)
    before = {ws: crm_state(ws) for ws in (world.workspace_id, world.other_workspace_id)}
    answer, runs, outcome.reads, outcome.elsewhere = answer_in_process(world, case, meter)
    over_http, outcome.first_token_ms = answer_over_http(stack, world, case)
    after = {ws: crm_state(ws) for ws in before}
    outcome.writes = sum(crm_changes(before[ws], after[ws]) for ws in before)
    outcome.text = str(answer.get("text") or "")
    outcome.proposals = len(answer.get("proposalIds") or [])
    for run in runs:
        outcome.tool_ms.setdefault(run.name, []).append(run.ms)
    for name, finished in (("in process", answer), ("over HTTP", over_http)):
        if finished.get("status") != "done":
            outcome.problems.append(f"{name}: {finished.get('status')} {finished.get('error') or ''}".strip())
    http_tools = [call["name"] for call in over_http.get("toolCalls") or []]
    if http_tools != [run.name for run in runs]:
        outcome.problems.append(f"over HTTP the tools were {http_tools}")
    outcome.problems += check_runs(case, world, runs) + check_answer(case, outcome.text)
    outcome.passed = not outcome.problems and not outcome.elsewhere and not outcome.writes
    return outcome


# ---- figures -----------------------------------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return round(values[0], 1) if values else 0.0
    return round(statistics.quantiles(values, n=20, method="inclusive")[18], 1)


def figures(outcomes: list[Outcome]) -> dict[str, Any]:
    from shared.assistant.tools import READ_TOOLS

    read_tools = {tool.name for tool in READ_TOOLS}
    firsts = [o.first_token_ms for o in outcomes if o.first_token_ms is not None]
    by_tool: dict[str, list[float]] = {}
    for outcome in outcomes:
        for name, times in outcome.tool_ms.items():
            by_tool.setdefault(name, []).extend(times)
    read_times = [ms for name, times in by_tool.items() if name in read_tools for ms in times]
    return {
        "cases": len(outcomes),
        "tool_pass": round(sum(o.passed for o in outcomes) / len(outcomes), 3) if outcomes else 0.0,
        "failed": {o.case.id: o.problems + o.elsewhere for o in outcomes if not o.passed},
        "unconfirmed_writes": sum(o.writes for o in outcomes),
        "cross_workspace_reads": sum(len(o.elsewhere) for o in outcomes),
        "proposals": sum(o.proposals for o in outcomes),
        "first_token_p50_ms": round(statistics.median(firsts), 1) if firsts else None,
        "first_token_p95_ms": _p95(firsts) if firsts else None,
        "tool_p95_ms": _p95(read_times),
        "tool_p95_ms_by_tool": {name: _p95(times) for name, times in sorted(by_tool.items())},
        "reads_per_question": round(statistics.fmean(o.reads for o in outcomes), 1) if outcomes else 0.0,
        "reads_per_question_max": max((o.reads for o in outcomes), default=0),
    }


def evaluate(stack: LocalStack, world: World, cases: list[Case]) -> dict[str, Any]:
    meter = ReadMeter()
    outcomes = []
    with metered_firestore(meter):
        for n, case in enumerate(cases, 1):
            outcome = play(stack, world, case, meter)
            outcomes.append(outcome)
            verdict = "ok" if outcome.passed else "FAILED: " + "; ".join(outcome.problems + outcome.elsewhere)
            say("agent", f"{n}/{len(cases)} {case.id}: {verdict}")
    return figures(outcomes)


# ---- against Gemini itself ------------------------------------------------------------------------------------


def vertex_project() -> str | None:
    """The project of this machine's Google credentials, when there are any."""
    try:
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            _, project = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        except DefaultCredentialsError:
            return None
        return project or None
    except ImportError:
        return None


def evaluate_live(world: World, cases: list[Case], project: str) -> dict[str, Any]:
    """The same set answered by Vertex AI Gemini: the share holding their facts, tokens and cost per question."""
    from google import genai

    from shared.assistant.conversations import Conversations
    from shared.assistant.loop import Assistant
    from shared.principals import Principal
    from shared.settings import get_settings

    settings = get_settings()
    client = genai.Client(vertexai=True, project=project, location=settings.gemini_location or settings.region)
    correct, tokens, cost = 0, 0, 0
    for case in cases:
        asker = world.team[case.role]
        conversations = Conversations()
        principal = Principal(uid=asker.uid, email=asker.email, email_verified=True)
        turn = conversations.ask(world.workspace_id, principal, case.question, conversation_id=None)
        Assistant(client_factory=lambda: client, conversations=conversations).answer(
            world.workspace_id, asker.uid, turn.conversation_id, turn.answer_id
        )
        answer = conversations.message(world.workspace_id, asker.uid, turn.conversation_id, turn.answer_id)
        data = answer.get().to_dict() or {}
        correct += not check_answer(case, str(data.get("text") or ""))
        calls = data.get("modelCalls") or []
        tokens += sum(int(c["promptTokens"]) + int(c["candidateTokens"]) + int(c["thoughtTokens"]) for c in calls)
        cost += int(data.get("costMicros") or 0)
    count = max(len(cases), 1)
    return {
        "model": settings.gemini_model,
        "answered_correctly": round(correct / count, 3),
        "tokens_per_question": round(tokens / count),
        "cost_usd_per_question": round(cost / count / 1_000_000, 5),
    }


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="rapport bench agent")
    parser.add_argument("--contacts", type=int, default=10_000, help="more contacts in the asked workspace")
    parser.add_argument("--case", action="append", default=[], help="only this case id (repeatable)")
    parser.add_argument("--live", action="store_true", help="also run the set against Vertex AI Gemini")
    args = parser.parse_args(argv)
    project = vertex_project() if args.live else None
    if args.live and project is None:
        say("agent", "--live needs Vertex AI credentials (gcloud auth application-default login, with a project);")
        say("agent", "none found, so no live score is reported.")
        raise SystemExit(2)
    cases = [case for case in load_cases() if not args.case or case.id in args.case]
    with LocalStack(RUNTIME) as stack:
        say(
            "agent",
            f"seeding the demo world with {args.contacts} more contacts, and its copy in a second workspace ...",
        )
        world = prepare(stack, contacts=args.contacts)
        say("agent", f"playing {len(cases)} cases ...")
        result = evaluate(stack, world, cases)
        result["contacts"] = args.contacts + len(agent_world.world()["contacts"])
        result["live"] = evaluate_live(world, cases, project) if project else None
    return result
