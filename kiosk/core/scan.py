"""Pages of a printed publication, scanned at the kiosk, sent as one watermarked softcopy (issue 17).

A ``ScanBatch`` is the visitor's pages so far, in a folder of its own under ``<data_dir>/scans/``
with a small manifest (``pages.json``, rewritten atomically), so the pages survive a scanner fault,
a retake or a restart of the screen. Each page is stored as it will be sent — grey, 150 dpi,
a JPEG of at most ``PAGE_BYTES`` — plus a small PNG thumbnail for the preview; the scanner's raw
image is deleted as soon as the page is made from it.

``send`` is the one code path for the touchscreen and ``kiosk scan``: it validates, takes a number
through ``kiosk.core.softcopy`` (same numbers, visitor limits and crash recovery as every softcopy),
assembles the pages into a PDF with pikepdf (each JPEG embedded as it is, no second compression),
stamps it with ``kiosk.core.watermark`` like every softcopy and stores the message in the outbox.
Only then is the batch deleted: its images may show a visitor's notes. If anything fails before,
the request is marked failed, its half-made files removed, and the pages stay for another try.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import secrets
import shutil
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from kiosk.core import handover, models, outbox, softcopy, watermark
from kiosk.core.clock import Clock, local
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, LimitReached, NotFound, ValidationError
from kiosk.core.files import write_atomically
from kiosk.core.logs import mask_email
from kiosk.core.models import RequestStatus
from kiosk.core.ports import ScanFault, ScannerError, Scanning
from kiosk.i18n import N_

log = logging.getLogger(__name__)

DPI = 150                       # what is e-mailed: grey 150 dpi …
PAGE_BYTES = 150 * 1024         # … at most 150 KB a page
THUMB_PX = 360                  # the preview's longer side
MAX_PIXELS = 60_000_000         # a raw page larger than this is not a page (600 dpi F4 is 35 Mpx)
LONG_SIDE_PX = round(330 / 25.4 * DPI)   # F4, the longest paper offered, at 150 dpi
SHORT_SIDE_PX = round(216 / 25.4 * DPI)
STALE_AFTER = dt.timedelta(hours=6)      # a batch left this long (a crash, a power cut) is deleted
TITLE_MAX = 200
MANIFEST = "pages.json"

COPYRIGHT = N_("This request has reached its page limit: copyright allows copying only a small part of a "
               "printed work.")
NO_PAGES = N_("Scan at least one page.")
NO_TITLE = N_("Choose the publication the pages come from, or type its title.")


class PageLimit(LimitReached):
    """More pages than ``[scanner] max_pages``: the visitor reads why (copyright)."""

    def __init__(self, limit: int):
        super().__init__(f"a scan request holds at most {limit} pages ([scanner] max_pages)", COPYRIGHT)
        self.limit = limit


class BatchGone(KioskError):
    """The batch's folder is missing (deleted after sending, or by the stale-batch clean-up)."""


@dataclass(frozen=True)
class Page:
    name: str           # file stem inside the batch folder
    width: int          # pixels, at DPI
    height: int
    size: int           # bytes of the JPEG

    def image(self, folder: Path) -> Path:
        return folder / f"{self.name}.jpg"

    def thumbnail(self, folder: Path) -> Path:
        return folder / f"{self.name}.thumb.png"


# --- one page: raw scan → grey 150 dpi JPEG ≤ 150 KB + thumbnail ---

def _encode(im, limit: int) -> bytes:
    """The best JPEG quality that fits ``limit``; shrinking the page only if even quality 30 does not."""
    while True:
        for quality in (75, 65, 55, 45, 35, 30):
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=quality, optimize=True, dpi=(DPI, DPI))
            if buf.tell() <= limit:
                return buf.getvalue()
        im = im.resize((max(1, int(im.width * .85)), max(1, int(im.height * .85))))


def make_page(raw: Path, folder: Path, source_dpi: int) -> Page:
    """The page as it is sent, from one raw image (deleted afterwards, whatever happens)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = f"page-{secrets.token_hex(6)}"
    try:
        with Image.open(raw) as im:
            if im.width * im.height > MAX_PIXELS:
                raise ScannerError(f"{raw.name}: {im.width}x{im.height} px is not a page", ScanFault.TOO_LARGE)
            dpi = im.info.get("dpi", (0, 0))[0] or source_dpi
            dpi = dpi if 50 <= dpi <= 2400 else source_dpi
            im = ImageOps.exif_transpose(im).convert("L")
        scale = min(1.0, DPI / dpi)
        long_side, short_side = max(im.size) * scale, min(im.size) * scale
        scale *= min(1.0, LONG_SIDE_PX / long_side, SHORT_SIDE_PX / short_side)   # never larger than F4
        if scale < 1.0:
            im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
        data = _encode(im, PAGE_BYTES)
        with Image.open(io.BytesIO(data)) as sent:
            width, height = sent.size
        thumb = im.copy()
        thumb.thumbnail((THUMB_PX, THUMB_PX))
        buf = io.BytesIO()
        thumb.save(buf, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ScannerError(f"{raw.name}: unreadable scan ({exc})", ScanFault.UNREADABLE) from None
    finally:
        raw.unlink(missing_ok=True)
    page = Page(name, width, height, len(data))
    write_atomically(page.image(folder), data)
    write_atomically(page.thumbnail(folder), buf.getvalue())
    return page


# --- the batch ---

def scans_dir(settings: Settings) -> Path:
    return settings.storage.data_dir / "scans"


class ScanBatch:
    """A visitor's pages, in order. One screen (or one command) owns a batch; its operations are serialised
    by a lock so that ``discard`` (the idle reset, in another worker thread) waits for a scan under way
    instead of deleting the folder under it — a page written after that would outlive the visit."""

    def __init__(self, settings: Settings, batch_id: str, pages: list[Page]):
        self.settings = settings
        self.id = batch_id
        self.pages = pages
        self.lock = threading.RLock()
        self.discarded = False

    @property
    def folder(self) -> Path:
        return scans_dir(self.settings) / self.id

    @property
    def limit(self) -> int:
        return self.settings.scanner.max_pages

    @classmethod
    def new(cls, settings: Settings) -> "ScanBatch":
        purge_stale(settings)
        batch = cls(settings, secrets.token_hex(8), [])
        batch.folder.mkdir(parents=True, exist_ok=True)
        batch.folder.chmod(0o700)
        batch._save()
        return batch

    @classmethod
    def load(cls, settings: Settings, batch_id: str) -> "ScanBatch":
        if not re.fullmatch(r"[0-9a-f]{16}", batch_id or ""):
            raise NotFound(f"scan batch {batch_id!r}: not a batch id")
        path = scans_dir(settings) / batch_id / MANIFEST
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BatchGone(f"scan batch {batch_id}: gone (sent, or older than {STALE_AFTER})") from None
        return cls(settings, batch_id, [Page(**row) for row in rows])

    def _save(self) -> None:
        write_atomically(self.folder / MANIFEST, json.dumps([asdict(p) for p in self.pages]).encode())

    def _scan(self, scanner: Scanning) -> list[Page]:
        """New pages from the scanner (not yet in the batch). A fault leaves the batch as it was."""
        if self.discarded or not self.folder.is_dir():
            raise BatchGone(f"scan batch {self.id}: gone")
        raw_dir = self.folder / "raw"
        raws = scanner.scan(raw_dir)
        if not raws:
            raise ScannerError("the scanner returned no page", ScanFault.NO_PAGE)
        made: list[Page] = []
        try:
            for i, raw in enumerate(raws):
                made.append(make_page(raw, self.folder, self.settings.scanner.resolution))
        except BaseException:
            for raw in raws[i:]:
                raw.unlink(missing_ok=True)
            self._remove_files(made)
            raise
        return made

    def add(self, scanner: Scanning) -> list[Page]:
        """Scan the next page(s) onto the end (a folder PDF may bring several)."""
        with self.lock:
            if len(self.pages) >= self.limit:
                raise PageLimit(self.limit)
            made = self._scan(scanner)
            if len(self.pages) + len(made) > self.limit:
                self._remove_files(made)
                raise PageLimit(self.limit)
            self.pages.extend(made)
            self._save()
            return made

    def retake(self, index: int, scanner: Scanning) -> Page:
        """Scan page ``index`` again; the old one is replaced only once the new one is good."""
        with self.lock:
            old = self.pages[index]
            made = self._scan(scanner)
            self._remove_files(made[1:])     # a retake is one page
            self.pages[index] = made[0]
            self._save()
            self._remove_files([old])
            return made[0]

    def delete(self, index: int) -> None:
        with self.lock:
            old = self.pages.pop(index)
            self._save()
            self._remove_files([old])

    def move(self, index: int, to: int) -> None:
        with self.lock:
            to = max(0, min(to, len(self.pages) - 1))
            self.pages.insert(to, self.pages.pop(index))
            self._save()

    def thumbnails(self) -> list[Path]:
        return [p.thumbnail(self.folder) for p in self.pages]

    def _remove_files(self, pages: list[Page]) -> None:
        for p in pages:
            p.image(self.folder).unlink(missing_ok=True)
            p.thumbnail(self.folder).unlink(missing_ok=True)

    def discard(self) -> None:
        """Delete every image of the batch (after sending, on leaving, on the idle reset); a scan under way
        finishes first, and nothing can be added afterwards."""
        with self.lock:
            self.discarded = True
            shutil.rmtree(self.folder, ignore_errors=True)
            self.pages = []


def purge_stale(settings: Settings, older_than: dt.timedelta = STALE_AFTER) -> int:
    """Delete batches nobody finished (a crash, a power cut): they may show a visitor's notes."""
    root = scans_dir(settings)
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    gone = 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and (folder / MANIFEST).stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                gone += 1
        except FileNotFoundError:
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    if gone:
        log.info("scan: %d unfinished batch(es) deleted", gone)
    return gone


# --- the PDF ---

def assemble_pdf(folder: Path, pages: list[Page], dest: Path) -> None:
    """One PDF page per image, sized by the image at DPI, the JPEG bytes embedded as they are."""
    import pikepdf
    from pikepdf import Dictionary, Name

    pdf = pikepdf.new()
    with pdf:
        for page in pages:
            image = pikepdf.Stream(pdf, page.image(folder).read_bytes())
            image.Type, image.Subtype = Name.XObject, Name.Image
            image.Width, image.Height = page.width, page.height
            image.ColorSpace, image.BitsPerComponent, image.Filter = Name.DeviceGray, 8, Name.DCTDecode
            w, h = page.width * 72 / DPI, page.height * 72 / DPI
            pdf_page = pdf.add_blank_page(page_size=(w, h))
            pdf_page.Resources = Dictionary(XObject=Dictionary(Im0=image))
            pdf_page.Contents = pdf.make_stream(f"q {w:.2f} 0 0 {h:.2f} 0 0 cm /Im0 Do Q".encode())
        pdf.save(dest)


# --- sending ---

@dataclass(frozen=True)
class Source:
    """What ``softcopy.compose`` lists for the scanned pages (it reads a title and a year)."""
    title: str
    year: int | None = None


def _slug(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:60] or "pindaian"


def check(settings: Settings, batch: ScanBatch, name: str, email: str, title: str,
          publication_id: int | None, terms_accepted: bool) -> tuple[str, str, Source, int | None]:
    """(name, e-mail, source, publication id) cleaned, or ValidationError / PageLimit / refusal. No I/O
    but the publication's row."""
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = N_("Please enter your name.")
    elif len(name) > softcopy.NAME_MAX or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        errors["name"] = N_("Please enter your name without special characters (at most 120 letters).")
    try:
        email = outbox.clean_address(email)
    except outbox.UnsafeAddress:
        errors["email"] = N_("Please enter one e-mail address, like nama@gmail.com.")
    source = None
    if publication_id is not None:
        pub = models.Publication.get_or_none(models.Publication.id == publication_id)
        if pub is None:
            errors["title"] = softcopy.UNKNOWN
        else:
            reason = softcopy.refusal_reason(pub)
            if reason:      # the catalogue says no copies of this work: its printed pages neither
                raise softcopy.SoftcopyRefused([softcopy.Refusal(pub.id, pub.title, reason)])
            source = Source(pub.title, pub.year)
    else:
        title = " ".join((title or "").split())
        if not title or len(title) > TITLE_MAX or any(unicodedata.category(c) in ("Cc", "Cf") for c in title):
            errors["title"] = NO_TITLE
        else:
            source = Source(title)
    if not batch.pages:
        errors["pages"] = NO_PAGES
    if not terms_accepted:
        errors["terms"] = N_("Please agree to the terms of use to receive the softcopy.")
    if errors:
        raise ValidationError(errors)
    if len(batch.pages) > batch.limit:
        raise PageLimit(batch.limit)
    return name, email, source, publication_id


def send(settings: Settings, clock: Clock, batch: ScanBatch, *, name: str, email: str, title: str = "",
         publication_id: int | None = None, terms_accepted: bool, language: str = "id",
         visit_id: int | None = None, out: Path | None = None, force: bool = False,
         limits: bool = True) -> softcopy.Outcome:
    """Check, number, assemble, stamp and enqueue (or write to ``out`` for staff); then delete the batch."""
    with batch.lock:     # the idle reset's discard waits for a send under way
        return _send(settings, clock, batch, name=name, email=email, title=title, publication_id=publication_id,
                     terms_accepted=terms_accepted, language=language, visit_id=visit_id, out=out, force=force,
                     limits=limits)


def _send(settings: Settings, clock: Clock, batch: ScanBatch, *, name: str, email: str, title: str,
          publication_id: int | None, terms_accepted: bool, language: str, visit_id: int | None,
          out: Path | None, force: bool, limits: bool) -> softcopy.Outcome:
    name, email, source, publication_id = check(settings, batch, name, email, title, publication_id, terms_accepted)
    base = _slug(source.title)
    if out is not None:      # a bad --out is refused before anything is numbered
        handover.destinations(settings, out, [f"{base}.pdf"], force)
    language = language if language in ("id", "en") else "id"
    request = softcopy.open_request(settings, clock, name, email, purpose="pindai", language=language,
                                    visit_id=visit_id, limits=limits)
    folder = softcopy.softcopy_dir(settings) / request.number
    dest = folder / f"{base}_{request.number}.pdf"
    assembled = batch.folder / f"assembled-{request.number}.pdf"
    stamp = watermark.Stamp(name, email, local(clock.now(), settings.office.timezone), request.number,
                            settings.office.name)
    try:
        assemble_pdf(batch.folder, batch.pages, assembled)
        watermark.stamp_pdf(assembled, dest, stamp)
    except (watermark.WatermarkError, OSError, ValueError) as exc:
        softcopy.set_status(request.id, RequestStatus.FAILED)
        shutil.rmtree(folder, ignore_errors=True)      # no half-made copy stays; the pages do
        log.error("scan %s: assembling failed: %s", request.number, exc)
        raise softcopy.RequestFailed(f"{request.number}: {exc}", N_(
            "Sorry, the softcopy could not be prepared. Your pages are kept; please try again or ask a staff "
            "member.")) from None
    finally:
        assembled.unlink(missing_ok=True)
    with write_transaction(models.database.obj):
        models.SoftcopyItem.create(request=request.id, publication=publication_id, title=source.title,
                                   file_path=str(dest), file_size=dest.stat().st_size)
    pages = len(batch.pages)
    if out is not None:
        target = handover.destinations(settings, out, [dest.name], force)[0]
        try:
            handover.write(dest, target, force)
        except handover.UnsafeDestination:
            softcopy.set_status(request.id, RequestStatus.FAILED)
            raise
        softcopy.set_status(request.id, RequestStatus.HANDED_OVER)
        batch.discard()
        log.info("scan %s: %d page(s) written for staff", request.number, pages)
        return softcopy.Outcome(request.id, request.number, RequestStatus.HANDED_OVER, email, [dest])
    too_large = dest.stat().st_size > settings.mail.max_attachment_mb * 1024 * 1024
    message = softcopy.compose(settings, clock, request, [(source, dest)])
    mail = outbox.enqueue(settings, clock, message, request_id=request.id, too_large=too_large)
    status = RequestStatus.TOO_LARGE if too_large else RequestStatus.QUEUED
    softcopy.set_status(request.id, status)
    batch.discard()      # stored in the outbox: the page images (maybe with a visitor's notes) go now
    log.info("scan %s: %d page(s) for %s, %s", request.number, pages, mask_email(email), status)
    return softcopy.Outcome(request.id, request.number, status, email, [dest], mail.id)
