"""The outbox: every message is stored (``.eml`` file + ``OutboxMail`` row) before it is sent,
then sent by a background sender with retry and exponential backoff — at most once.

States of a message::

    queued ──claim──▶ sending ──server accepted MAIL/RCPT──▶ committing ──250 to DATA──▶ sent
      ▲                  │ temporary error / restart              │ restart (unknown outcome)
      └──────────────────┘                                        ▼
                                                                 held  (staff: `kiosk mail retry`)
    too_large   over mail.max_attachment_mb: never sent; staff hand the files over another way
    failed      the server refused it for good (5xx)

*At most once.* A claim is an atomic ``UPDATE … WHERE status = 'queued'``, so two senders (the
kiosk's thread and ``kiosk mail flush``) never both take a message. The message is marked
``committing`` just before its content goes to the server and ``sent`` right after the server's
``250``. A sender that dies while ``sending`` never started the DATA phase, so the server cannot
deliver anything: the message goes back to ``queued``. One that dies while ``committing`` may or
may not have been delivered — the **residual window** is the transfer of the message plus the
server's answer, and the instant between that answer and our commit. Such a message is *not*
resent automatically: it becomes ``held`` and ``kiosk mail status`` shows it; staff can check
with the visitor and ``kiosk mail retry ID``. Every message carries a stable ``Message-ID``
stored in the ``.eml``, so even a retried copy is recognisable as the same message (many mail
services collapse duplicates by it).

A sender is "dead" when its ``host:pid`` claim names this host and that process is gone; a
claim from another host is considered dead after ``STALE_AFTER_S``.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Callable

from kiosk.core import models
from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, NotFound
from kiosk.core.files import write_atomically
from kiosk.core.logs import mask_email
from kiosk.core.ports import MailSender, MessageTooLarge, PermanentMailError, TemporaryMailError


log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 60
BACKOFF_MAX_S = 3600
STALE_AFTER_S = 3600
PENDING = ("queued", "sending", "committing")


class UnsafeAddress(KioskError):
    pass


# --- addresses ---

_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


def clean_address(text: str) -> str:
    """One plain ``local@domain`` address, or ``UnsafeAddress``.

    Refused: CR/LF or any control character (header injection), several addresses (``,`` ``;``
    or a second ``@``), display names and comments (``"x" <a@b>``, ``a@b (c)``), quoted local
    parts, spaces, and domains without a dot. Only the outer spaces are forgiven (touch typing)."""
    text = (text or "").strip()
    if not text:
        raise UnsafeAddress("empty address")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise UnsafeAddress("control characters in the address")
    if len(text) > 254 or not _ADDRESS.fullmatch(text):
        raise UnsafeAddress("not one plain e-mail address")
    local, domain = text.rsplit("@", 1)
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise UnsafeAddress("not one plain e-mail address")
    # the email package must read back exactly the same single address
    if parseaddr(text) != ("", text):
        raise UnsafeAddress("not one plain e-mail address")
    return f"{local}@{domain.lower()}"


# --- storing ---

def outbox_dir(settings: Settings) -> Path:
    return settings.storage.data_dir / "outbox"


def new_message_id(from_address: str) -> str:
    return make_msgid(idstring="pst", domain=from_address.rsplit("@", 1)[-1])


def enqueue(settings: Settings, clock: Clock, message: EmailMessage, *, request_id: int | None = None,
            too_large: bool = False) -> models.OutboxMail:
    """Store ``message`` (its Message-ID set here if missing) before anything tries to send it."""
    to = clean_address(message["To"])
    if message["Message-ID"] is None:
        message["Message-ID"] = new_message_id(settings.mail.from_address)
    message_id = str(message["Message-ID"])
    raw = message.as_bytes(policy=SMTP)        # CRLF line ends, as sent on the wire
    safe = re.sub(r"[^A-Za-z0-9.-]", "_", message_id.strip("<>"))[:150]
    path = outbox_dir(settings) / f"{safe}.eml"
    write_atomically(path, raw)
    now = to_utc_naive(clock.now())
    try:
        with write_transaction(models.database.obj):
            return models.OutboxMail.create(
                message_id=message_id, request=request_id, to_address=to, subject=str(message["Subject"] or ""),
                eml_path=str(path), size=len(raw), status="too_large" if too_large else "queued",
                kiosk=settings.kiosk.name, next_attempt_at=now, created_at=now)
    except BaseException:
        path.unlink(missing_ok=True)   # no row, no file: nothing half-stored
        raise


# --- sending ---

def backoff_s(attempts: int) -> int:
    """Wait after the ``attempts``-th failure: 1, 2, 4, 8 … minutes, at most an hour."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, attempts - 1))


def claim_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(mail_id: int, clock: Clock, token: str) -> bool:
    m = models.OutboxMail
    with write_transaction(models.database.obj):
        return m.update(status="sending", claimed_by=token, claimed_at=to_utc_naive(clock.now()),
                        attempts=m.attempts + 1).where((m.id == mail_id) & (m.status == "queued")).execute() == 1


def _set(mail_id: int, token: str, expected: str, **fields) -> bool:
    m = models.OutboxMail
    with write_transaction(models.database.obj):
        return m.update(**fields).where((m.id == mail_id) & (m.status == expected) &
                                        (m.claimed_by == token)).execute() == 1


def _request_status(mail: models.OutboxMail, status: str) -> None:
    if mail.request_id is not None:
        r = models.SoftcopyRequest
        with write_transaction(models.database.obj):
            r.update(status=status).where(r.id == mail.request_id).execute()


@dataclass(frozen=True)
class Attempt:
    mail_id: int
    status: str          # the status after this attempt
    error: str = ""


def send_one(settings: Settings, clock: Clock, sender: MailSender, mail_id: int) -> Attempt | None:
    """Claim and send one queued message; None when someone else has it or it is not queued."""
    token = claim_token()
    if not _claim(mail_id, clock, token):
        return None
    mail = models.OutboxMail.get_by_id(mail_id)
    try:
        raw = Path(mail.eml_path).read_bytes()
    except OSError as exc:
        # the stored message is gone (disk trouble, purged): nothing to send, staff must look
        _set(mail_id, token, "sending", status="failed", last_error=f"message file unreadable: {exc.strerror}")
        _request_status(mail, "failed")
        log.error("outbox %d: %s unreadable (%s)", mail_id, mail.eml_path, exc.strerror)
        return Attempt(mail_id, "failed", str(exc))

    def before_data() -> None:
        if not _set(mail_id, token, "sending", status="committing"):
            raise TemporaryMailError("claim lost before DATA")   # never send without holding the claim

    who = mask_email(mail.to_address)
    try:
        sender.send(raw, settings.mail.from_address, mail.to_address, before_data)
    except MessageTooLarge as exc:
        error = scrub(str(exc), mail.to_address)
        _finish(mail, token, "too_large", error)
        log.warning("outbox %d to %s: too large for the server (%s)", mail_id, who, error)
        return Attempt(mail_id, "too_large", error)
    except PermanentMailError as exc:
        error = scrub(str(exc), mail.to_address)
        _finish(mail, token, "failed", error)
        log.warning("outbox %d to %s: refused for good (%s)", mail_id, who, error)
        return Attempt(mail_id, "failed", error)
    except TemporaryMailError as exc:
        error = scrub(str(exc), mail.to_address)
        wait = backoff_s(mail.attempts)
        when = to_utc_naive(clock.now()) + dt.timedelta(seconds=wait)
        # back to queued from either phase: a temporary error means the server did not take it
        for phase in ("sending", "committing"):
            if _set(mail_id, token, phase, status="queued", claimed_by="", last_error=error[:500],
                    next_attempt_at=when):
                break
        log.info("outbox %d to %s: not sent (%s); next try in %d s", mail_id, who, error, wait)
        return Attempt(mail_id, "queued", error)
    # the server has it: record that first, before anything else can go wrong
    _set(mail_id, token, "committing", status="sent", sent_at=to_utc_naive(clock.now()), last_error="")
    _request_status(mail, "sent")
    log.info("outbox %d sent to %s", mail_id, who)
    return Attempt(mail_id, "sent")


def scrub(text: str, address: str) -> str:
    """Server replies often quote the recipient ("550 <a@b>: no such user"): mask it for logs."""
    return text.replace(address, mask_email(address)) if address else text


def _finish(mail: models.OutboxMail, token: str, status: str, error: str) -> None:
    for phase in ("sending", "committing"):
        if _set(mail.id, token, phase, status=status, last_error=error[:500]):
            break
    _request_status(mail, status)


def due(clock: Clock, kiosk: str, force: bool = False) -> list[int]:
    m = models.OutboxMail
    q = m.select(m.id).where((m.status == "queued") & (m.kiosk == kiosk))
    if not force:
        q = q.where(m.next_attempt_at <= to_utc_naive(clock.now()))
    return [row.id for row in q.order_by(m.next_attempt_at, m.id)]


def send_due(settings: Settings, clock: Clock, sender: MailSender, force: bool = False,
             only: int | None = None) -> list[Attempt]:
    """Send this kiosk's due messages (``force``: ignore the backoff). Stops at the first
    connection-level failure: the others would only wait for the same timeout."""
    done: list[Attempt] = []
    for mail_id in due(clock, settings.kiosk.name, force):
        if only is not None and mail_id != only:
            continue
        attempt = send_one(settings, clock, sender, mail_id)
        if attempt is None:
            continue
        done.append(attempt)
        if attempt.status == "queued":
            break
    return done


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim_dead(claimed_by: str, claimed_at: dt.datetime | None, now: dt.datetime) -> bool:
    host, _, pid = claimed_by.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return int(pid) != os.getpid() and not _process_alive(int(pid))
    return claimed_at is None or (now - claimed_at).total_seconds() > STALE_AFTER_S


def recover_interrupted(clock: Clock, kiosk: str) -> tuple[int, int]:
    """After a crash or restart: (re-queued, held). ``sending`` never reached DATA → queued;
    ``committing`` may have been delivered → held, never resent automatically."""
    m = models.OutboxMail
    now = to_utc_naive(clock.now())
    requeued = held = 0
    for mail in m.select().where(m.status.in_(("sending", "committing")) & (m.kiosk == kiosk)):
        if not _claim_dead(mail.claimed_by, mail.claimed_at, now):
            continue
        with write_transaction(models.database.obj):
            if mail.status == "sending":
                requeued += m.update(status="queued", claimed_by="", next_attempt_at=now).where(
                    (m.id == mail.id) & (m.status == "sending")).execute()
            else:
                held += m.update(status="held", claimed_by="", last_error=(
                    "interrupted while the server was receiving it: maybe delivered, so not resent "
                    "automatically (kiosk mail retry %d after checking)" % mail.id)).where(
                    (m.id == mail.id) & (m.status == "committing")).execute()
    if requeued or held:
        log.warning("outbox: %d interrupted message(s) queued again, %d held for staff", requeued, held)
    return requeued, held


def retry(clock: Clock, mail_id: int) -> models.OutboxMail:
    """Staff: send a held or failed message again (a held one may reach the visitor twice)."""
    m = models.OutboxMail
    with write_transaction(models.database.obj):
        mail = m.get_or_none(m.id == mail_id)
        if mail is None:
            raise NotFound(f"no outbox message {mail_id}")
        if mail.status not in ("held", "failed"):
            raise KioskError(f"message {mail_id} is {mail.status}; only held or failed ones can be retried")
        mail.status, mail.claimed_by, mail.next_attempt_at = "queued", "", to_utc_naive(clock.now())
        mail.save()
    return mail


def counts(kiosk: str | None = None) -> dict[str, int]:
    m = models.OutboxMail
    q = m.select(m.status, m.id)
    if kiosk is not None:
        q = q.where(m.kiosk == kiosk)
    out: dict[str, int] = {}
    for row in q:
        out[row.status] = out.get(row.status, 0) + 1
    return out


# --- the background sender ---

class BackgroundSender:
    """A daemon thread sending this kiosk's due messages every ``interval_s`` or when woken."""

    def __init__(self, settings_fn: Callable[[], Settings], clock: Clock,
                 sender_fn: Callable[[Settings], MailSender], interval_s: float = 30.0):
        self._settings_fn, self._clock, self._sender_fn = settings_fn, clock, sender_fn
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recovered = False

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kiosk-outbox", daemon=True)
            self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, wait_s: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(wait_s)

    def run_once(self) -> list[Attempt]:
        settings = self._settings_fn()
        if not settings.mail.enabled:    # staff may turn mail off in a reloaded config
            return []
        if not self._recovered:
            recover_interrupted(self._clock, settings.kiosk.name)
            self._recovered = True
        return send_due(settings, self._clock, self._sender_fn(settings.mail))

    def _run(self) -> None:
        db = models.database.obj
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:   # deliberate boundary: the thread must outlive a bad moment
                    log.exception("outbox sender: unexpected error; trying again later")
                self._wake.wait(self.interval_s)
                self._wake.clear()
        finally:
            if not db.is_closed():
                db.close()   # this thread's own connection
