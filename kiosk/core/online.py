"""Reading the library online (issue 16.3): a publication's pages rendered on the server with the kiosk's
renderer (``kiosk.core.pdfrender``, capped by pixels), each carrying the reading mark
"Dibaca daring — <e-mail> — <date>" burnt into the image. Only marked JPEGs leave the server; the PDF never
does (downloads are stamped copies: ``kiosk.core.online_download``).

Cache, because readers turn pages back and forth and many read the same new publication:
* ``RENDERED`` — unmarked pages as RGB, per (publication, content hash, page, height), bounded in bytes;
  a changed file (new hash) is a new key, an old entry just ages out;
* ``MARKED`` — the finished JPEG per (account, page, zoom, day), bounded in bytes: going back a page costs
  nothing. The mark names the reader, so this cache is never shared between accounts.
Both are per process (a ``kiosk serve`` worker) and thread-safe; pdfium itself is serialised by
``pdfrender.PDFIUM_LOCK``.
"""
from __future__ import annotations

import datetime as dt
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.core import catalog, pdfrender
from kiosk.core.clock import Clock, local
from kiosk.core.config import Settings
from kiosk.core.errors import KioskError, N_, NotFound

FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "NotoSans-Regular.ttf"
MARK = "Dibaca daring — {email} — {date}"
HEIGHTS = {1: 1100, 2: 2000}          # zoom level → page height in pixels
JPEG_QUALITY = 80


class PageUnavailable(KioskError):
    visitor_message = N_("This page cannot be shown. Try the next page, or ask the staff at the PST desk.")


class ByteLRU:
    """A least-recently-used map bounded by the total size of its values (``size_of``)."""

    def __init__(self, max_bytes: int, size_of):
        self.max_bytes, self._size_of = max_bytes, size_of
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        size = self._size_of(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= self._size_of(old)
            self._items[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= self._size_of(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


RENDERED = ByteLRU(256 * 2**20, lambda image: image.width * image.height * 3)
MARKED = ByteLRU(64 * 2**20, len)


@dataclass(frozen=True)
class Reading:
    """A publication as the reader page shows it."""
    id: int
    title: str
    page_count: int


def reading(pub_id: int) -> Reading:
    pub = catalog.get(pub_id)
    path = Path(pub.file_path)
    if not path.is_file():
        raise PageUnavailable(f"publication {pub_id}: file {path} missing")
    return Reading(pub.id, pub.title, pub.page_count)


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont:
    font = _FONTS.get(size)
    if font is None:
        font = _FONTS[size] = ImageFont.truetype(str(FONT), size)
    return font


def _rendered(pub, index: int, height: int) -> Image.Image:
    key = (pub.id, pub.content_hash, index, height)
    image = RENDERED.get(key)
    if image is not None:
        return image
    try:
        with pdfrender.Document(pub.file_path) as doc:
            if not 0 <= index < doc.page_count:
                raise NotFound(f"publication {pub.id} has no page {index + 1}")
            page = doc.render(index, height)
    except pdfrender.PdfOpenError as exc:
        raise PageUnavailable(f"publication {pub.id} page {index + 1}: {exc}") from None
    image = Image.frombuffer("RGB", (page.width, page.height), bytes(page.rgb), "raw", "RGB", 0, 1)
    RENDERED.put(key, image)
    return image


def mark_text(email: str, when: dt.date) -> str:
    return MARK.format(email=email, date=when.strftime("%d-%m-%Y"))


def _stripe(text: str, width: int) -> Image.Image:
    """The large diagonal copy of the mark (RGBA), made once per reader and page width."""
    key = (text, width)
    stripe = _STRIPES.get(key)
    if stripe is None:
        big = _font(max(14, width // 28))
        left, top, right, bottom = big.getbbox(text)
        stripe = Image.new("RGBA", (right - left + 20, bottom - top + 20), (255, 255, 255, 0))
        ImageDraw.Draw(stripe).text((10 - left, 10 - top), text, font=big, fill=(120, 120, 120, 70))
        stripe = stripe.rotate(30, expand=True, resample=Image.BILINEAR)
        if stripe.width > width:
            stripe = stripe.resize((width, max(1, stripe.height * width // stripe.width)))
        if len(_STRIPES) > 512:
            _STRIPES.clear()
        _STRIPES[key] = stripe
    return stripe


_STRIPES: dict[tuple, Image.Image] = {}


def _band(text: str, width: int, size: int) -> Image.Image:
    """The white band along the bottom with the mark in it, made once per reader and page size."""
    key = ("band", text, width, size)
    band = _STRIPES.get(key)
    if band is None:
        band = Image.new("RGB", (width, int(size * 1.8)), (255, 255, 255))
        ImageDraw.Draw(band).text((width // 2, band.height // 2), text, font=_font(size), fill=(30, 30, 30),
                                  anchor="mm")
        _STRIPES[key] = band
    return band


def draw_mark(image: Image.Image, text: str) -> Image.Image:
    """A copy of ``image`` with ``text`` in a white band along the bottom and once, large and light, across
    the middle (so a cropped screenshot still carries it)."""
    out = image.copy()
    w, h = out.size
    band = _band(text, w, max(12, h // 60))
    out.paste(band, (0, h - band.height))
    stripe = _stripe(text, w)
    out.paste(stripe, ((w - stripe.width) // 2, (h - stripe.height) // 2), stripe)
    return out


def page_jpeg(settings: Settings, clock: Clock, account_id: int, email: str, pub_id: int, page: int,
              zoom: int = 1) -> bytes:
    """Page ``page`` (1-based) of a publication as a JPEG carrying the reader's mark."""
    if zoom not in HEIGHTS:
        raise NotFound(f"no zoom level {zoom}")
    today = local(clock.now(), settings.office.timezone).date()
    pub = catalog.get(pub_id)
    key = (account_id, pub.id, pub.content_hash, page, zoom, today)
    cached = MARKED.get(key)
    if cached is not None:
        return cached
    if not 1 <= page <= max(pub.page_count, 1):
        raise NotFound(f"publication {pub.id} has no page {page}")
    image = draw_mark(_rendered(pub, page - 1, HEIGHTS[zoom]), mark_text(email, today))
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=JPEG_QUALITY, optimize=False)
    data = buf.getvalue()
    MARKED.put(key, data)
    return data
