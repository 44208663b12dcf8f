"""PDF pages to pixels with pypdfium2 (pypdf cannot rasterise). No kivy here: the reader
widget turns the RGB bytes into a texture on the UI thread.

PDFium is not thread-safe, so every call into it goes through one process-wide lock; the
reader renders in a worker thread while the importer may render covers in another.

Every render goes through ``render_scale``: a page may be as wide as 14400 pt and 3 pt high (the
PDF limit), and drawing it at a reader's 1080 px height would ask for ~17 GB. The pixel count and
each side are capped, so a hostile page gets a small picture instead of a MemoryError.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from kiosk.core.errors import N_, KioskError

PDFIUM_LOCK = threading.RLock()

# 12 Mpx is a zoomed A3 spread at the reader's sharpest (36 MB of RGB); 8192 px is the texture size
# every GL the kiosk runs on supports.
MAX_RENDER_PIXELS = 12_000_000
MAX_RENDER_SIDE = 8192


class PdfOpenError(KioskError):
    """The file cannot be opened or drawn as a PDF; ``reason`` is a short staff-readable phrase."""

    visitor_message = N_("Sorry, this publication cannot be opened right now. Please ask the staff at the PST "
                         "desk.")

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class RenderedPage:
    index: int
    width: int
    height: int
    rgb: bytes | memoryview   # top row first, 3 bytes per pixel


def open_pdf(path: Path | str) -> pdfium.PdfDocument:
    """Open ``path`` or raise PdfOpenError naming why (password, damaged, not a PDF)."""
    with PDFIUM_LOCK:
        try:
            return pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            text = str(exc).lower()
            if "password" in text:
                raise PdfOpenError("encrypted with a password") from None
            if _has_no_pages(path):
                raise PdfOpenError("has no pages") from None
            raise PdfOpenError("damaged: %s" % str(exc).replace("Failed to load document ", "")) from None
        except OSError as exc:
            raise PdfOpenError(f"cannot read the file ({exc.strerror or exc})") from None


def _has_no_pages(path: Path | str) -> bool:
    """PDFium refuses a well-formed PDF with an empty page tree ("Success" error); pypdf tells."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(str(path)).pages) == 0
    except (PyPdfError, OSError, ValueError, KeyError, TypeError):
        return False


def render_scale(width_pt: float, height_pt: float, height_px: int) -> float:
    """The scale that draws a page ``height_px`` high, lowered until the bitmap fits both caps."""
    if not (width_pt > 0 and height_pt > 0):
        raise PdfOpenError("a page has no size (empty MediaBox)")
    # 0.999: PDFium rounds each side up, which must not take the bitmap a pixel over a cap
    return min(height_px / height_pt, 0.999 * MAX_RENDER_SIDE / width_pt, 0.999 * MAX_RENDER_SIDE / height_pt,
               0.999 * (MAX_RENDER_PIXELS / (width_pt * height_pt)) ** 0.5)


def _render(page: "pdfium.PdfPage", height_px: int, **kwargs) -> "pdfium.PdfBitmap":
    w_pt, h_pt = page.get_size()
    try:
        return page.render(scale=render_scale(w_pt, h_pt, height_px), **kwargs)
    except (pdfium.PdfiumError, MemoryError) as exc:
        raise PdfOpenError(f"a page cannot be drawn ({str(exc) or type(exc).__name__})") from None


class Document:
    """An open publication for the reader: page count and pages rendered to a height in pixels."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.closed = False
        self._pdf = open_pdf(path)
        with PDFIUM_LOCK:
            self.page_count = len(self._pdf)
        if self.page_count == 0:
            self.close()
            raise PdfOpenError("has no pages")

    def page_size(self, index: int) -> tuple[float, float]:
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                return page.get_size()
            finally:
                page.close()

    def render(self, index: int, height_px: int) -> RenderedPage:
        if not 0 <= index < self.page_count:
            raise IndexError(f"page {index + 1} of {self.page_count}")
        with PDFIUM_LOCK:
            # the reader closes a document (idle reset) while a prefetch may still be queued
            if self.closed:
                raise PdfOpenError("closed")
            page = self._pdf[index]
            try:
                bitmap = _render(page, height_px, rev_byteorder=True)
                try:
                    width, height = bitmap.width, bitmap.height
                    stride = bitmap.stride
                    # PDFium drew into a ctypes buffer that Python owns (closing the bitmap keeps it):
                    # handed on as it is, not copied (a 1080 px page is 2.5 MB)
                    buf = memoryview(bitmap.buffer).cast("B")
                finally:
                    bitmap.close()
            finally:
                page.close()
        if stride != width * 3:   # PDFium pads rows to 4 bytes; textures want them packed
            buf = b"".join(buf[r * stride:r * stride + width * 3] for r in range(height))
        return RenderedPage(index, width, height, buf)

    def close(self) -> None:
        with PDFIUM_LOCK:
            if not self.closed:
                self.closed = True
                self._pdf.close()

    def __enter__(self) -> "Document":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def save_thumbnail(pdf: pdfium.PdfDocument, out: Path, height_px: int = 420) -> Path:
    """The first page as a JPEG of ``height_px`` (the cover in the library grid)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with PDFIUM_LOCK:
        page = pdf[0]
        try:
            bitmap = _render(page, height_px)
            try:
                image = bitmap.to_pil()
            finally:
                bitmap.close()
        finally:
            page.close()
    tmp = out.with_suffix(".tmp")
    image.convert("RGB").save(tmp, "JPEG", quality=85)
    tmp.replace(out)
    return out


def read_thumbnail(path: Path | str) -> RenderedPage:
    """A cover JPEG made by ``save_thumbnail`` as RGB rows (decoded off the UI thread for the grid)."""
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        return RenderedPage(0, rgb.width, rgb.height, rgb.tobytes())
