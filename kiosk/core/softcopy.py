"""A softcopy request: the visitor's publications, watermarked for them, mailed through the outbox.

``create_request`` is the one code path for the touchscreen and ``kiosk softcopy``:

1. validate the form (name, e-mail, purpose, terms) and the publications — ``read_only`` or
   ``softcopy_allowed = false`` publications are refused with a reason, never sent;
2. take the number ``SC-YYYYMMDD-NNNN`` (office's local day) inside a write transaction — on
   PostgreSQL with a transaction-scoped advisory lock per day, as ``kiosk.core.complaints`` does;
3. stamp every file into ``<data_dir>/softcopy/<number>/`` (``kiosk.core.watermark``): only
   stamped copies are ever attached or handed out;
4. store the items and the message in the outbox (``kiosk.core.outbox``) — or, for staff with
   ``--out``, copy the stamped file there instead (``kiosk.core.handover`` says where it may go).

Sending happens later (``outbox.send_due``) or right away with ``deliver_now``.

*Limits.* One hostile visitor must not turn the kiosk into a mail cannon: ``[library]
softcopy_per_visit`` and ``softcopy_per_address_per_day`` are counted inside the numbering
transaction (so two kiosks cannot both take the last one). An address counts with its ``+tag`` and
case removed — the same mailbox. Staff at the CLI are not limited.

*Recovery.* A request is ``preparing`` while its files are stamped, with the stamping process as
``preparer``; one whose process died (a crash, a power cut) would stay so forever. ``recover``
(the kiosk's sender at start, ``kiosk mail flush``) puts it right: queued if its message was already
stored, else failed, its half-made files removed; ``kiosk mail status`` lists what staff should see.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Sequence

from peewee import fn

from kiosk.core import handover, models, numbering, outbox, watermark
from kiosk.core.clock import Clock, local, to_utc_naive, zone_label
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, LimitReached, ValidationError
from kiosk.core.logs import mask_email
from kiosk.core.models import MailStatus, RequestStatus
from kiosk.core.ports import MailSender
from kiosk.i18n import N_, gettext_for


log = logging.getLogger(__name__)

PREFIX = "SC"
NAME_MAX = 120
PURPOSE_MAX = 300


class SoftcopyRefused(KioskError):
    """Some publication cannot be sent; ``refusals`` says which and why (msgids)."""

    def __init__(self, refusals: list["Refusal"]):
        self.refusals = refusals
        super().__init__("; ".join(f"publication {r.publication_id}: {gettext_for('en', r.reason)}"
                                   for r in refusals))

    @property
    def visitor_message(self) -> str:
        return self.refusals[0].reason if len(self.refusals) == 1 else N_(
            "Some of the chosen publications cannot be sent as a softcopy.")


PER_VISIT = N_("You have reached the number of softcopies one visit can request. If you need more, please ask "
               "a staff member at the PST desk.")
PER_ADDRESS = N_("This e-mail address has received as many softcopies as we can send to one address in a day. "
                 "Please come back tomorrow or ask a staff member at the PST desk.")


class RequestFailed(KioskError):
    """Stamping failed; ``visitor_message`` is a msgid. The request stays recorded as failed."""


@dataclass(frozen=True)
class Refusal:
    publication_id: int
    title: str
    reason: str      # msgid


READ_ONLY = N_("This publication can only be read here at the kiosk.")
NOT_ALLOWED = N_("A softcopy of this publication is not available. Ask a staff member for the printed copy.")
UNKNOWN = N_("This publication is no longer in the catalogue.")
FILE_MISSING = N_("The file of this publication is missing. Please ask a staff member.")


def refusal_reason(pub: models.Publication) -> str | None:
    """Why ``pub`` cannot be sent (a msgid), or None when it can."""
    if pub.read_only:
        return READ_ONLY
    if not pub.softcopy_allowed:
        return NOT_ALLOWED
    return None


def check_publications(ids: Sequence[int]) -> tuple[list[models.Publication], list[Refusal]]:
    """(sendable publications in the asked order, refusals). Duplicates count once."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    found = {p.id: p for p in models.Publication.select().where(models.Publication.id.in_(wanted))} if wanted else {}
    ok: list[models.Publication] = []
    refused: list[Refusal] = []
    for pub_id in wanted:
        pub = found.get(pub_id)
        if pub is None:
            refused.append(Refusal(pub_id, "", UNKNOWN))
            continue
        reason = refusal_reason(pub)
        if reason is None and not Path(pub.file_path).is_file():
            reason = FILE_MISSING
        if reason:
            refused.append(Refusal(pub_id, pub.title, reason))
        else:
            ok.append(pub)
    return ok, refused


# --- the form ---

def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


@dataclass(frozen=True)
class Form:
    name: str
    email: str
    purpose: str        # "code: free text" as stored


def validate(settings: Settings, name: str, email: str, purpose_code: str, purpose_text: str,
             terms_accepted: bool) -> Form:
    """The cleaned form, or ValidationError naming each bad field with a msgid."""
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = N_("Please enter your name.")
    elif len(name) > NAME_MAX or _has_control(name):
        errors["name"] = N_("Please enter your name without special characters (at most 120 letters).")
    try:
        email = outbox.clean_address(email)
    except outbox.UnsafeAddress:
        errors["email"] = N_("Please enter one e-mail address, like nama@gmail.com.")
    codes = {c.code for c in settings.guestbook.purposes}
    purpose_text = " ".join((purpose_text or "").split())
    if purpose_code and purpose_code not in codes:
        errors["purpose"] = N_("Choose what you will use the publication for.")
    elif not purpose_code and not purpose_text:
        errors["purpose"] = N_("Choose what you will use the publication for.")
    elif len(purpose_text) > PURPOSE_MAX or _has_control(purpose_text):
        errors["purpose"] = N_("Please describe the purpose in at most 300 characters.")
    if not terms_accepted:
        errors["terms"] = N_("Please agree to the terms of use to receive the softcopy.")
    if errors:
        raise ValidationError(errors)
    purpose = ": ".join(p for p in (purpose_code, purpose_text) if p)
    return Form(name, email, purpose)


# --- numbers ---

def mailbox(address: str) -> str:
    """The mailbox an address reaches, for counting: case and a ``+tag`` removed."""
    local_part, _, domain = address.lower().rpartition("@")
    return f"{local_part.split('+', 1)[0]}@{domain}"


def check_limits(settings: Settings, clock: Clock, email: str, visit_id: int | None) -> None:
    """``LimitReached`` when this visit or this mailbox has had its share (call it inside the
    numbering transaction). Failed requests and staff hand-overs do not count."""
    r, lib = models.SoftcopyRequest, settings.library
    counted = r.status.not_in((RequestStatus.FAILED, RequestStatus.HANDED_OVER))
    if visit_id is not None and r.select().where((r.visit == visit_id) & counted).count() >= lib.softcopy_per_visit:
        raise LimitReached(f"visit {visit_id}: {lib.softcopy_per_visit} softcopy requests already", PER_VISIT)
    zone = settings.office.timezone
    midnight = local(clock.now(), zone).replace(hour=0, minute=0, second=0, microsecond=0)
    box = mailbox(email)
    today = r.select(r.email).where((r.created_at >= to_utc_naive(midnight)) & counted)
    if sum(mailbox(row.email or "") == box for row in today) >= lib.softcopy_per_address_per_day:
        raise LimitReached(f"{mask_email(email)}: {lib.softcopy_per_address_per_day} softcopy requests today "
                           "already", PER_ADDRESS)


def _new_request(settings: Settings, clock: Clock, form: Form, language: str, visit_id: int | None,
                 limits: bool) -> models.SoftcopyRequest:
    now = clock.now()
    day = local(now, settings.office.timezone).date()

    def create(number: str) -> models.SoftcopyRequest:
        if limits:
            check_limits(settings, clock, form.email, visit_id)
        return models.SoftcopyRequest.create(
            number=number, visit=visit_id, name=form.name, email=form.email, purpose=form.purpose,
            language=language, terms_accepted_at=to_utc_naive(now), status=RequestStatus.PREPARING,
            preparer=outbox.claim_token(), created_at=to_utc_naive(now))

    return numbering.create_numbered(models.SoftcopyRequest.number, PREFIX, day, create)


# --- files ---

def softcopy_dir(settings: Settings) -> Path:
    return settings.storage.data_dir / "softcopy"


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-")[:60] or "publikasi"


@dataclass(frozen=True)
class Outcome:
    request_id: int
    number: str
    status: RequestStatus           # queued | too_large | handed_over (then sent / … via the outbox)
    email: str
    files: list[Path] = field(default_factory=list)
    mail_id: int | None = None

    @property
    def masked_email(self) -> str:
        return mask_email(self.email)


def create_request(settings: Settings, clock: Clock, publication_ids: Sequence[int], name: str, email: str, *,
                   purpose_code: str = "", purpose_text: str = "", terms_accepted: bool,
                   language: str = "id", visit_id: int | None = None, out: Path | None = None,
                   force: bool = False, limits: bool = True) -> Outcome:
    """Validate, number, stamp and enqueue (or, with ``out``, write the stamped PDF there; ``force``
    replaces an existing file). ``limits=False``: staff, not counted against the visitor limits."""
    form = validate(settings, name, email, purpose_code, purpose_text, terms_accepted)
    pubs, refused = check_publications(publication_ids)
    if refused:
        raise SoftcopyRefused(refused)
    if not pubs:
        raise ValidationError({"publications": N_("Choose at least one publication.")})
    if out is not None:   # refuse a bad --out before anything is numbered or stamped
        handover.destinations(settings, out, [f"{_slug(p.title)}.pdf" for p in pubs], force)
    else:
        # stamped copies must never push the database into "disk full": stop them first, politely
        from kiosk.core.health import require_disk_for_softcopy
        require_disk_for_softcopy(settings)
    if language not in ("id", "en"):
        language = "id"
    zone = settings.office.timezone
    request = _new_request(settings, clock, form, language, visit_id, limits)
    when = local(clock.now(), zone)
    stamp = watermark.Stamp(form.name, form.email, when, request.number, settings.office.name)
    folder = softcopy_dir(settings) / request.number
    files: list[Path] = []
    try:
        for pub in pubs:
            dest = folder / f"{_slug(pub.title)}_{request.number}.pdf"
            watermark.stamp_pdf(Path(pub.file_path), dest, stamp)
            files.append(dest)
    except (watermark.WatermarkError, OSError) as exc:
        _mark(request.id, RequestStatus.FAILED)
        shutil.rmtree(folder, ignore_errors=True)   # no half-made copy stays behind
        log.error("softcopy %s: stamping failed: %s", request.number, exc)
        visitor = getattr(exc, "visitor_message", N_("Sorry, the softcopy could not be prepared. Please ask a "
                                                      "staff member."))
        raise RequestFailed(f"{request.number}: {exc}", visitor) from None
    with write_transaction(models.database.obj):
        for pub, path in zip(pubs, files):
            models.SoftcopyItem.create(request=request.id, publication=pub.id, file_path=str(path),
                                       file_size=path.stat().st_size)
    if out is not None:
        try:
            for src, dest in zip(files, handover.destinations(settings, out, [f.name for f in files], force)):
                handover.write(src, dest, force)
        except handover.UnsafeDestination:
            _mark(request.id, RequestStatus.FAILED)
            raise
        _mark(request.id, RequestStatus.HANDED_OVER)
        log.info("softcopy %s: %d file(s) written for staff", request.number, len(files))
        return Outcome(request.id, request.number, RequestStatus.HANDED_OVER, form.email, files)
    too_large = sum(p.stat().st_size for p in files) > settings.mail.max_attachment_mb * 1024 * 1024
    message = compose(settings, clock, request, list(zip(pubs, files)))
    mail = outbox.enqueue(settings, clock, message, request_id=request.id, too_large=too_large)
    status = RequestStatus.TOO_LARGE if too_large else RequestStatus.QUEUED
    _mark(request.id, status)
    log.info("softcopy %s: %d file(s) for %s, %s", request.number, len(files), mask_email(form.email), status)
    return Outcome(request.id, request.number, status, form.email, files, mail.id)


def _mark(request_id: int, status: RequestStatus, expected: RequestStatus | None = None) -> int:
    r = models.SoftcopyRequest
    q = r.update(status=status).where(r.id == request_id)
    if expected is not None:
        q = q.where(r.status == expected)
    with write_transaction(models.database.obj):
        return q.execute()


def open_request(settings: Settings, clock: Clock, name: str, email: str, *, purpose: str = "",
                 language: str = "id", visit_id: int | None = None, limits: bool = True) -> models.SoftcopyRequest:
    """A numbered request in ``preparing`` for a producer that makes its own file (``kiosk.core.scan``
    assembles scanned pages): the same numbers, visitor limits and crash recovery as ``create_request``.
    ``name`` and ``email`` must be cleaned already; ``set_status`` moves it on."""
    return _new_request(settings, clock, Form(name, email, purpose), language, visit_id, limits)


def set_status(request_id: int, status: RequestStatus) -> int:
    return _mark(request_id, status)


def deliver_now(settings: Settings, clock: Clock, sender: MailSender, outcome: Outcome) -> RequestStatus:
    """Try to send the request's message at once (the visitor is waiting), unless a background round
    has just tried it; its status after."""
    if outcome.mail_id is not None and outcome.status == RequestStatus.QUEUED:
        outbox.send_first(settings, clock, sender, outcome.mail_id)
    return request_status(outcome.request_id)


def request_status(request_id: int) -> RequestStatus:
    return RequestStatus(models.SoftcopyRequest.get_by_id(request_id).status)


# --- recovery after a crash ---

def recover_preparing(settings: Settings, clock: Clock) -> list[str]:
    """Requests whose stamping process is gone: queued (or as their message) when the message was
    already stored, else failed with their half-made files removed. Returns their numbers."""
    r, m = models.SoftcopyRequest, models.OutboxMail
    now = to_utc_naive(clock.now())
    done = []
    for req in r.select().where(r.status == RequestStatus.PREPARING):
        if not outbox.claim_dead(req.preparer, req.created_at, now):
            continue       # still being stamped (this process, or another that is alive)
        mail = m.get_or_none(m.request == req.id)
        if mail is not None:    # died between storing the message and marking the request
            status = RequestStatus.TOO_LARGE if mail.status == MailStatus.TOO_LARGE else RequestStatus.QUEUED
        else:
            status = RequestStatus.FAILED
            shutil.rmtree(softcopy_dir(settings) / req.number, ignore_errors=True)
            with write_transaction(models.database.obj):
                models.SoftcopyItem.update(file_path="").where(models.SoftcopyItem.request == req.id).execute()
        if _mark(req.id, status, expected=RequestStatus.PREPARING):
            log.warning("softcopy %s: interrupted while being prepared; now %s", req.number, status)
            done.append(req.number)
    return done


def recover(settings: Settings, clock: Clock) -> None:
    """Everything a crash can leave half-done: requests being prepared, messages being sent."""
    recover_preparing(settings, clock)
    outbox.recover_interrupted(settings, clock)


def chosen_rows(ids: list[int]) -> list[tuple[int, str, str]]:
    """The publications a visitor chose, in their order: (id, title, refusal msgid or "")."""
    p = models.Publication
    found = {pub.id: pub for pub in p.select().where(p.id.in_(ids))} if ids else {}
    return [(pub_id, found[pub_id].title, refusal_reason(found[pub_id]) or "") if pub_id in found
            else (pub_id, "", UNKNOWN) for pub_id in ids]


def needing_staff() -> list[models.SoftcopyRequest]:
    """Requests with no message to show for them: still preparing, or failed before one was stored."""
    r, m = models.SoftcopyRequest, models.OutboxMail
    no_mail = ~fn.EXISTS(m.select(m.id).where(m.request == r.id))
    return list(r.select().where((r.status == RequestStatus.PREPARING) |
                                 ((r.status == RequestStatus.FAILED) & no_mail)).order_by(r.created_at, r.id))


# --- the message ---

SUBJECT = N_("Softcopy from the {office} library — {number}")
GREETING = N_("Dear {name},")
INTRO = N_("Thank you for visiting the {office} library. Attached is the softcopy you requested:")
NUMBER_LINE = N_("Request number: {number} ({when})")
TERMS = N_("Every page carries your name, your e-mail address and this request number. The file is for your "
           "personal use only: please do not share, sell or republish it, and cite BPS as the source when you "
           "use its data.")
CHANNELS = N_("Questions, a problem with this file, or a complaint about our service? Reach us through:")
CLOSING = N_("Best regards,")
LIBRARY = N_("Library of {office}")
AUTOMATIC = N_("This message was sent by the PST self-service kiosk.")


def compose(settings: Settings, clock: Clock, request: models.SoftcopyRequest,
            items: list[tuple[models.Publication, Path]]) -> EmailMessage:
    """The visitor's message in the language of the visit, with the stamped files attached."""
    lang = request.language if request.language in ("id", "en") else "id"

    def t(msgid: str, **values) -> str:
        return gettext_for(lang, msgid).format(**values)

    office = settings.office
    zone = office.timezone
    when_local = local(request.created_at, zone)
    msg = EmailMessage()
    msg["Subject"] = t(SUBJECT, office=office.name, number=request.number)
    msg["From"] = Address(display_name=t(LIBRARY, office=office.name), addr_spec=settings.mail.from_address)
    msg["To"] = outbox.clean_address(request.email)       # the bare address: no display-name tricks
    msg["Date"] = format_datetime(clock.now())
    lines = [t(GREETING, name=request.name), "", t(INTRO, office=office.name), ""]
    for pub, _path in items:
        lines.append(f"  • {pub.title}" + (f" ({pub.year})" if pub.year else ""))
    lines += ["", t(NUMBER_LINE, number=request.number,
                    when=f"{when_local:%d-%m-%Y %H:%M} {zone_label(zone, when_local)}"), "", t(TERMS), "",
              t(CHANNELS)]
    for ch in settings.complaints.channels:
        lines.append(f"  • {ch.label(lang)}: {ch.contact}")
    lines += ["", "-- ", t(CLOSING), t(LIBRARY, office=office.name)]
    lines += [v for v in (office.address, office.phone, office.email, office.website) if v]
    lines += ["", t(AUTOMATIC)]
    msg.set_content("\n".join(lines))
    for _pub, path in items:
        msg.add_attachment(path.read_bytes(), maintype="application", subtype="pdf", filename=path.name)
    msg["Content-Language"] = lang    # after the parts: set_content/add_attachment move Content-* headers
    return msg


# --- privacy ---

def purge_files(settings: Settings, cutoff: dt.datetime) -> tuple[int, int]:
    """Delete stamped copies of requests and stored messages older than ``cutoff`` (naive UTC),
    blanking the outbox's recipient. Returns (requests cleaned, messages cleaned). The rows stay
    (numbers and statuses are the service's record)."""
    r, item, m = models.SoftcopyRequest, models.SoftcopyItem, models.OutboxMail
    n_requests = 0
    for req in r.select().where(r.created_at < cutoff):
        folder = softcopy_dir(settings) / req.number
        items = list(item.select().where((item.request == req.id) & (item.file_path != "")))
        if not items and not folder.exists():
            continue
        for it in items:
            Path(it.file_path).unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        with write_transaction(models.database.obj):
            item.update(file_path="").where(item.request == req.id).execute()
        n_requests += 1
    n_mails = 0
    for mail in m.select().where((m.created_at < cutoff) & ((m.to_address != "") | (m.eml_path != ""))):
        if mail.eml_path:
            Path(mail.eml_path).unlink(missing_ok=True)
        with write_transaction(models.database.obj):
            m.update(to_address="", eml_path="").where(m.id == mail.id).execute()
        n_mails += 1
    return n_requests, n_mails
