"""`./rapport bench realtime`: how fast one person's change reaches a teammate's screen, and how fast a
large contact list shows.

Runs its own local stack with the web app, and two people signed in to two browser contexts of
Debian's chromium (Playwright from PyPI):

- p50_ms / p95_ms: user A moves a deal on the board (the stage select, as a click would) until the
  card shows in its new column in user B's browser, over `--writes` moves, one after another. The
  path is the product's: A's browser → the deal API (ID token, role, version precondition) →
  Firestore → B's listener → B's board.
- baseline_p50_ms / baseline_p95_ms: the same moves written straight to the deal's document with
  the server's Firestore client, no API in between: what the listener alone costs.
- first_render_10k_ms: a workspace with `--contacts` contacts, the contacts page loaded afresh
  (median of `--loads`), from navigation start until the first row is painted. The page queries
  one page of contacts (`bench web` counts its reads), so this does not grow with the workspace.
- scroll_frame_p95_ms / rows_in_dom_max: scrolling the page's list top to bottom, one step a
  frame: how long frames take, and how many rows the DOM ever holds.

Both browsers and their timestamps live on one machine: times are Date.now() of the same clock.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench._env import BROWSER, EMULATOR, answered_by, say
from devstack import demo
from devstack.browser import launch_chromium
from devstack.stack import REPO_ROOT, LocalStack

RUNTIME = REPO_ROOT / ".rapport" / "bench-realtime"
STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
LAPTOP = {"width": 1280, "height": 800}
CARD = '[data-testid="deal-card"][data-deal-id="{deal_id}"]'

# In B's page: every change of the deal card's stage, with when it reached the DOM.
WATCH_STAGE = """(selector) => {
  window.__stageChanges = [];
  const read = () => document.querySelector(selector)?.dataset.stage ?? null;
  let last = read();
  new MutationObserver(() => {
    const at = Date.now();
    const stage = read();
    if (stage !== last) { last = stage; window.__stageChanges.push({ stage, at }); }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-stage"] });
}"""
# In A's page: when the person's change happens, before the app acts on it (capture phase).
WATCH_CHANGES = """() => {
  window.__changes = [];
  document.addEventListener("change", (event) => {
    if (event.target?.dataset?.testid === "deal-stage-select") window.__changes.push(Date.now());
  }, true);
}"""
# Before the contacts page loads: when the first row is painted, in ms since navigation start.
WATCH_RENDER = """
window.__render = {};
new MutationObserver(() => {
  const r = window.__render;
  if (r.firstRow === undefined && document.querySelector('[data-testid="contact-row"]')) {
    r.firstRow = null;
    requestAnimationFrame(() => { r.firstRow = performance.now(); });
  }
}).observe(document, { subtree: true, childList: true, attributes: true });
"""
SCROLL_THROUGH = """async () => {
  const list = document.querySelector('[data-testid="contacts-list"]');
  const step = list.clientHeight * 1.5;
  const frames = [];
  let rowsMax = 0;
  let last = performance.now();
  await new Promise((resolve) => {
    const tick = (now) => {
      frames.push(now - last);
      last = now;
      rowsMax = Math.max(rowsMax, list.querySelectorAll('[data-testid="contact-row"]').length);
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) return resolve();
      list.scrollTop += step;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  return { frames: frames.slice(1), rowsMax, scrolled: list.scrollHeight };
}"""


# Who answers this bench's calls: reported with its figures (see devstack/commands/bench.py).
ANSWERED_BY = answered_by(firestore=EMULATOR, auth=EMULATOR, browser=BROWSER)


@dataclass(frozen=True)
class Person:
    uid: str
    email: str
    name: str


def team(workspace_id: str) -> tuple[Person, Person]:
    """A workspace with an owner (A) and a member (B)."""
    from shared.principals import Role
    from shared.workspaces import add_member, create_workspace

    suffix = uuid.uuid4().hex[:6]
    a = Person(f"u-ada-{suffix}", f"ada.{suffix}@lumenway.io", "Ada")
    b = Person(f"u-ben-{suffix}", f"ben.{suffix}@lumenway.io", "Ben")
    create_workspace(workspace_id, name="Realtime bench", owner_uid=a.uid, owner_email=a.email)
    add_member(workspace_id, uid=b.uid, email=b.email, role=Role.MEMBER, display_name=b.name)
    return a, b


def signed_in_page(stack: LocalStack, browser: Any, person: Person) -> Any:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(demo.sign_in_link(stack.web_url, uid=person.uid, email=person.email, display_name=person.name))
    page.get_by_test_id("signed-in-as").wait_for(timeout=30_000)
    return page


def _percentiles(values: list[float]) -> tuple[float, float]:
    return round(statistics.median(values), 1), round(statistics.quantiles(values, n=20)[18], 1)


# ---- a teammate's change, live ----------------------------------------------------------------------


def _open_board(page: Any, stack: LocalStack, workspace_id: str) -> None:
    page.goto(f"{stack.web_url}/w/{workspace_id}/deals")
    page.get_by_test_id("deal-board").wait_for(timeout=30_000)


def _create_deal(page_a: Any) -> str:
    page_a.get_by_test_id("new-deal-toggle").click()
    page_a.get_by_test_id("new-deal-name").fill("Vandelay Industries import")
    page_a.get_by_test_id("new-deal-value").fill("12000")
    page_a.get_by_test_id("new-deal-submit").click()
    card = page_a.locator('[data-testid="deal-card"]', has_text="Vandelay Industries import")
    card.wait_for(timeout=30_000)
    return str(card.get_attribute("data-deal-id"))


def _next_change(page_b: Any, seen: int) -> dict[str, Any]:
    page_b.wait_for_function(f"() => window.__stageChanges.length > {seen}", timeout=30_000)
    change: dict[str, Any] = page_b.evaluate(f"() => window.__stageChanges[{seen}]")
    return change


def measure_live_moves(stack: LocalStack, browser: Any, workspace_id: str, writes: int) -> dict[str, Any]:
    """A moves one deal `writes` times through the app, then `writes` times straight in Firestore;
    each time, how long until B's board shows it."""
    from shared.clients import firestore_client

    a, b = team(workspace_id)
    page_a, page_b = signed_in_page(stack, browser, a), signed_in_page(stack, browser, b)
    _open_board(page_a, stack, workspace_id)
    _open_board(page_b, stack, workspace_id)
    deal_id = _create_deal(page_a)
    card_a = page_a.locator(CARD.format(deal_id=deal_id))
    page_b.locator(CARD.format(deal_id=deal_id)).wait_for(timeout=30_000)
    page_a.evaluate(WATCH_CHANGES)
    page_b.evaluate(WATCH_STAGE, CARD.format(deal_id=deal_id))

    through_app: list[float] = []
    for n in range(writes):
        target = STAGES[(n + 1) % len(STAGES)]
        card_a.get_by_test_id("deal-stage-select").select_option(target)
        changed = _next_change(page_b, n)
        started = page_a.evaluate(f"() => window.__changes[{n}]")
        if changed["stage"] != target:
            raise RuntimeError(f"B's board showed {changed['stage']!r} where A moved the deal to {target!r}")
        through_app.append(changed["at"] - started)
        # A's own listener confirms the move (and its new version) before A moves it again.
        page_a.wait_for_function(
            "([selector, stage]) => { const card = document.querySelector(selector);"
            " return card && card.dataset.stage === stage && !card.classList.contains('deal-card--moving'); }",
            arg=[CARD.format(deal_id=deal_id), target],
            timeout=30_000,
        )
        time.sleep(0.05)

    deal = firestore_client().document("workspaces", workspace_id, "deals", deal_id)
    direct: list[float] = []
    for n in range(writes):
        target = STAGES[(writes + n + 1) % len(STAGES)]  # always a stage other than the current one
        started = time.time() * 1000
        deal.update({"stage": target})
        changed = _next_change(page_b, writes + n)
        direct.append(changed["at"] - started)
        time.sleep(0.05)
    page_a.context.close()
    page_b.context.close()
    p50, p95 = _percentiles(through_app)
    base_p50, base_p95 = _percentiles(direct)
    return {
        "p50_ms": p50,
        "p95_ms": p95,
        "writes": writes,
        "baseline": {"name": "direct Firestore write, no API", "p50_ms": base_p50, "p95_ms": base_p95},
    }


# ---- a large contact list -----------------------------------------------------------------------------


def seed_contacts(workspace_id: str, count: int) -> None:
    """`count` contacts as ingestion writes them, in parallel batches."""
    from shared.clients import firestore_client

    db = firestore_client()
    contacts = db.collection("workspaces", workspace_id, "contacts")
    now_ms = int(time.time() * 1000)
    firsts = ("Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal", "Lena")
    lasts = ("Lovelace", "Okafor", "Martin", "Ivanov", "Schmidt", "Haddad", "Hopper", "Tanaka", "Silva", "Berg")
    companies = ("Vandelay", "Globex", "Initech", "Hooli", "Umbrella", "Stark", "Wayne", "Acme", "Soylent", "Tyrell")

    def write(start: int) -> None:
        batch = db.batch()
        for n in range(start, min(start + 500, count)):
            first, last, company = firsts[n % 12], lasts[(n // 12) % 10], companies[(n // 120) % 10]
            email = f"{first.lower()}.{last.lower()}{n}@{company.lower()}.com"
            batch.set(
                contacts.document(f"c_bench_{n:05d}"),
                {
                    "email": email,
                    "name": f"{first} {last}",
                    "companyName": company,
                    "companyId": f"{company.lower()}.com",
                    "sentCount": n % 17,
                    "receivedCount": n % 23,
                    "interactionCount": n % 17 + n % 23,
                    "lastInteractionMs": now_ms - n * 60_000,
                    "firstInteractionMs": now_ms - n * 60_000 - 86_400_000,
                },
            )
        batch.commit()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(0, count, 500)))


def measure_contact_list(
    stack: LocalStack, browser: Any, workspace_id: str, contacts: int, loads: int
) -> dict[str, Any]:
    a, _ = team(workspace_id)
    seed_contacts(workspace_id, contacts)
    page = signed_in_page(stack, browser, a)
    context = page.context
    page.close()
    first_rows = []
    shown = 0
    scroll: dict[str, Any] = {}
    for n in range(loads):
        page = context.new_page()
        page.add_init_script(WATCH_RENDER)
        page.goto(f"{stack.web_url}/w/{workspace_id}/contacts")
        page.wait_for_function("() => window.__render.firstRow", timeout=120_000)
        first_rows.append(page.evaluate("() => window.__render.firstRow"))
        shown = int(page.get_by_test_id("contacts-list").get_attribute("data-count") or 0)
        if n == loads - 1:
            scroll = page.evaluate(SCROLL_THROUGH)
        page.close()
    context.close()
    frame_p50, frame_p95 = _percentiles(scroll["frames"])
    return {
        "first_render_10k_ms": round(statistics.median(first_rows), 1),
        "first_render_10k_max_ms": round(max(first_rows), 1),
        "contacts": contacts,
        "contacts_shown": shown,
        "loads": loads,
        "scroll_frames": len(scroll["frames"]),
        "scroll_frame_p50_ms": frame_p50,
        "scroll_frame_p95_ms": frame_p95,
        "rows_in_dom_max": scroll["rowsMax"],
    }


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="rapport bench realtime")
    parser.add_argument("--writes", type=int, default=60, help="deal moves measured (and as many direct writes)")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=5, help="loads of the contacts page")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with LocalStack(RUNTIME, with_web=True) as stack, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        say("realtime", f"{args.writes} deal moves from A's board to B's ...")
        result = measure_live_moves(stack, browser, "bench-live", args.writes)
        say("realtime", f"seeding {args.contacts} contacts and loading the contacts page {args.loads} times ...")
        result |= measure_contact_list(stack, browser, "bench-list", args.contacts, args.loads)
        browser.close()
    return result
