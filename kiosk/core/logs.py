"""Logging to a rotating file in the data folder and to stderr (journald under systemd).

Personal data never goes to the log in full: use ``mask_email`` / ``mask_id``."""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class KioskLogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file. When the disk is full or read-only the line is lost, quietly: the error
    that caused it is already being told to staff in one line, and logging's own traceback
    ("--- Logging error ---") would bury it."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass


class KioskStderr(logging.StreamHandler):
    """stderr (journald under systemd). Tracebacks stay in the log file unless staff asked for them
    (debug level): a staff command ends in one line, whatever was logged on the way."""

    def __init__(self, stream, show_tracebacks: bool = False):
        super().__init__(stream)
        self.show_tracebacks = show_tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.show_tracebacks or not (record.exc_info or record.stack_info):
            return super().format(record)
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info = plain.exc_text = plain.stack_info = None
        return super().format(plain)


def setup_logging(data_dir: Path | None, level: str = "INFO", to_stderr: bool = True,
                  stderr_level: str | None = None) -> Path | None:
    """Attach the kiosk's handlers to the root logger, replacing any earlier ones (so calling it
    again never prints a line twice). ``stderr_level`` lets a staff command keep its terminal to
    warnings while the file gets the configured level."""
    root = logging.getLogger()
    file_level = logging.getLevelName(level) if isinstance(level, str) else level
    err_level = logging.getLevelName(stderr_level) if stderr_level else file_level
    root.setLevel(min(file_level, err_level) if to_stderr else file_level)
    # peewee logs every query *with its parameters* at DEBUG: names, e-mails and ID hashes would land
    # in the log file when staff turn on debug logging, so its queries never go below INFO.
    logging.getLogger("peewee").setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))
    for h in list(root.handlers):
        if isinstance(h, (KioskLogFile, KioskStderr)):
            root.removeHandler(h)
    handlers: list[logging.Handler] = []
    log_file = None
    if data_dir is not None:
        log_file = data_dir / "logs" / "kiosk.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = KioskLogFile(
            log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        file_handler.setLevel(file_level)
        handlers.append(file_handler)
    if to_stderr:
        err = KioskStderr(sys.stderr, show_tracebacks=err_level <= logging.DEBUG)
        err.setLevel(err_level)
        handlers.append(err)
    for h in handlers:
        h.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(h)
    return log_file


def mask_email(email: str) -> str:
    """``andi.saputra@gmail.com`` → ``a***@gmail.com``."""
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_id(number: str, keep_start: int = 4, keep_end: int = 4) -> str:
    """``3271011234560001`` → ``3271********0001``."""
    n = len(number)
    if n <= keep_start + keep_end:
        return "*" * n
    return number[:keep_start] + "*" * (n - keep_start - keep_end) + number[-keep_end:]
