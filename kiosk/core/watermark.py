"""The personal stamp on every page of a softcopy: who asked for it, when, under which request.

The stamp is drawn once with reportlab (``kiosk.core.stamp``) on an A4-portrait page
(``STAMP_W`` × ``STAMP_H``). It goes into the output as **one** Form XObject; every page gets
two tiny content streams around its own content::

    q                                   (shared: isolates the page's graphics state)
    <the page's original content>
    Q q a b c d e f cm /PSTStamp… Do Q  (one per distinct page geometry)

``a b c d e f`` maps the stamp's space onto the page's *visible* box (the crop box) as the
viewer shows it, i.e. after ``/Rotate``: scaled uniformly to fit, centred, upright. See
``stamp_matrix``. The XObject's name carries the request number (``stamp_name``), and the
XObject itself the private key ``/PSTKioskStamp``, so an earlier stamp can always be found.

The file is written by pikepdf (qpdf in-process, public API only): qpdf repairs damaged
inputs, keeps object streams as they were, keeps the encryption of an encrypted source with
its permissions, and writes a complete new file — never an incremental update, which would
leave the un-watermarked original recoverable by cutting the file at its first ``%%EOF``.
qpdf writes only the objects still reachable from the document, so once an earlier visitor's
stamp is unhooked from every page (``_remove_earlier_stamps``) none of its bytes reach the output.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from kiosk.core.errors import KioskError
from kiosk.core.files import write_atomically
from kiosk.core.stamp import STAMP_H, STAMP_W, draw_stamp


def N_(msgid: str) -> str:
    # kiosk.i18n.N_ without importing Babel: a CLI stamping run should not pay for the catalogs
    return msgid


log = logging.getLogger(__name__)

STAMP_PREFIX = "/PSTStamp"          # every stamp's XObject name starts so (older kiosks: exactly this)
STAMP_MARKER = "/PSTKioskStamp"     # a private key on the stamp's Form XObject (PDF allows second-class names)
FOOTER = "Diperoleh dari Perpustakaan {office} melalui kios PST — hanya untuk penggunaan pribadi"

PROTECTED = N_("This publication is protected with a password and cannot be sent. Please ask a staff member.")
DAMAGED = N_("This publication's file is damaged and cannot be sent. Please ask a staff member.")
MISSING = N_("The file of this publication is missing. Please ask a staff member.")


class WatermarkError(KioskError):
    """The file cannot be stamped; ``visitor_message`` is a msgid for the screen."""

    visitor_message = DAMAGED


class PasswordProtected(WatermarkError):
    visitor_message = PROTECTED


class DamagedFile(WatermarkError):
    visitor_message = DAMAGED


@dataclass(frozen=True)
class Stamp:
    """What the stamp says. ``when`` is the local (office) time, already converted."""
    name: str
    email: str
    when: dt.datetime
    request_number: str
    office: str

    @property
    def lines(self) -> list[str]:
        return [self.name, self.email, self.when.strftime("%d-%m-%Y %H:%M %Z").strip(), self.request_number]

    @property
    def footer(self) -> str:
        return FOOTER.format(office=self.office)


@dataclass(frozen=True)
class StampResult:
    pages: int
    size: int
    method: str           # "pikepdf"
    removed: int = 0      # earlier kiosk stamps taken off the pages


def build_stamp_pdf(stamp: Stamp) -> bytes:
    """A one-page PDF (A4 portrait) holding only the stamp."""
    return draw_stamp(stamp.lines, stamp.footer, bold=(0, 3))


def stamp_name(request_number: str) -> str:
    """The stamp XObject's resource name: unique per request, so no stamp can stand in for another."""
    return STAMP_PREFIX + re.sub(r"[^A-Za-z0-9]", "", request_number)


# --- geometry ---

Matrix = tuple[float, float, float, float, float, float]


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m then n, in PDF's row-vector convention (the matrix of ``m cm`` inside ``n cm``)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def stamp_matrix(box: tuple[float, float, float, float], rotate: int) -> Matrix:
    """The ``cm`` that puts the stamp (STAMP_W × STAMP_H) upright and centred in ``box`` (the
    crop box, x0 y0 x1 y1 in the page's default space) of a page shown rotated ``rotate``°
    clockwise."""
    x0, y0, x1, y1 = min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])
    rotate %= 360
    w, h = x1 - x0, y1 - y0
    seen_w, seen_h = (h, w) if rotate in (90, 270) else (w, h)
    s = min(seen_w / STAMP_W, seen_h / STAMP_H)
    fit: Matrix = (s, 0, 0, s, (seen_w - STAMP_W * s) / 2, (seen_h - STAMP_H * s) / 2)
    # the viewer's (u, v), origin at the bottom-left of the page as shown → default user space
    to_page: Matrix = {
        0: (1, 0, 0, 1, x0, y0),
        90: (0, 1, -1, 0, x1, y0),     # x = x1 - v, y = y0 + u
        180: (-1, 0, 0, -1, x1, y1),
        270: (0, -1, 1, 0, x0, y1),    # x = x0 + v, y = y1 - u
    }[rotate]
    return _mul(fit, to_page)


def _num(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _stamp_ops(matrix: Matrix, name: str) -> bytes:
    # the leading newline keeps the tokens apart from whatever the previous stream ended with
    return ("\nQ q %s cm %s Do Q\n" % (" ".join(_num(v) for v in matrix), name)).encode("ascii")


def _rotation(page) -> int:
    try:
        return int(page.obj.get("/Rotate", 0)) % 360 // 90 * 90
    except (TypeError, ValueError):
        return 0


def _page_box(page) -> tuple[float, float, float, float]:
    box = page.cropbox   # pikepdf: /CropBox, defaulting to the media box (inherited ones pushed down at open)
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


# --- the writer ---

def _open(path: Path, *, stamping: bool):
    import pikepdf

    try:
        return pikepdf.Pdf.open(path)
    except pikepdf.PasswordError:
        raise PasswordProtected(f"{path}: needs a password to open") from None
    except FileNotFoundError:
        raise DamagedFile(f"{path}: file missing", MISSING if stamping else DAMAGED) from None
    except OSError as exc:
        raise DamagedFile(f"{path}: cannot read ({exc.strerror})", MISSING if stamping else DAMAGED) from None
    except (pikepdf.PdfError, ValueError) as exc:
        raise DamagedFile(f"{path}: cannot be read as a PDF ({exc})") from None


def stamp_pdf(source: Path, dest: Path, stamp: Stamp) -> StampResult:
    """Write ``source`` stamped on every page to ``dest`` (atomically: a temp file then rename).

    A stamp an earlier request left in ``source`` is taken off first, so no trace of another
    visitor reaches this visitor's copy."""
    import pikepdf

    stamp_bytes = build_stamp_pdf(stamp)
    dest = Path(dest)
    pdf = _open(Path(source), stamping=True)
    try:
        with pdf:
            removed = _remove_earlier_stamps(pdf)
            pages = _stamp_pages(pdf, stamp_bytes, stamp_name(stamp.request_number))
            pdf.docinfo["/PSTRequest"] = stamp.request_number
            pdf.docinfo["/Keywords"] = f"PST softcopy {stamp.request_number}"
            buf = io.BytesIO()
            # encryption=True copies the source's encryption and permissions (only files that open
            # with an empty user password get here); other files are written unencrypted as they came
            pdf.save(buf, encryption=bool(pdf.is_encrypted), object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    except WatermarkError:
        raise
    except (pikepdf.PdfError, ValueError, TypeError) as exc:
        raise DamagedFile(f"{source}: cannot be stamped ({exc})") from None
    if removed:
        log.warning("%s: carried %d earlier kiosk stamp(s); removed before stamping %s",
                    Path(source).name, removed, stamp.request_number)
    out = buf.getvalue()
    write_atomically(dest, out)
    return StampResult(pages=pages, size=len(out), method="pikepdf", removed=removed)


def _stamp_pages(pdf, stamp_bytes: bytes, name: str) -> int:
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(stamp_bytes)) as drawn:
        form = pdf.copy_foreign(drawn.pages[0].as_form_xobject())
    form[STAMP_MARKER] = True
    opener = pdf.make_indirect(pdf.make_stream(b"q\n"))
    closers: dict[tuple[bytes, object], object] = {}     # one closing stream per page geometry
    n = 0
    for page in pdf.pages:
        n += 1
        obj = page.obj
        # keyed by the boxes' and /Rotate's own bytes: the matrix is worked out once per geometry,
        # not 300 times (inherited values were pushed down onto each page at open)
        rotate = _rotation(page)
        geometry = (b"".join(obj[k].unparse() for k in ("/CropBox", "/MediaBox") if k in obj), rotate)
        closer = closers.get(geometry)
        if closer is None:
            ops = _stamp_ops(stamp_matrix(_page_box(page), rotate), name)
            closer = closers[geometry] = pdf.make_indirect(pdf.make_stream(ops))
        resources = obj.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            resources = obj.Resources = pikepdf.Dictionary()
        xobjects = resources.get("/XObject")
        if not isinstance(xobjects, pikepdf.Dictionary):
            xobjects = resources.XObject = pikepdf.Dictionary()
        if name in xobjects and STAMP_MARKER not in xobjects[name]:
            raise DamagedFile(f"page {n} already uses the resource name {name} for something else")
        xobjects[name] = form
        contents = obj.get("/Contents")
        if contents is None:
            original = []
        elif isinstance(contents, pikepdf.Array):
            original = list(contents)
        else:
            original = [contents]
        obj.Contents = pikepdf.Array([opener, *original, closer])
    return n


# --- earlier stamps ---

_LEGACY_CLOSER = re.compile(rb"\s*Q q [-0-9. ]+ cm (/PSTStamp[A-Za-z0-9]*) Do Q\s*")


def _is_stamp(name: str, xobj) -> bool:
    import pikepdf

    return name.startswith(STAMP_PREFIX) or (isinstance(xobj, pikepdf.Stream) and STAMP_MARKER in xobj)


def _forms_and_pages(pdf):
    """Every page and every Form XObject reachable from a page's resources (each once)."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    todo = [page.obj for page in pdf.pages]
    while todo:
        holder = todo.pop()
        yield holder
        resources = holder.get("/Resources")
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(xobjects, pikepdf.Dictionary):
            continue
        for _name, xobj in xobjects.items():
            if not isinstance(xobj, pikepdf.Stream) or xobj.get("/Subtype") != pikepdf.Name.Form:
                continue
            if xobj.is_indirect:
                if xobj.objgen in seen:
                    continue
                seen.add(xobj.objgen)
            todo.append(xobj)


def carries_kiosk_stamp(path: Path) -> bool:
    """True when ``path`` already carries a kiosk stamp (any visitor's): a softcopy, not an original.

    Looks at the document's Info (``/PSTRequest``) and at every Form XObject the pages use,
    nested ones included, for the stamp's marker key or name. Cheap: no page content is
    decoded. Raises ``DamagedFile`` (or ``PasswordProtected``) when the file cannot be opened."""
    import pikepdf

    with _open(Path(path), stamping=False) as pdf:
        if "/PSTRequest" in pdf.docinfo:
            return True
        for holder in _forms_and_pages(pdf):
            resources = holder.get("/Resources")
            xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
            if isinstance(xobjects, pikepdf.Dictionary) and any(_is_stamp(k, v) for k, v in xobjects.items()):
                return True
    return False


def _remove_earlier_stamps(pdf) -> int:
    """Unhook every kiosk stamp (this kiosk's or an older one's) from pages and forms: the resource
    entry and the operators that paint it. Returns how many resource entries went."""
    import pikepdf

    holders, found = [], []
    for holder in _forms_and_pages(pdf):
        resources = holder.get("/Resources")
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        names = {k for k, v in xobjects.items() if _is_stamp(k, v)} if isinstance(xobjects, pikepdf.Dictionary) \
            else set()
        holders.append((holder, names))
        if names:
            found.append((xobjects, names))
    if not found:
        return 0
    every = set().union(*(names for _x, names in found))
    # resource dictionaries are often shared between pages, so every page is looked at before
    # any entry is deleted
    for holder, names in holders:
        if not _drop_wrapper(holder, every) and names:
            _drop_paint_ops(pdf, holder, names)
    removed = 0
    for xobjects, names in found:
        for k in names:
            if k in xobjects:
                del xobjects[k]
                removed += 1
    return removed


def _drop_wrapper(holder, names: set[str]) -> bool:
    """The usual case: the page still has the two streams a stamp added around its content
    (``q`` … ``Q q … Do Q``); drop them. False when the contents were rewritten since."""
    import pikepdf

    contents = holder.get("/Contents") if not isinstance(holder, pikepdf.Stream) else None
    if not isinstance(contents, pikepdf.Array) or len(contents) < 2:
        return False
    first, last = contents[0], contents[len(contents) - 1]
    if not (isinstance(first, pikepdf.Stream) and isinstance(last, pikepdf.Stream)):
        return False
    if first.read_bytes().strip() != b"q":
        return False
    m = _LEGACY_CLOSER.fullmatch(last.read_bytes())
    if m is None or m.group(1).decode() not in names:
        return False
    holder.Contents = pikepdf.Array(list(contents)[1:-1])
    return True


def _drop_paint_ops(pdf, holder, names: set[str]) -> None:
    """Contents merged or edited since stamping: take out each ``/PSTStamp… Do`` (the ``q``/``Q``
    around it stay balanced and paint nothing)."""
    import pikepdf

    ops = [(operands, op) for operands, op in pikepdf.parse_content_stream(holder)
           if not (str(op) == "Do" and len(operands) == 1 and str(operands[0]) in names)]
    data = pikepdf.unparse_content_stream(ops)
    if isinstance(holder, pikepdf.Stream):
        holder.write(data)
    else:
        holder.Contents = pdf.make_indirect(pdf.make_stream(data))


def pages_of(path: Path) -> int:
    with _open(Path(path), stamping=False) as pdf:
        return len(pdf.pages)


__all__: Iterable[str] = ("Stamp", "StampResult", "WatermarkError", "PasswordProtected", "DamagedFile",
                          "build_stamp_pdf", "carries_kiosk_stamp", "stamp_matrix", "stamp_name", "stamp_pdf")
