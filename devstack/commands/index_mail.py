"""Embed the mail of the running local Rapport for mail search: the backfill of mail stored before
search existed, resumable (each pass starts at the workspace's cursor). In the cloud the same passes run
as index-mail after ingestion and as crm-maintenance `index_mail` tasks."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from devstack.commands.up import attach_to_running_stack


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", help="only this workspace (every workspace by default)")
    parser.add_argument("--seconds", type=float, default=240.0, help="how long one pass may run before the next")


def run(args: argparse.Namespace) -> int:
    if not attach_to_running_stack("index-mail"):
        return 1
    return command(args)


def command(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Passes over each workspace until its mail is embedded, one JSON line per workspace."""
    from shared.clients import firestore_client
    from shared.mailsearch.index import MailIndex

    stdout = out or sys.stdout
    index = MailIndex()
    workspaces = (
        [args.workspace] if args.workspace else [s.id for s in firestore_client().collection("workspaces").stream()]
    )
    failed = 0
    for workspace_id in workspaces:
        embedded = 0
        while True:
            report = index.catch_up(workspace_id, seconds=args.seconds)
            embedded += report.embedded
            if report.done or report.busy or report.over_budget:
                break
        failed += int(report.over_budget)
        print(json.dumps({"workspaceId": workspace_id, "embedded": embedded, **report.summary()}), file=stdout)
    return 1 if failed else 0
