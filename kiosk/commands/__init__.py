"""CLI commands, one module per capability; each defines ``register(subparsers)``."""


def library_setup_hook(rt) -> None:
    """First-run step of the digital library (fills an empty catalogue with demo publications)."""
    from kiosk.commands.library import setup_hook

    setup_hook(rt)
