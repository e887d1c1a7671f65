"""`./rapport bench web`: what a page view costs in Firestore reads, and how soon it shows, on a
10,000-contact workspace.

Runs its own local stack (Firestore and Auth emulators, the functions, the web app) and Debian's
chromium. Seeds a workspace with `--contacts` contacts (a tenth as many companies, and `--deals`
deals), then opens each page afresh: contacts, companies, deals, dashboard and one contact's page.

- reads: documents the Firestore server delivered to the page (every listener, every one-off read,
  one per aggregation answer), counted from the Firestore SDK's own debug log of what it received
  (devstack/firestore_reads.py), once the page has been quiet for a second; the sign-in's reads are
  not the page's.
- first_render_ms: from navigation start until the page's first record is painted, in a browser
  without the debug log (median of `--loads`).
- axe_serious: serious and critical violations axe-core (axe-playwright-python) finds on each page.
- baseline: the contacts page's reads on a workspace with a tenth as many contacts (the same, if a
  view's cost does not grow with the workspace), beside what the list it replaced read: it listened
  to the whole collection, one read per contact. Likewise the deals board's and the dashboard's reads
  with `--small-deals` deals beside `--deals` (the board listened to every deal, up to 1,000).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench._env import BROWSER, EMULATOR, answered_by, say
from bench.realtime import LAPTOP, Person, seed_contacts, team
from devstack import demo
from devstack.browser import launch_chromium
from devstack.firestore_reads import ReadMeter
from devstack.stack import REPO_ROOT, LocalStack

RUNTIME = REPO_ROOT / ".rapport" / "bench-web"
ANSWERED_BY = answered_by(firestore=EMULATOR, auth=EMULATOR, browser=BROWSER)
TARGET_READS = 200
QUIET_S = 1.0

# Each page, and the element that says its first record is on screen.
PAGES: dict[str, tuple[str, str]] = {
    "contacts": ("contacts", '[data-testid="contact-row"]'),
    "companies": ("companies", '[data-testid="company-row"]'),
    "deals": ("deals", '[data-testid="deal-card"]'),
    "dashboard": ("dashboard", '[data-testid="week-bar"]'),
    "contact": ("contacts/c_bench_00000", '[data-testid="contact-title"]'),
}
# Pages whose counts arrive after their first record (aggregation queries): reads are counted from when
# this holds, so an answer slower than the quiet second is still the page's.
SETTLED: dict[str, str] = {
    "deals": "() => { const counts = [...document.querySelectorAll('[data-testid=\"deal-column-count\"]')];"
    " return counts.length > 0 && counts.every((count) => !count.textContent.includes('…')); }",
    "dashboard": "() => document.querySelector('[data-testid=\"pipeline-stage\"]') !== null",
}
WATCH_FIRST = """(selector) => {
  window.__firstRender = null;
  new MutationObserver((_, observer) => {
    if (window.__firstRender === null && document.querySelector(selector)) {
      observer.disconnect();
      window.__firstRender = undefined;
      requestAnimationFrame(() => { window.__firstRender = performance.now(); });
    }
  }).observe(document, { subtree: true, childList: true });
}"""


def seed_companies_and_deals(workspace_id: str, companies: int, deals: int) -> None:
    from shared.clients import firestore_client

    db = firestore_client()
    workspace = db.document("workspaces", workspace_id)
    now_ms = int(time.time() * 1000)
    for start in range(0, companies, 500):
        batch = db.batch()
        for n in range(start, min(start + 500, companies)):
            domain = f"company{n:05d}.com"
            batch.set(
                workspace.collection("companies").document(domain),
                {
                    "domain": domain,
                    "name": f"Company {n:05d}",
                    "interactionCount": n % 40,
                    "lastInteractionMs": now_ms - n * 60_000,
                },
            )
        batch.commit()
    seed_deals(workspace_id, deals)


def seed_deals(workspace_id: str, deals: int) -> None:
    """`deals` deals spread evenly over the default pipeline's six stages, in batches of 500."""
    from shared.clients import firestore_client

    db = firestore_client()
    workspace = db.document("workspaces", workspace_id)
    stages = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
    for start in range(0, deals, 500):
        batch = db.batch()
        for n in range(start, min(start + 500, deals)):
            batch.set(
                workspace.collection("deals").document(f"d_bench_{n:05d}"),
                {"name": f"Deal {n}", "stage": stages[n % 6], "value": 1000 + n, "currency": "USD", "version": 1},
            )
        batch.commit()


def _signed_in_context(
    stack: LocalStack, browser: Any, person: Person, *, count_reads: bool
) -> tuple[Any, ReadMeter | None]:
    context = browser.new_context(viewport=LAPTOP)
    meter = ReadMeter(context) if count_reads else None
    page = context.new_page()
    page.goto(demo.sign_in_link(stack.web_url, uid=person.uid, email=person.email, display_name=person.name))
    page.get_by_test_id("signed-in-as").wait_for(timeout=60_000)
    page.close()
    return context, meter


def measure_reads(
    stack: LocalStack, browser: Any, person: Person, workspace_id: str, paths: dict[str, str]
) -> dict[str, Any]:
    """Per page: reads, and axe's serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    context, meter = _signed_in_context(stack, browser, person, count_reads=True)
    assert meter is not None
    axe = Axe()
    found: dict[str, Any] = {}
    for name, path in paths.items():
        selector = PAGES[name][1]
        meter.take()
        page = context.new_page()
        page.goto(f"{stack.web_url}/w/{workspace_id}/{path}")
        page.locator(selector).first.wait_for(timeout=120_000)
        if name in SETTLED:
            page.wait_for_function(SETTLED[name], timeout=120_000)
        reads = meter.settle(page, QUIET_S)
        violations = axe.run(page, options={"resultTypes": ["violations"]}).response["violations"]
        serious = [v["id"] for v in violations if v.get("impact") in ("serious", "critical")]
        found[name] = {"reads": reads, "axe_serious": len(serious), "axe_rules": serious}
        page.close()
    context.close()
    return found


def measure_first_render(
    stack: LocalStack, browser: Any, person: Person, workspace_id: str, loads: int
) -> dict[str, float]:
    context, _ = _signed_in_context(stack, browser, person, count_reads=False)
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    for _ in range(loads):
        for name, (path, selector) in PAGES.items():
            page = context.new_page()
            page.add_init_script(f"({WATCH_FIRST})({selector!r})")
            page.goto(f"{stack.web_url}/w/{workspace_id}/{path}")
            page.wait_for_function("() => typeof window.__firstRender === 'number'", timeout=120_000)
            times[name].append(page.evaluate("() => window.__firstRender"))
            page.close()
    context.close()
    return {name: round(statistics.median(values), 1) for name, values in times.items()}


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="rapport bench web")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--small-deals", type=int, default=100, help="deals in the baseline workspace")
    parser.add_argument("--loads", type=int, default=3, help="fresh loads of each page timed")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with LocalStack(RUNTIME, with_web=True) as stack, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        say("web", f"seeding {args.contacts} contacts, {args.contacts // 10} companies and {args.deals} deals ...")
        person, _ = team("bench-web")
        seed_contacts("bench-web", args.contacts)
        seed_companies_and_deals("bench-web", args.contacts // 10, args.deals)
        small = max(1, args.contacts // 10)
        say("web", f"baseline: {small} contacts in a second workspace ...")
        small_person, _ = team("bench-web-small")
        seed_contacts("bench-web-small", small)
        seed_deals("bench-web-small", args.small_deals)

        say("web", "counting each page's reads and checking it with axe ...")
        found = measure_reads(stack, browser, person, "bench-web", {name: path for name, (path, _) in PAGES.items()})
        small_reads = measure_reads(
            stack,
            browser,
            small_person,
            "bench-web-small",
            {"contacts": "contacts", "deals": "deals", "dashboard": "dashboard"},
        )
        say("web", f"timing first render over {args.loads} loads of each page ...")
        renders = measure_first_render(stack, browser, person, "bench-web", args.loads)
        browser.close()
        emulator = stack.env["FIRESTORE_EMULATOR_HOST"]

    pages = {name: {"reads": found[name]["reads"], "first_render_ms": renders[name]} for name in PAGES}
    max_reads = max(page["reads"] for page in pages.values())
    return {
        "contacts": args.contacts,
        "pages": pages,
        "max_reads_per_view": max_reads,
        "target_reads_per_view": TARGET_READS,
        "within_target": max_reads <= TARGET_READS,
        "max_first_render_ms": max(page["first_render_ms"] for page in pages.values()),
        "axe_serious": sum(found[name]["axe_serious"] for name in PAGES),
        "axe_rules": sorted({rule for name in PAGES for rule in found[name]["axe_rules"]}),
        "baseline": {
            f"contacts_page_reads_at_{small}_contacts": small_reads["contacts"]["reads"],
            f"contacts_page_reads_at_{args.contacts}_contacts": pages["contacts"]["reads"],
            "whole_collection_listener_reads": args.contacts,
            f"deals_page_reads_at_{args.small_deals}_deals": small_reads["deals"]["reads"],
            f"deals_page_reads_at_{args.deals}_deals": pages["deals"]["reads"],
            f"dashboard_reads_at_{args.small_deals}_deals": small_reads["dashboard"]["reads"],
            f"dashboard_reads_at_{args.deals}_deals": pages["dashboard"]["reads"],
            "deals_listener_reads": min(args.deals, 1000),
        },
        # Every read above was a document the emulator delivered to the page.
        "answered_by_firestore_emulator_at": emulator,
    }
