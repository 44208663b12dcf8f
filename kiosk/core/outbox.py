"""The outbox: every message is stored (``.eml`` file + ``OutboxMail`` row) before it is sent,
then sent by a background sender with retry and exponential backoff — at most once.

States of a message::

    queued ──claim──▶ sending ──message sent but its end marker──▶ committing ──250 to DATA──▶ sent
      ▲                  │ temporary error / restart           │ no clear answer / restart / any error
      └──────────────────┘                  (4xx reply: queued) ▼
                                                               held  (staff: `kiosk mail retry`)
    too_large   over mail.max_attachment_mb: never sent; staff hand the files over another way
    failed      the server refused it for good (5xx)

*At most once.* A claim is an atomic ``UPDATE … WHERE status = 'queued'``, so two senders (the
kiosk's thread and ``kiosk mail flush``) never both take a message. The message is marked
``committing`` just before the end of DATA (the ``.`` line) goes to the server and ``sent`` right after
the server's ``250``. A sender that dies or fails while ``sending`` never sent that marker, so the
server cannot deliver anything (it discards a message that never ended): it goes back to ``queued``.
While ``committing`` the message may or may not have been delivered — the **residual window** is
the end marker plus the server's answer, and the instant between that answer and our commit. Only
an explicit 4xx answer re-queues it then; a timeout, a dropped connection, a crash or any other
error makes it ``held``, never resent automatically; ``kiosk mail status`` shows it and staff can
check with the visitor and ``kiosk mail retry ID``. Every message carries a stable ``Message-ID``
stored in the ``.eml``, so even a retried copy is recognisable as the same message (many mail
services collapse duplicates by it).

A sender is "dead" when its ``host:pid`` claim names this host and that process is gone; a
claim from another host is considered dead after ``STALE_AFTER_S``.

*Which kiosk sends.* The ``.eml`` lives in the data folder of the kiosk that queued it, so a kiosk
sends what it queued and every message whose file lies in its own outbox folder — also mail queued
under an earlier ``[kiosk] name``, which would otherwise wait forever.
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

from peewee import fn

from kiosk.core import models
from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, NotFound
from kiosk.core.files import write_atomically
from kiosk.core.logs import mask_email
from kiosk.core.models import MailStatus, RequestStatus
from kiosk.core.ports import DeliveryUnknown, MailSender, MessageTooLarge, PermanentMailError, TemporaryMailError


log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 60
BACKOFF_MAX_S = 3600
STALE_AFTER_S = 3600
PENDING = (MailStatus.QUEUED, MailStatus.SENDING, MailStatus.COMMITTING)


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
                eml_path=str(path), size=len(raw), status=MailStatus.TOO_LARGE if too_large else MailStatus.QUEUED,
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


def _claim(mail_id: int, clock: Clock, token: str, first: bool = False) -> bool:
    m = models.OutboxMail
    claimable = (m.id == mail_id) & (m.status == MailStatus.QUEUED)
    if first:
        claimable &= m.attempts == 0
    with write_transaction(models.database.obj):
        return m.update(status=MailStatus.SENDING, claimed_by=token, claimed_at=to_utc_naive(clock.now()),
                        attempts=m.attempts + 1).where(claimable).execute() == 1


def _set(mail_id: int, token: str, expected: str, **fields) -> bool:
    m = models.OutboxMail
    with write_transaction(models.database.obj):
        return m.update(**fields).where((m.id == mail_id) & (m.status == expected) &
                                        (m.claimed_by == token)).execute() == 1


def _request_status(mail: models.OutboxMail, status: RequestStatus) -> None:
    if mail.request_id is not None:
        r = models.SoftcopyRequest
        with write_transaction(models.database.obj):
            r.update(status=status).where(r.id == mail.request_id).execute()


@dataclass(frozen=True)
class Attempt:
    mail_id: int
    status: MailStatus   # the status after this attempt
    error: str = ""
    request_id: int | None = None    # the softcopy request it carries, if any


HELD_NOTE = "maybe delivered, so not resent automatically (kiosk mail retry {id} after checking)"


def send_one(settings: Settings, clock: Clock, sender: MailSender, mail_id: int,
             first: bool = False) -> Attempt | None:
    """Claim and send one queued message; None when someone else has it or it is not queued
    (``first``: or when it was tried already)."""
    token = claim_token()
    if not _claim(mail_id, clock, token, first):
        return None
    mail = models.OutboxMail.get_by_id(mail_id)
    try:
        raw = Path(mail.eml_path).read_bytes()
    except OSError as exc:
        # the stored message is gone (disk trouble, purged): nothing to send, staff must look
        _set(mail_id, token, MailStatus.SENDING, status=MailStatus.FAILED,
             last_error=f"message file unreadable: {exc.strerror}")
        _request_status(mail, RequestStatus.FAILED)
        log.error("outbox %d: %s unreadable (%s)", mail_id, mail.eml_path, exc.strerror)
        return Attempt(mail_id, MailStatus.FAILED, str(exc), mail.request_id)

    committing = False

    def before_data() -> None:
        nonlocal committing
        if not _set(mail_id, token, MailStatus.SENDING, status=MailStatus.COMMITTING):
            raise TemporaryMailError("claim lost before DATA")   # never send without holding the claim
        committing = True

    who = mask_email(mail.to_address)
    try:
        sender.send(raw, settings.mail.from_address, mail.to_address, before_data)
    except MessageTooLarge as exc:
        error = scrub(str(exc), mail.to_address)
        _finish(mail, token, MailStatus.TOO_LARGE, error)
        log.warning("outbox %d to %s: too large for the server (%s)", mail_id, who, error)
        return Attempt(mail_id, MailStatus.TOO_LARGE, error, mail.request_id)
    except PermanentMailError as exc:
        error = scrub(str(exc), mail.to_address)
        _finish(mail, token, MailStatus.FAILED, error)
        log.warning("outbox %d to %s: refused for good (%s)", mail_id, who, error)
        return Attempt(mail_id, MailStatus.FAILED, error, mail.request_id)
    except TemporaryMailError as exc:
        error = scrub(str(exc), mail.to_address)
        if committing and not 400 <= exc.code < 500:
            # after the end marker only the server's own 4xx proves it did not take the message
            return _hold(mail, token, error)
        wait = backoff_s(mail.attempts)
        when = to_utc_naive(clock.now()) + dt.timedelta(seconds=wait)
        for phase in (MailStatus.SENDING, MailStatus.COMMITTING):
            if _set(mail_id, token, phase, status=MailStatus.QUEUED, claimed_by="", last_error=error[:500],
                    next_attempt_at=when):
                break
        log.info("outbox %d to %s: not sent (%s); next try in %d s", mail_id, who, error, wait)
        return Attempt(mail_id, MailStatus.QUEUED, error, mail.request_id)
    except DeliveryUnknown as exc:
        return _hold(mail, token, scrub(str(exc), mail.to_address))
    except BaseException as exc:
        # not a mail error (a bug, the database, KeyboardInterrupt): never leave the claim hanging
        if committing:
            _hold(mail, token, f"unexpected error after the message went out: {exc!r}")
        else:
            _set(mail_id, token, MailStatus.SENDING, status=MailStatus.QUEUED, claimed_by="",
                 last_error=f"unexpected error: {exc!r}"[:500])
        raise
    # the server has it: record that first, before anything else can go wrong
    _set(mail_id, token, MailStatus.COMMITTING, status=MailStatus.SENT, sent_at=to_utc_naive(clock.now()),
         last_error="")
    _request_status(mail, RequestStatus.SENT)
    log.info("outbox %d sent to %s", mail_id, who)
    return Attempt(mail_id, MailStatus.SENT, "", mail.request_id)


def _hold(mail: models.OutboxMail, token: str, error: str) -> Attempt:
    """The server may have it: keep it for staff, never send it again by itself."""
    note = f"{error}; {HELD_NOTE.format(id=mail.id)}"
    _set(mail.id, token, MailStatus.COMMITTING, status=MailStatus.HELD, claimed_by="", last_error=note[:500])
    _request_status(mail, RequestStatus.HELD)
    log.warning("outbox %d to %s: held for staff (%s)", mail.id, mask_email(mail.to_address), error)
    return Attempt(mail.id, MailStatus.HELD, error, mail.request_id)


def scrub(text: str, address: str) -> str:
    """Server replies often quote the recipient ("550 <a@b>: no such user"): mask it for logs."""
    return text.replace(address, mask_email(address)) if address else text


def _finish(mail: models.OutboxMail, token: str, status: MailStatus, error: str) -> None:
    for phase in (MailStatus.SENDING, MailStatus.COMMITTING):
        if _set(mail.id, token, phase, status=status, last_error=error[:500]):
            break
    _request_status(mail, RequestStatus(status))


def ours(settings: Settings, mail: models.OutboxMail) -> bool:
    """This kiosk sends what it queued and whatever lies in its own outbox folder (mail queued
    under an earlier ``[kiosk] name``); another kiosk's files are not here to send."""
    if mail.kiosk == settings.kiosk.name:
        return True
    path = Path(mail.eml_path) if mail.eml_path else None
    return path is not None and path.parent.resolve() == outbox_dir(settings).resolve() and path.is_file()


def due(settings: Settings, clock: Clock, force: bool = False) -> list[int]:
    """This kiosk's queued messages whose wait is over (``force``: all of them), oldest first."""
    m = models.OutboxMail
    q = m.select(m.id, m.kiosk, m.eml_path).where(m.status == MailStatus.QUEUED)
    if not force:
        q = q.where(m.next_attempt_at <= to_utc_naive(clock.now()))
    return [row.id for row in q.order_by(m.next_attempt_at, m.id) if ours(settings, row)]


def send_first(settings: Settings, clock: Clock, sender: MailSender, mail_id: int) -> Attempt | None:
    """The first attempt at a message someone is waiting for, at once; None when it was tried already.
    A background round may get there between storing and this call: trying again at once would only
    count a second failure and double the wait the visitor is told (the backoff counts attempts)."""
    return send_one(settings, clock, sender, mail_id, first=True)


def send_due(settings: Settings, clock: Clock, sender: MailSender, force: bool = False) -> list[Attempt]:
    """Send this kiosk's due messages (``force``: ignore the backoff). Stops at the first message
    not sent or held: the others would only wait for the same timeout (and a server that never
    answers the end of DATA would otherwise get, and maybe deliver, every one of them)."""
    done: list[Attempt] = []
    for mail_id in due(settings, clock, force):
        attempt = send_one(settings, clock, sender, mail_id)
        if attempt is None:
            continue
        done.append(attempt)
        if attempt.status in (MailStatus.QUEUED, MailStatus.HELD):
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


def claim_dead(claimed_by: str, claimed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the process named by a ``host:pid`` claim is gone (another host's: after ``STALE_AFTER_S``)."""
    host, _, pid = claimed_by.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return int(pid) != os.getpid() and not _process_alive(int(pid))
    return claimed_at is None or (now - claimed_at).total_seconds() > STALE_AFTER_S


def recover_interrupted(settings: Settings, clock: Clock) -> tuple[int, int]:
    """After a crash or restart: (re-queued, held). ``sending`` never sent the end of DATA → queued;
    ``committing`` may have been delivered → held, never resent automatically."""
    m = models.OutboxMail
    now = to_utc_naive(clock.now())
    requeued = held = 0
    for mail in m.select().where(m.status.in_((MailStatus.SENDING, MailStatus.COMMITTING))):
        if not ours(settings, mail) or not claim_dead(mail.claimed_by, mail.claimed_at, now):
            continue
        with write_transaction(models.database.obj):
            if mail.status == MailStatus.SENDING:
                requeued += m.update(status=MailStatus.QUEUED, claimed_by="", next_attempt_at=now).where(
                    (m.id == mail.id) & (m.status == MailStatus.SENDING)).execute()
            else:
                n = m.update(status=MailStatus.HELD, claimed_by="", last_error=(
                    "interrupted while the server was receiving it: " + HELD_NOTE.format(id=mail.id))).where(
                    (m.id == mail.id) & (m.status == MailStatus.COMMITTING)).execute()
                if n:
                    _request_status(mail, RequestStatus.HELD)
                held += n
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
        if mail.status not in (MailStatus.HELD, MailStatus.FAILED):
            raise KioskError(f"message {mail_id} is {mail.status}; only held or failed ones can be retried")
        mail.status, mail.claimed_by, mail.next_attempt_at = MailStatus.QUEUED, "", to_utc_naive(clock.now())
        mail.save()
        if mail.request_id is not None:
            r = models.SoftcopyRequest
            r.update(status=RequestStatus.QUEUED).where(r.id == mail.request_id).execute()
    return mail


def listing(include_sent: bool = False) -> list[models.OutboxMail]:
    """Messages oldest first, for staff (``kiosk mail status``); sent ones only when asked."""
    m = models.OutboxMail
    q = m.select().order_by(m.created_at, m.id)
    return list(q if include_sent else q.where(m.status != MailStatus.SENT))


def counts() -> dict[str, int]:
    """Messages per status, every kiosk's."""
    m = models.OutboxMail
    return {status: n for status, n in m.select(m.status, fn.COUNT(m.id)).group_by(m.status).tuples()}


# --- the background sender ---

class BackgroundSender:
    """A daemon thread sending this kiosk's due messages every ``interval_s`` or when woken.

    ``recover(settings, clock)`` runs once before the first round (what a crash left half-done);
    ``on_attempt(attempt)`` is called on this thread after every attempt — the app hands it on to
    the screens on the UI thread, so a screen waiting for "sent" is told instead of polling."""

    def __init__(self, settings_fn: Callable[[], Settings], clock: Clock,
                 sender_fn: Callable[[Settings], MailSender], interval_s: float = 30.0, *,
                 recover: Callable[[Settings, Clock], object] = recover_interrupted,
                 on_attempt: Callable[[Attempt], None] | None = None):
        self._settings_fn, self._clock, self._sender_fn = settings_fn, clock, sender_fn
        self.interval_s = interval_s
        self._recover, self._on_attempt = recover, on_attempt
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
        if not self._recovered:
            self._recover(settings, self._clock)
            self._recovered = True
        if not settings.mail.enabled:    # staff may turn mail off in a reloaded config
            return []
        attempts = send_due(settings, self._clock, self._sender_fn(settings.mail))
        if self._on_attempt is not None:
            for attempt in attempts:
                self._on_attempt(attempt)
        return attempts

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
