"""One module per `./rapport` subcommand: `register(parser)` and `run(args) -> exit code`."""
