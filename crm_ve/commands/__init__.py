"""One module per ``crm-ve`` subcommand, each with ``register(subparsers)``."""
