"""A bounded look at every page of a PDF before PDFium parses one: no compression bomb gets in.

PDFium decompresses a page's whole content stream as soon as the page is loaded: a stream of a
few hundred KB that inflates to 300 MB of zeros costs 600 MB of memory just to read the cover's
title, and a 1 GB one took the import to a 2.1 GB peak. Here every stream a page draws (its
contents, the Form XObjects, images, fonts, patterns and annotation appearances it uses, nested
ones included) is measured through qpdf (pikepdf) *without* keeping what it inflates: FlateDecode
is inflated in 1 MB steps and counted, and the file is refused once a page would need more than
the cap. Every page, not only the cover: the reader must never meet one either (~0.5 ms a page;
an object shared by many pages is measured once).
"""
from __future__ import annotations

import zlib
from pathlib import Path

from kiosk.core.pdfrender import PdfOpenError

MAX_PAGE_DECODED_BYTES = 128 * 1024 * 1024   # a scanned A4 page at 300 dpi, uncompressed RGB, is 26 MB
MAX_RAW_STREAM_BYTES = 64 * 1024 * 1024      # read whole to be measured: more is not one page's stream
MAX_IMAGE_PIXELS = 50_000_000                # PDFium decodes an image whole; an A4 scan at 600 dpi is 35 Mpx
MAX_OBJECTS = 1_000_000                      # objects the pages reach (a tagged 300-page report: ~19,000)
STEP = 1 << 20
# links that lead away from what a page draws (to the page tree, other pages, actions)
NOT_DRAWN = {"/Parent", "/P", "/Dest", "/A", "/PA", "/Next", "/Prev", "/First", "/Last", "/Metadata",
             "/StructParent", "/StructParents", "/Popup", "/IRT"}
# codecs whose output size the image's /Width × /Height bounds (checked there), not the stream
IMAGE_CODECS = {"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"}


class _Budget:
    def __init__(self, limit: int, page: int):
        self.left = limit
        self.limit = limit
        self.page = page

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise PdfOpenError(f"page {self.page} inflates to more than {self.limit // (1024 * 1024)} MB "
                               f"(a compression bomb?); not opened")


def check_pages(path: Path | str, max_decoded: int = MAX_PAGE_DECODED_BYTES) -> None:
    """Raise PdfOpenError when drawing any page would inflate more than ``max_decoded`` bytes."""
    import pikepdf

    try:
        pdf = pikepdf.Pdf.open(path)
    except pikepdf.PasswordError:
        raise PdfOpenError("encrypted with a password") from None
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        # the softcopy's stamp is written by qpdf too: a file it cannot read could never be sent
        raise PdfOpenError(f"damaged (qpdf: {_first_line(exc)})") from None
    with pdf:
        if len(pdf.pages) == 0:
            raise PdfOpenError("has no pages")
        walk = _Walk(pikepdf)
        for number, page in enumerate(pdf.pages, 1):
            try:
                page = page.obj
                roots = [page.get("/Contents"), _inherited(page, "/Resources")]
                annots = page.get("/Annots")
                if isinstance(annots, pikepdf.Array):
                    roots += [a.get("/AP") for a in annots if isinstance(a, pikepdf.Dictionary)]
                walk.page(roots, _Budget(max_decoded, number))
            except pikepdf.PdfError as exc:   # an object of the page that qpdf cannot repair
                raise PdfOpenError(f"damaged page {number} (qpdf: {_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]


def _inherited(page, key: str):
    node = page
    for _ in range(64):     # a /Parent chain longer than this is a loop
        if node.get(key) is not None:
            return node.get(key)
        node = node.get("/Parent")
        if node is None:
            return None
    return None


class _Walk:
    """Measures every stream pages can draw; an object met on an earlier page was measured there."""

    def __init__(self, pikepdf):
        self.pikepdf = pikepdf
        self.seen: set[tuple[int, int]] = set()
        self.visited = 0

    def page(self, roots: list, budget: _Budget) -> None:
        pikepdf = self.pikepdf
        todo = [r for r in roots if r is not None]
        while todo:
            obj = todo.pop()
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and obj.is_indirect:
                if obj.objgen in self.seen:
                    continue
                self.seen.add(obj.objgen)
            self.visited += 1
            if self.visited > MAX_OBJECTS:
                raise PdfOpenError(f"its pages use more than {MAX_OBJECTS} objects; not opened")
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Subtype") == pikepdf.Name.Image:
                    _check_image(obj, budget.page)
                _measure(obj, budget, pikepdf)
                todo.extend(v for k, v in obj.stream_dict.items() if k not in NOT_DRAWN)
            elif isinstance(obj, pikepdf.Dictionary):
                todo.extend(v for k, v in obj.items() if k not in NOT_DRAWN)
            elif isinstance(obj, pikepdf.Array):
                todo.extend(obj)


def _check_image(image, page: int) -> None:
    try:
        pixels = int(image.get("/Width", 0)) * int(image.get("/Height", 0))
    except (TypeError, ValueError):
        raise PdfOpenError(f"an image on page {page} has no valid size") from None
    if pixels > MAX_IMAGE_PIXELS:
        raise PdfOpenError(f"an image on page {page} has {pixels / 1e6:.0f} million pixels "
                           f"(the limit is {MAX_IMAGE_PIXELS // 1_000_000}); not opened")


def _filters(stream, pikepdf) -> list[str]:
    found = stream.get("/Filter")
    if found is None:
        return []
    if isinstance(found, pikepdf.Array):
        return [str(f) for f in found]
    return [str(found)]


def _measure(stream, budget: _Budget, pikepdf) -> None:
    """Spend what ``stream`` inflates to, never holding more than one step of it."""
    declared = stream.get("/Length")
    if isinstance(declared, int) and declared > MAX_RAW_STREAM_BYTES:
        raise PdfOpenError(f"a stream on page {budget.page} holds {declared / 1e6:.0f} MB; not opened")
    filters = _filters(stream, pikepdf)
    if filters and filters[-1] in IMAGE_CODECS:
        filters = filters[:-1]    # the image codec's output is bounded by _check_image
    try:
        raw = stream.read_raw_bytes()
    except pikepdf.PdfError as exc:
        raise PdfOpenError(f"damaged stream on page {budget.page} ({_first_line(exc)})") from None
    if len(raw) > MAX_RAW_STREAM_BYTES:
        raise PdfOpenError(f"a stream on page {budget.page} holds {len(raw) / 1e6:.0f} MB; not opened")
    if not filters:
        budget.spend(len(raw))
    elif filters == ["/FlateDecode"]:
        _inflate_counting(raw, budget)
    elif "/FlateDecode" not in filters and "/LZWDecode" not in filters:
        # ASCIIHex/ASCII85 shrink, RunLength grows at most 128×: bounded by the raw size
        budget.spend(len(raw) * (128 if "/RunLengthDecode" in filters else 1))
    else:
        # a rare chain (LZW, or ASCII85 before Flate): qpdf decodes it whole, so only when small
        if len(raw) > STEP:
            raise PdfOpenError(f"a {len(raw) // 1024} KB stream on page {budget.page} uses filters "
                               f"{' '.join(filters)} that cannot be measured safely; not opened")
        try:
            budget.spend(len(stream.read_bytes()))
        except pikepdf.PdfError as exc:
            raise PdfOpenError(f"damaged stream on page {budget.page} ({_first_line(exc)})") from None


def _inflate_counting(raw: bytes, budget: _Budget) -> None:
    inflater = zlib.decompressobj()
    view = memoryview(raw)
    try:
        # fed 64 KB at a time, so what zlib hands back unconsumed (copied at each call) stays small
        for start in range(0, len(raw), 1 << 16):
            data: bytes | memoryview = view[start:start + (1 << 16)]
            while data:
                out = inflater.decompress(data, STEP)
                budget.spend(len(out))
                data = inflater.unconsumed_tail
            if inflater.eof:
                return
        while out := inflater.decompress(b"", STEP):    # what zlib still holds from the last input
            budget.spend(len(out))
    except zlib.error:
        pass    # PDFium stops at the same damage and draws what came before: nothing more to count
