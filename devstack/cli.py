"""`./rapport` subcommands. Each lives in its own module exposing `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand name -> module in devstack.commands, imported only when that subcommand runs.
COMMANDS = {
    "up": "up",
    "test": "test",
    "extract": "extract",
    "import-mbox": "import_mbox",
    "bench": "bench",
    "deadletters": "deadletters",
    "index-mail": "index_mail",
    "lock": "lock",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="rapport", description="Rapport, the AI CRM that builds itself from Gmail.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        sub.add_parser(name, add_help=False)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in COMMANDS:
        parser.print_help()
        return 0 if not argv or argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(f"devstack.commands.{COMMANDS[argv[0]]}")
    command_parser = argparse.ArgumentParser(prog=f"rapport {argv[0]}", description=module.__doc__)
    module.register(command_parser)
    args = command_parser.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
