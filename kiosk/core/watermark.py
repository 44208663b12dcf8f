"""The personal stamp on every page of a softcopy: who asked for it, when, under which request.

The stamp is drawn once with reportlab on an A4-portrait page (``STAMP_W`` × ``STAMP_H``):
a diagonal, semi-transparent block with the visitor's name, e-mail, local date-time and the
request number, and a footer line naming the office. It goes into the output as **one** Form
XObject; every page gets two tiny content streams around its own content::

    q                                   (shared: isolates the page's graphics state)
    <the page's original content>
    Q q a b c d e f cm /PSTStamp Do Q   (one per distinct page geometry)

``a b c d e f`` maps the stamp's space onto the page's *visible* box (the crop box) as the
viewer shows it, i.e. after ``/Rotate``: scaled uniformly to fit, centred, upright. See
``stamp_matrix``.

Two writers produce the same result:

* ``_RawCopy`` (used whenever it can) copies every object the stamp does not touch
  byte-for-byte — object streams included — and rewrites only the page dictionaries, the
  resources that gain the stamp's name, the catalog's Info and the cross-reference stream. A
  publication with a large structure tree (tens of thousands of objects in object streams) is
  therefore never parsed object by object; pypdf's ``clone_from`` walks and re-serialises every
  one of them and is ~8× slower than qpdf on such a file.
* ``_PypdfCopy`` (encrypted sources, and any file the raw copy cannot follow) clones the
  document with pypdf and re-encrypts it with the source's permissions when it was encrypted.

Both write a complete new file — never an incremental update, which would leave the
un-watermarked original recoverable by cutting the file at its first ``%%EOF``.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from kiosk.core.errors import KioskError
from kiosk.core.files import write_atomically


def N_(msgid: str) -> str:
    # kiosk.i18n.N_ without importing Babel: a CLI stamping run should not pay for the catalogs
    return msgid


log = logging.getLogger(__name__)

STAMP_W, STAMP_H = 595.2756, 841.8898     # A4 portrait, in points
STAMP_NAME = "/PSTStamp"
FOOTER = "Diperoleh dari Perpustakaan {office} melalui kiosk PST — hanya untuk penggunaan pribadi"


class WatermarkError(KioskError):
    """The file cannot be stamped; ``visitor_message`` is a msgid for the screen."""

    def __init__(self, message: str, visitor_message: str):
        super().__init__(message)
        self.visitor_message = visitor_message


class PasswordProtected(WatermarkError):
    pass


class DamagedFile(WatermarkError):
    pass


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
    method: str           # "raw" | "pypdf"


# --- the stamp itself ---

def _winansi(text: str) -> str:
    # The standard Helvetica font (not embedded: small, fast) covers Windows-1252; anything
    # outside it would print as a black box, so it is shown as "?" instead.
    return text.encode("cp1252", "replace").decode("cp1252")


def build_stamp_pdf(stamp: Stamp) -> bytes:
    """A one-page PDF (A4 portrait) holding only the stamp, drawn with reportlab."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(STAMP_W, STAMP_H), pageCompression=1)
    c.setTitle("PST stamp")
    lines = [_winansi(t) for t in stamp.lines]
    # the diagonal from bottom-left to top-right; the block fills ~75 % of it
    import math
    angle = math.degrees(math.atan2(STAMP_H, STAMP_W))
    diagonal = math.hypot(STAMP_W, STAMP_H)
    widest = max(stringWidth(t, "Helvetica-Bold", 1) for t in lines) or 1
    size = max(10.0, min(40.0, 0.75 * diagonal / widest))
    c.saveState()
    c.translate(STAMP_W / 2, STAMP_H / 2)
    c.rotate(angle)
    c.setFillColorRGB(0.55, 0.1, 0.1)
    c.setFillAlpha(0.22)
    lead = size * 1.25
    top = lead * (len(lines) - 1) / 2
    for n, text in enumerate(lines):
        c.setFont("Helvetica-Bold" if n in (0, 3) else "Helvetica", size)
        c.drawCentredString(0, top - n * lead - size / 3, text)
    c.restoreState()
    # footer: readable, not transparent, on a light band so it shows on dark covers too
    footer = _winansi(stamp.footer)
    fsize = min(8.0, (STAMP_W - 40) / (stringWidth(footer, "Helvetica", 1) or 1))
    c.setFillColorRGB(1, 1, 1)
    c.setFillAlpha(0.75)
    c.rect(0, 6, STAMP_W, fsize + 8, stroke=0, fill=1)
    c.setFillAlpha(1)
    c.setFillColorRGB(0.25, 0.25, 0.25)
    c.setFont("Helvetica", fsize)
    c.drawCentredString(STAMP_W / 2, 10 + fsize * 0.2, footer)
    c.showPage()
    c.save()
    return buf.getvalue()


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


def _stamp_ops(matrix: Matrix) -> bytes:
    # the leading newline keeps the tokens apart from whatever the previous stream ended with
    return ("\nQ q %s cm %s Do Q\n" % (" ".join(_num(v) for v in matrix), STAMP_NAME)).encode("ascii")


def _page_box(page) -> tuple[float, float, float, float]:
    box = page.cropbox   # pypdf: /CropBox, inherited, defaulting to the media box
    return (float(box.left), float(box.bottom), float(box.right), float(box.top))


# --- the two writers ---

def stamp_pdf(source: Path, dest: Path, stamp: Stamp) -> StampResult:
    """Write ``source`` stamped on every page to ``dest`` (atomically: a temp file then rename)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError, PyPdfError

    stamp_bytes = build_stamp_pdf(stamp)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise DamagedFile(f"{source}: cannot read ({exc.strerror})",
                          N_("The file of this publication is missing. Please ask a staff member.")) from None
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        if encrypted:
            _open_encrypted(reader, source)
        pages = len(reader.pages)
        out = None
        method = "pypdf"
        if not encrypted:
            try:
                out = _RawCopy(data, reader, stamp_bytes, stamp.request_number).write()
                method = "raw"
            except _CannotRawCopy as exc:
                log.info("%s: raw copy not possible (%s); using the full pypdf copy", Path(source).name, exc)
        if out is None:
            out = _pypdf_copy(reader, stamp_bytes, stamp.request_number, encrypted)
    except WatermarkError:
        raise
    except DependencyError as exc:   # an encryption pypdf cannot handle in this installation
        raise PasswordProtected(f"{source}: {exc}",
                                N_("This publication is protected and cannot be sent. Please ask a staff "
                                   "member.")) from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, zlib.error) as exc:
        # pypdf signals a broken file with any of these; the visitor gets one sentence, staff the detail
        raise DamagedFile(f"{source}: cannot be read as a PDF ({exc!r})",
                          N_("This publication's file is damaged and cannot be sent. Please ask a staff "
                             "member.")) from None
    write_atomically(dest, out)
    return StampResult(pages=pages, size=len(out), method=method)


def _open_encrypted(reader, source: Path) -> None:
    from pypdf import PasswordType
    from pypdf.errors import DependencyError   # AES without a crypto package

    try:
        opened = reader.decrypt("")
    except (NotImplementedError, DependencyError) as exc:   # unsupported algorithm
        raise PasswordProtected(f"{source}: encryption not supported ({exc})",
                                N_("This publication is protected and cannot be sent. Please ask a staff "
                                   "member.")) from None
    if opened == PasswordType.NOT_DECRYPTED:
        raise PasswordProtected(f"{source}: needs a password to open",
                                N_("This publication is protected with a password and cannot be sent. Please "
                                   "ask a staff member."))


def _pypdf_copy(reader, stamp_bytes: bytes, number: str, encrypted: bool) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject,
                               NameObject, TextStringObject)

    writer = PdfWriter(clone_from=reader)
    stamp_page = PdfReader(io.BytesIO(stamp_bytes)).pages[0]
    form = DecodedStreamObject()
    form.set_data(stamp_page.get_contents().get_data())
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(STAMP_W), FloatObject(STAMP_H)]),
        NameObject("/Resources"): stamp_page["/Resources"].get_object().clone(writer),
    })
    form_ref = writer._add_object(form)
    opener = DecodedStreamObject()
    opener.set_data(b"q\n")
    opener_ref = writer._add_object(opener)
    closers: dict[bytes, object] = {}
    for page in writer.pages:
        ops = _stamp_ops(stamp_matrix(_page_box(page), page.rotation))
        if ops not in closers:
            closer = DecodedStreamObject()
            closer.set_data(ops)
            closers[ops] = writer._add_object(closer)
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        if resources is None:
            inherited = page._get_inherited(["/Resources"]) if hasattr(page, "_get_inherited") else None
            resources = DictionaryObject(inherited.get_object() if inherited is not None else {})
            page[NameObject("/Resources")] = resources
        xobjects = resources.get("/XObject")
        if xobjects is None:
            xobjects = DictionaryObject()
            resources[NameObject("/XObject")] = xobjects
        xobjects.get_object()[NameObject(STAMP_NAME)] = form_ref
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        original = list(contents) if isinstance(contents, ArrayObject) else (
            [page.raw_get("/Contents")] if contents is not None else [])
        page[NameObject("/Contents")] = ArrayObject([opener_ref, *original, closers[ops]])
    writer.add_metadata({"/PSTRequest": TextStringObject(number),
                         "/Keywords": TextStringObject(f"PST softcopy {number}")})
    if encrypted:
        # Keep the publisher's restrictions; nobody needs the owner password (staff keep the
        # original). With an empty user password this is about permissions, not secrecy, so RC4
        # is acceptable when the optional `cryptography` package (AES) is not installed.
        writer.encrypt(user_password="", owner_password=secrets.token_hex(16),
                       permissions_flag=reader.user_access_permissions, algorithm=_algorithm_like(reader))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _algorithm_like(reader) -> str:
    """AES-256 for an AES-256 source (V 5), else AES-128; RC4 only without `cryptography`."""
    if not _have_aes():
        return "RC4-128"
    return "AES-256" if int(getattr(reader._encryption, "V", 0) or 0) >= 5 else "AES-128"


def _have_aes() -> bool:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


class _CannotRawCopy(Exception):
    """The raw copy met something it does not handle; the pypdf copy takes over."""


_OBJ_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")


class _RawCopy:
    """Full rewrite that copies untouched objects as bytes (see the module docstring)."""

    def __init__(self, data: bytes, reader, stamp_bytes: bytes, number: str):
        self.data, self.reader, self.stamp_bytes, self.number = data, reader, stamp_bytes, number

    def write(self) -> bytes:
        from pypdf.generic import (ArrayObject, DictionaryObject, IndirectObject, NameObject,
                                   TextStringObject)

        reader = self.reader
        trailer = reader.trailer
        if "/Encrypt" in trailer:
            raise _CannotRawCopy("encrypted")
        # where every live object is: {num: ("raw", offset)} or {num: ("objstm", stream_num)}
        where: dict[int, tuple[str, int]] = {}
        for gen, table in reader.xref.items():
            for num, offset in table.items():
                if gen != 0:
                    raise _CannotRawCopy("generation numbers other than 0")
                where[num] = ("raw", offset)
        for num, (stm, _index) in reader.xref_objStm.items():
            where[num] = ("objstm", stm)
        size = int(trailer.get("/Size", 0))
        next_num = max([size, *(n + 1 for n in where)])

        new_objects: dict[int, bytes] = {}      # replaced or added, as the bytes between obj/endobj

        def add(body: bytes) -> int:
            nonlocal next_num
            num = next_num
            next_num += 1
            new_objects[num] = body
            return num

        # the stamp and its resources, renumbered into this file
        stamp_reader = _stamp_reader(self.stamp_bytes)
        spage = stamp_reader.pages[0]
        res_body = _serialise_tree(spage["/Resources"].get_object(), stamp_reader, add)
        form_data = zlib.compress(spage.get_contents().get_data())
        form_num = add(b"<< /Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources %s /Filter /FlateDecode "
                       b"/Length %d >>\nstream\n" % (_num(STAMP_W).encode(), _num(STAMP_H).encode(), res_body,
                                                      len(form_data)) + form_data + b"\nendstream")
        opener = add(b"<< /Length 2 >>\nstream\nq\n\nendstream")
        closers: dict[bytes, int] = {}
        touched: dict[int, object] = {}     # num → modified pypdf object (pages, resources)

        def editable(holder, key: str):
            """holder[key] as an object we may change: indirect ones are recorded for rewriting."""
            raw = holder.raw_get(key) if hasattr(holder, "raw_get") else holder[key]
            if isinstance(raw, IndirectObject):
                if raw.idnum not in touched:
                    touched[raw.idnum] = raw.get_object()
                return touched[raw.idnum]
            return raw

        for page in reader.pages:
            ref = page.indirect_reference
            if ref is None:
                raise _CannotRawCopy("a page that is not an indirect object")
            if ref.idnum in touched:
                raise _CannotRawCopy("one page object used twice")
            touched[ref.idnum] = page
            ops = _stamp_ops(stamp_matrix(_page_box(page), page.rotation))
            if ops not in closers:
                closers[ops] = add(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
            if "/Resources" in page:
                resources = editable(page, "/Resources")
            else:  # inherited from the page tree: give the page its own (shallow) copy
                inherited = page._get_inherited(["/Resources"]) if hasattr(page, "_get_inherited") else None
                if inherited is None:
                    raise _CannotRawCopy("a page without resources")
                resources = DictionaryObject(inherited.get_object())
                page[NameObject("/Resources")] = resources
            if "/XObject" in resources:
                xobjects = editable(resources, "/XObject")
            else:
                xobjects = DictionaryObject()
                resources[NameObject("/XObject")] = xobjects
            xobjects[NameObject(STAMP_NAME)] = IndirectObject(form_num, 0, reader)
            contents = page.raw_get("/Contents") if "/Contents" in page else None
            if contents is None:
                original = []
            elif isinstance(contents, IndirectObject) and isinstance(contents.get_object(), ArrayObject):
                original = list(contents.get_object())
            elif isinstance(contents, ArrayObject):
                original = list(contents)
            else:
                original = [contents]
            page[NameObject("/Contents")] = ArrayObject(
                [IndirectObject(opener, 0, reader), *original, IndirectObject(closers[ops], 0, reader)])

        for num, obj in touched.items():
            new_objects[num] = _serialise(obj)
        # Info: a fresh dictionary holding the old entries plus the request number
        info = DictionaryObject()
        old_info_ref = trailer.raw_get("/Info") if "/Info" in trailer else None
        if old_info_ref is not None:
            for k, v in old_info_ref.get_object().items():
                info[NameObject(k)] = v
        info[NameObject("/PSTRequest")] = TextStringObject(self.number)
        info[NameObject("/Keywords")] = TextStringObject(f"PST softcopy {self.number}")
        if isinstance(old_info_ref, IndirectObject) and old_info_ref.idnum not in new_objects:
            info_num = old_info_ref.idnum
            new_objects[info_num] = _serialise(info)
        else:
            info_num = add(_serialise(info))
        return self._assemble(where, new_objects, next_num, trailer, info_num)

    def _assemble(self, where: dict[int, tuple[str, int]], new_objects: dict[int, bytes], size: int,
                  trailer, info_num: int) -> bytes:
        data, reader = self.data, self.reader
        # object streams whose members were replaced are rebuilt without those members, so no
        # stale copy of a page dictionary stays in the file
        members: dict[int, list[int]] = {}
        for num, (kind, stm) in where.items():
            if kind == "objstm" and num not in new_objects:
                members.setdefault(stm, []).append(num)
        dirty = {stm for num, (kind, stm) in where.items() if kind == "objstm" and num in new_objects}
        rebuilt: dict[int, tuple[bytes, list[int]]] = {}
        for stm in dirty:
            rebuilt[stm] = _rebuild_objstm(reader, stm, set(members.get(stm, [])))
        stream_nums = {stm for kind, stm in where.values() if kind == "objstm"}

        out = io.BytesIO()
        out.write(b"%PDF-" + _version(data).encode() + b"\n%\xe2\xe3\xcf\xd3\n")
        # xref entries: num → (type, field2, field3)
        entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
        old_raw = sorted((off, num) for num, (kind, off) in where.items() if kind == "raw")
        for off, num in old_raw:
            if num in new_objects:
                continue
            if num in stream_nums and num in rebuilt:
                body, kept = rebuilt[num]
                if not kept:
                    continue   # every member replaced: the stream goes
                entries[num] = (1, out.tell(), 0)
                out.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")
                continue
            raw = _raw_object(data, off, num, reader)
            if raw is None:
                continue
            entries[num] = (1, out.tell(), 0)
            out.write(raw)
        for num, (kind, stm) in where.items():
            if kind == "objstm" and num not in new_objects and stm in entries:
                index = reader.xref_objStm[num][1]
                if stm in rebuilt:
                    index = rebuilt[stm][1].index(num)
                entries[num] = (2, stm, index)
        for num in sorted(new_objects):
            entries[num] = (1, out.tell(), 0)
            out.write(b"%d 0 obj\n" % num + new_objects[num] + b"\nendobj\n")
        # the cross-reference stream (it can point into object streams, a classic table cannot)
        xref_num = size
        size += 1
        xref_pos = out.tell()
        entries[xref_num] = (1, xref_pos, 0)
        rows = bytearray()
        for num in range(size):
            t, f2, f3 = entries.get(num, (0, 0, 0))
            rows += bytes((t,)) + f2.to_bytes(5, "big") + f3.to_bytes(2, "big")
        packed = zlib.compress(bytes(rows))
        root = trailer.raw_get("/Root")
        extra = b""
        if "/ID" in trailer:
            ids = trailer["/ID"]
            first = bytes(ids[0].original_bytes if hasattr(ids[0], "original_bytes") else ids[0])
            extra = b" /ID [<%s> <%s>]" % (first.hex().encode(), secrets.token_bytes(16).hex().encode())
        out.write(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 5 2] /Root %d %d R /Info %d 0 R%s /Filter /FlateDecode "
                  b"/Length %d >>\nstream\n" % (xref_num, size, root.idnum, root.generation, info_num, extra,
                                                 len(packed)))
        out.write(packed + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_pos)
        return out.getvalue()


def _version(data: bytes) -> str:
    m = re.match(rb"%PDF-(\d\.\d)", data[:16])
    version = m.group(1).decode() if m else "1.7"
    return version if version >= "1.5" else "1.5"   # cross-reference streams need 1.5


def _raw_object(data: bytes, offset: int, num: int, reader) -> bytes | None:
    """The bytes of object ``num`` at ``offset``: header through ``endobj``, the stream skipped by
    its /Length so binary data that happens to contain "endobj" cannot cut it short."""
    m = _OBJ_HEADER.match(data, offset)
    if m is None or int(m.group(1)) != num:
        raise _CannotRawCopy(f"object {num} is not at its offset")
    start = m.start(1)
    end = data.find(b"endobj", m.end())
    stream_at = data.find(b"stream", m.end(), end if end >= 0 else len(data))
    head = data[m.end():stream_at if stream_at >= 0 else end]
    if re.search(rb"/Type\s*/XRef\b|/Linearized\b", head):
        return None   # the old cross-reference stream / linearisation: meaningless in the new file
    if stream_at >= 0:
        length = _stream_length(data, m.end(), stream_at, reader)
        body = stream_at + len(b"stream")
        body += 2 if data[body:body + 2] == b"\r\n" else 1
        end = data.find(b"endobj", body + length)
    if end < 0:
        raise _CannotRawCopy(f"object {num} has no endobj")
    return data[start:end] + b"endobj\n"


_LENGTH = re.compile(rb"/Length\s+(\d+)(?:\s+(\d+)\s+R)?")


def _stream_length(data: bytes, start: int, stop: int, reader) -> int:
    m = None
    for m in _LENGTH.finditer(data, start, stop):
        pass
    if m is None:
        raise _CannotRawCopy("a stream without /Length")
    if m.group(2) is None:
        return int(m.group(1))
    value = reader.get_object(int(m.group(1)))   # an indirect length (Ghostscript writes them)
    if not isinstance(value, int):
        raise _CannotRawCopy("a stream /Length that is not a number")
    return int(value)


def _rebuild_objstm(reader, stm: int, keep: set[int]) -> tuple[bytes, list[int]]:
    """Object stream ``stm`` without the members not in ``keep``: (object body, kept numbers)."""
    stream = reader.get_object(stm)
    raw = stream.get_data()
    first = int(stream["/First"])
    n = int(stream["/N"])
    head = raw[:first].split()
    pairs = [(int(head[2 * i]), int(head[2 * i + 1])) for i in range(n)]
    kept: list[int] = []
    parts: list[bytes] = []
    for i, (num, off) in enumerate(pairs):
        end = pairs[i + 1][1] if i + 1 < n else len(raw) - first
        if num in keep:
            kept.append(num)
            parts.append(raw[first + off:first + end].strip() + b"\n")
    offsets, pos = [], 0
    for p in parts:
        offsets.append(pos)
        pos += len(p)
    header = b" ".join(b"%d %d" % (num, off) for num, off in zip(kept, offsets)) + b"\n"
    packed = zlib.compress(header + b"".join(parts))
    body = b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(kept), len(header), len(packed)) + packed + b"\nendstream"
    return body, kept


def _stamp_reader(stamp_bytes: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(stamp_bytes))


def _serialise(obj) -> bytes:
    buf = io.BytesIO()
    obj.write_to_stream(buf)
    return buf.getvalue()


def _serialise_tree(obj, reader, add) -> bytes:
    """``obj`` (from the stamp PDF) with each indirect object it reaches added to the output under
    a new number; returns obj's own bytes."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    done: dict[int, int] = {}

    def convert(o):
        if isinstance(o, IndirectObject):
            if o.idnum not in done:
                target = o.get_object()
                converted = convert(target)
                done[o.idnum] = add(_serialise(converted))
            return IndirectObject(done[o.idnum], 0, None)
        if isinstance(o, StreamObject):
            copy = StreamObject()
            for k, v in o.items():
                copy[k] = convert(v)
            copy._data = o._data
            return copy
        if isinstance(o, DictionaryObject):
            copy = DictionaryObject()
            for k, v in o.items():
                copy[k] = convert(v)
            return copy
        if isinstance(o, ArrayObject):
            return ArrayObject(convert(v) for v in o)
        return o

    # DictionaryObject.items() resolves nothing, so indirect references arrive as IndirectObject
    return _serialise(convert(obj))


STAMP_MARKER = "/PSTKioskStamp"     # a private key on the stamp's Form XObject (PDF allows second-class names)


def carries_kiosk_stamp(path: Path) -> bool:
    """True when ``path`` already carries a kiosk stamp (any visitor's): a softcopy, not an original.

    Looks at the document's Info (``/PSTRequest``) and at every Form XObject the pages use,
    nested ones included, for the stamp's marker key (or the fixed ``/PSTStamp`` name older
    kiosks used). Cheap: no page content is decoded. Raises ``DamagedFile`` (or
    ``PasswordProtected``) when the file cannot be opened at all."""
    import pikepdf

    try:
        pdf = pikepdf.Pdf.open(path)
    except pikepdf.PasswordError:
        raise PasswordProtected(f"{path}: needs a password to open",
                                N_("This publication is protected with a password and cannot be sent. "
                                   "Please ask a staff member.")) from None
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise DamagedFile(f"{path}: cannot be read as a PDF ({exc})",
                          N_("This publication's file is damaged and cannot be sent. Please ask a staff "
                             "member.")) from None
    with pdf:
        if "/PSTRequest" in pdf.docinfo:
            return True
        seen: set[tuple[int, int]] = set()
        todo = [page.obj for page in pdf.pages]
        while todo:
            holder = todo.pop()
            resources = holder.get("/Resources")
            xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
            if not isinstance(xobjects, pikepdf.Dictionary):
                continue
            for name, xobj in xobjects.items():
                if name.startswith("/PSTStamp"):
                    return True
                if not isinstance(xobj, pikepdf.Stream) or xobj.get("/Subtype") != pikepdf.Name.Form:
                    continue
                if STAMP_MARKER in xobj:
                    return True
                if xobj.is_indirect:
                    if xobj.objgen in seen:
                        continue
                    seen.add(xobj.objgen)
                todo.append(xobj)
    return False


def pages_of(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


__all__: Iterable[str] = ("Stamp", "StampResult", "WatermarkError", "PasswordProtected", "DamagedFile",
                          "build_stamp_pdf", "carries_kiosk_stamp", "stamp_matrix", "stamp_pdf")
