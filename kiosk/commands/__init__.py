"""CLI commands, one module per capability; each defines ``register(subparsers)``.

``WHERE`` names the module that registers each top-level command, so ``kiosk ticket A`` imports the
queue commands only — not the catalogue import (reportlab, pdfium), the web stack (argon2) or the
scanner. A test checks the table against what the modules register; ``kiosk --help`` loads them all.
"""

WHERE = {
    "setup": "base", "init": "base", "check-config": "base", "hash-pin": "base", "run": "base",
    "screenshot": "base",
    "visits": "guestbook", "lockers": "guestbook", "privacy": "guestbook",
    "catalog": "library", "demo": "library",
    "backup": "ops", "restore": "ops", "doctor": "ops", "install-service": "ops",
    "ticket": "queue", "queue": "queue", "printer": "queue",
    "scan": "scan", "scanner": "scan",
    "softcopy": "softcopy", "mail": "softcopy",
    "complaints": "survey", "report": "survey",
    "serve": "web", "staff": "web",
}


def library_setup_hook(rt) -> None:
    """First-run step of the digital library (fills an empty catalogue with demo publications)."""
    from kiosk.commands.library import setup_hook

    setup_hook(rt)
