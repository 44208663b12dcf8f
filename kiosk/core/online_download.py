"""The download menu of the library online (issue 16.4): a verified account asks for a publication (purpose,
terms) and gets the kiosk's stamped softcopy — name, e-mail, time and request number on every page — as a
download for that account only, for ``[online] download_link_hours``, and by e-mail when asked.

Everything the kiosk's softcopy does is reused, not copied: ``softcopy.validate`` (purpose, terms),
``softcopy.check_publications`` (read-only and not-allowed publications are refused with their reason),
``softcopy.open_request`` (the SC-YYYYMMDD-NNNN number, the per-address daily limit, crash recovery),
``watermark.stamp_pdf`` (the same stamp) and ``softcopy.compose`` + the outbox for the e-mail.
On top: ``[online] downloads_per_account_per_day``, and the network address's hourly attempts
(``accounts.check_address``). A download-only request ends ``sent`` (it was delivered to its account), so
it counts in the daily limits and the reports like a mailed one.
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from kiosk.core import accounts, catalog, outbox, softcopy, watermark
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, LimitReached, N_, NotFound
from kiosk.core.logs import mask_email
from kiosk.core.models import OnlineDownload, SoftcopyItem, VisitorAccount, database
from kiosk.core.statuses import RequestStatus

log = logging.getLogger(__name__)

PER_ACCOUNT = N_("Your account has downloaded as many publications as one account may in a day. Please come back "
                 "tomorrow, or ask PST staff.")


class NotVerified(KioskError):
    visitor_message = N_("Please confirm your e-mail address first: open the link we sent you.")


@dataclass(frozen=True)
class Download:
    id: int
    number: str
    title: str
    expires_at: dt.datetime        # naive UTC
    mail_id: int | None
    size: int


def _day_start(settings: Settings, clock: Clock) -> dt.datetime:
    midnight = local(clock.now(), settings.office.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    return to_utc_naive(midnight)


def check_account_limit(settings: Settings, clock: Clock, account_id: int) -> None:
    today = OnlineDownload.select().where(OnlineDownload.account == account_id,
                                          OnlineDownload.created_at >= _day_start(settings, clock)).count()
    if today >= settings.online.downloads_per_account_per_day:
        raise LimitReached(f"account {account_id}: {today} downloads today already", PER_ACCOUNT)


def request_download(settings: Settings, clock: Clock, account_id: int, pub_id: int, *, purpose_code: str,
                     purpose_text: str, terms_accepted: bool, by_email: bool, address: str,
                     language: str = "id") -> Download:
    now = to_utc_naive(clock.now())
    accounts.check_address(settings, now, address)
    purge_expired(clock)            # expired copies go as new ones are made (no separate timer to forget)
    account = VisitorAccount.get_or_none(VisitorAccount.id == account_id)
    if account is None:
        raise NotFound(f"no account {account_id}")
    if account.verified_at is None:
        raise NotVerified(f"account {account_id} not verified")
    form = softcopy.validate(settings, account.full_name, account.email, purpose_code, purpose_text, terms_accepted)
    pubs, refused = softcopy.check_publications([pub_id])
    if refused:
        raise softcopy.SoftcopyRefused(refused)
    pub = pubs[0]
    check_account_limit(settings, clock, account_id)
    from kiosk.core.health import require_disk_for_softcopy
    require_disk_for_softcopy(settings)
    accounts.record(now, "download", True, address, account.email)
    request = softcopy.open_request(settings, clock, form.name, form.email, purpose=form.purpose,
                                    language=language if language in ("id", "en") else "id")
    stamp = watermark.Stamp(form.name, form.email, local(clock.now(), settings.office.timezone), request.number,
                            settings.office.name)
    folder = softcopy.softcopy_dir(settings) / request.number
    dest = folder / f"{catalog.slug(pub.title)}_{request.number}.pdf"
    try:
        watermark.stamp_pdf(Path(pub.file_path), dest, stamp)
    except (watermark.WatermarkError, OSError) as exc:
        softcopy.set_status(request.id, RequestStatus.FAILED)
        shutil.rmtree(folder, ignore_errors=True)
        log.error("online download %s: stamping failed: %s", request.number, exc)
        visitor = getattr(exc, "visitor_message", N_("Sorry, the softcopy could not be prepared. Please ask a "
                                                      "staff member."))
        raise softcopy.RequestFailed(f"{request.number}: {exc}", visitor) from None
    size = dest.stat().st_size
    expires = now + dt.timedelta(hours=settings.online.download_link_hours)
    with write_transaction(database.obj):
        SoftcopyItem.create(request=request.id, publication=pub.id, file_path=str(dest), file_size=size)
        row = OnlineDownload.create(account=account_id, request=request.id, publication=pub.id, file_path=str(dest),
                                    created_at=now, expires_at=expires)
    mail_id = None
    if by_email:
        too_large = size > settings.mail.max_attachment_mb * 1024 * 1024
        message = softcopy.compose(settings, clock, request, [(pub, dest)])
        mail_id = outbox.enqueue(settings, clock, message, request_id=request.id, too_large=too_large).id
        softcopy.set_status(request.id, RequestStatus.TOO_LARGE if too_large else RequestStatus.QUEUED)
    else:
        softcopy.set_status(request.id, RequestStatus.SENT)
    log.info("online download %s for account %d (%s)%s", request.number, account_id, mask_email(form.email),
             " + e-mail" if by_email else "")
    return Download(row.id, request.number, pub.title, expires, mail_id, size)


@dataclass(frozen=True)
class Offered:
    id: int
    number: str
    title: str
    created_at: dt.datetime
    expires_at: dt.datetime
    available: bool


def downloads_of(clock: Clock, account_id: int) -> list[Offered]:
    now = to_utc_naive(clock.now())
    rows = (OnlineDownload.select().where(OnlineDownload.account == account_id)
            .order_by(OnlineDownload.created_at.desc()).limit(50))
    return [Offered(d.id, d.request.number, d.publication.title, d.created_at, d.expires_at,
                    d.expires_at > now and Path(d.file_path).is_file()) for d in rows]


def file_for(clock: Clock, account_id: int, download_id: int) -> tuple[Path, str]:
    """The stamped file and its download name — only for the account it was made for, until it expires.
    Anything else (another account's id, an expired or unknown one) is ``NotFound``: the same answer."""
    row = OnlineDownload.get_or_none(OnlineDownload.id == download_id, OnlineDownload.account == account_id)
    if row is None or row.expires_at <= to_utc_naive(clock.now()):
        raise NotFound(f"download {download_id} not offered to account {account_id}")
    path = Path(row.file_path)
    if not path.is_file():
        raise NotFound(f"download {download_id}: file gone")
    return path, path.name


def purge_expired(clock: Clock) -> int:
    """Delete the stamped files whose link has expired (the rows stay: the request's record)."""
    now = to_utc_naive(clock.now())
    removed = 0
    for row in OnlineDownload.select().where(OnlineDownload.expires_at <= now):
        path = Path(row.file_path)
        if path.is_file():
            path.unlink()
            removed += 1
            try:
                path.parent.rmdir()
            except OSError:
                pass
    return removed
