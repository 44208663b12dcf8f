"""The stamp's drawing: a one-page PDF made with reportlab, placed on every page by ``watermark``.

A diagonal, semi-transparent block with the visitor's name, e-mail, local date-time and the
request number, and a footer line naming the office. Any name must stay legible and on the page:

* **Fonts.** Noto Sans and Noto Sans Arabic ship in ``assets/fonts`` (OFL, ~750 KB together:
  Latin incl. Vietnamese, Greek, Cyrillic, Arabic incl. the Jawi letters). Chinese, Japanese and
  Korean need a large font, so the system's is used when installed (Debian ``fonts-wqy-microhei``,
  or ``fonts-droid-fallback``; ``scripts/ensure-test-system.sh`` installs the first). Each
  character is drawn with the first font that has it; one no font has becomes ``?`` and is
  logged, never an exception. Fonts are embedded as subsets (a few KB per stamp).
* **Arabic script** is joined (``arabic_reshaper``: presentation forms) and put in visual order
  (``python-bidi``) before drawing, since a PDF text operator draws glyphs left to right as given.
* **Fit.** The lines are centred on the page's diagonal. The largest size at which every line
  fits inside the page (less a margin) is used, down to ``MIN_UNWRAPPED``; below it, long lines
  are wrapped (at spaces, else anywhere) and the size goes on shrinking until the block fits.
"""
from __future__ import annotations

import io
import logging
import math
import threading
import unicodedata
from pathlib import Path

log = logging.getLogger(__name__)

STAMP_W, STAMP_H = 595.2756, 841.8898     # A4 portrait, in points
MARGIN = 18.0                             # kept clear along every edge of the stamp's page
MAX_SIZE, MIN_UNWRAPPED, MIN_SIZE = 40.0, 16.0, 4.0
LEADING = 1.25
ASCENT, DESCENT = 1.07, 0.3               # of the font size, generous for accents and CJK
MAX_CHARS = 300

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
# (reportlab name, file, subfont index); the first two ship with the kiosk, the rest are optional
BUNDLED = (("PSTSans", FONT_DIR / "NotoSans-Regular.ttf", 0),
           ("PSTSansArabic", FONT_DIR / "NotoSansArabic-Regular.ttf", 0))
SYSTEM = (("PSTSansCJK", Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
          ("PSTSansCJK", Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0))

_lock = threading.Lock()
_fonts: list[tuple[str, set[int]]] | None = None     # registered (name, code points), in order of use
_cjk_loaded = False


def _register(name: str, path: Path, index: int) -> set[int] | None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(name, str(path), subfontIndex=index)
    except (OSError, TTFError) as exc:
        log.warning("stamp font %s not usable (%s)", path, exc)
        return None
    pdfmetrics.registerFont(font)
    return set(font.face.charToGlyph)


def _chain(need_more: bool) -> list[tuple[str, set[int]]]:
    """The fonts, registered once per process; the large CJK one only when a text needs it."""
    global _fonts, _cjk_loaded
    with _lock:
        if _fonts is None:
            _fonts = []
            for name, path, index in BUNDLED:
                cps = _register(name, path, index)
                if cps is None:
                    raise FileNotFoundError(f"the kiosk's own stamp font is missing: {path}")
                _fonts.append((name, cps))
        if need_more and not _cjk_loaded:
            _cjk_loaded = True
            for name, path, index in SYSTEM:
                if path.exists():
                    cps = _register(name, path, index)
                    if cps is not None:
                        _fonts.append((name, cps))
                        break
            else:
                log.warning("no CJK font installed (apt-get install fonts-wqy-microhei): such names "
                            "are stamped as '?'")
        return _fonts


def _clean(text: str) -> str:
    """Control characters as spaces, lone surrogates (undecodable bytes of a command line) as '?', and
    at most ``MAX_CHARS`` (the form allows 120 for a name, 254 for an address; the layout's cost grows
    with the length)."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS - 1] + "…"
    return "".join(" " if unicodedata.category(ch) == "Cc" else "?" if unicodedata.category(ch) == "Cs" else ch
                   for ch in text)


def _is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _visual(text: str) -> str:
    """Arabic-script text joined and in display order; other text as it is."""
    if not _is_rtl(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return get_display(arabic_reshaper.reshape(text))


def _runs(text: str) -> list[tuple[str, str]]:
    """``text`` (visual order) cut into (font name, piece) runs; characters no font has → '?'."""
    chain = _chain(False)
    if any(not any(ord(ch) in cps for _n, cps in chain) for ch in text if not ch.isspace()):
        chain = _chain(True)
    runs: list[tuple[str, str]] = []
    for ch in text:
        if ch.isspace() and runs:
            font = runs[-1][0]          # spaces go with the run they sit in
        else:
            font = next((n for n, cps in chain if ord(ch) in cps), None)
            if font is None:
                log.info("stamp: no font for U+%04X, drawn as '?'", ord(ch))
                font, ch = chain[0][0], "?"
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def _width(runs: list[tuple[str, str]], size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(piece, font, size) for font, piece in runs)


class _Line:
    """One line of the stamp: its logical text, display runs and width at 1 pt."""

    def __init__(self, text: str, bold: bool):
        self.text, self.bold = _clean(text), bold
        self.runs = _runs(_visual(self.text))
        self.unit = _width(self.runs, 1.0)
        self._advances: list[float] | None = None

    @property
    def advances(self) -> list[float]:
        if self._advances is None:
            self._advances = _advances(self.text)
        return self._advances


# --- geometry of the diagonal block ---

_ANGLE = math.atan2(STAMP_H, STAMP_W)
_COS, _SIN = math.cos(_ANGLE), math.sin(_ANGLE)


def room(v: float) -> float:
    """The longest line (pt) on the diagonal, centred, at distance ``v`` from it, inside the margins.

    A corner (±L/2, v) of the line lands at x = ±L/2·cos − v·sin, y = ±L/2·sin + v·cos."""
    half_w, half_h = STAMP_W / 2 - MARGIN, STAMP_H / 2 - MARGIN
    v = abs(v)
    return max(0.0, 2 * min((half_w - v * _SIN) / _COS, (half_h - v * _COS) / _SIN))


def _baselines(count: int, size: float) -> list[float]:
    lead = size * LEADING
    top = lead * (count - 1) / 2
    return [top - n * lead - size / 3 for n in range(count)]


def _fits(lines: list[_Line], size: float) -> bool:
    for line, y in zip(lines, _baselines(len(lines), size)):
        band = max(abs(y - DESCENT * size), abs(y + ASCENT * size))
        if line.unit * size > room(band):
            return False
    return True


def _advances(text: str) -> list[float]:
    """Each character's width at 1 pt in the font it is drawn with (``_runs`` keeps one per character)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return [stringWidth(ch, font, 1.0) for font, piece in _runs(text) for ch in piece]


def _wrap(line: _Line, limit: float) -> list[_Line]:
    """``line`` cut into lines no wider than ``limit`` (pt at 1 pt size): at spaces, else anywhere.
    One pass over the characters, so a hostile 2,000-character name costs milliseconds, not seconds."""
    if line.unit <= limit:
        return [line]
    text, adv = line.text, line.advances
    pieces: list[str] = []
    start, n = 0, len(text)
    while start < n:
        while start < n and text[start].isspace():
            start += 1
        end, width, last_space = start, 0.0, -1
        while end < n and width + adv[end] <= limit:
            if text[end].isspace():
                last_space = end
            width += adv[end]
            end += 1
        if end < n and not text[end].isspace() and last_space > start:
            end = last_space                  # break at the last space that fits
        end = max(end, start + 1)             # a character wider than the line goes on its own
        pieces.append(text[start:end].rstrip())
        start = end
    return [_Line(p, line.bold) for p in pieces if p]


def layout(texts: list[str], bold: tuple[int, ...] = ()) -> tuple[list[_Line], float]:
    """The lines to draw and their size: as large as fits, wrapping only below ``MIN_UNWRAPPED``."""
    lines = [_Line(t, n in bold) for n, t in enumerate(texts)]
    size = MAX_SIZE
    while size >= MIN_UNWRAPPED:
        if _fits(lines, size):
            return lines, size
        size -= 0.5
    wrapped = lines
    while size > MIN_SIZE:
        count = len(lines)
        for _ in range(40):       # the narrowest room the block will have, until the count settles
            band = (count - 1) * size * LEADING / 2 + size / 3 + ASCENT * size
            wrapped = [w for line in lines for w in _wrap(line, room(band) / size)]
            if len(wrapped) <= count:
                break
            count = len(wrapped)
        if _fits(wrapped, size):
            return wrapped, size
        size -= 0.5
    return wrapped, MIN_SIZE


def draw_stamp(lines: list[str], footer: str, bold: tuple[int, ...] = ()) -> bytes:
    """A one-page PDF (STAMP_W × STAMP_H) holding only the stamp; ``bold`` line indexes are outlined."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(STAMP_W, STAMP_H), pageCompression=1)
    c.setTitle("PST stamp")
    drawn, size = layout(lines, bold)
    c.saveState()
    c.translate(STAMP_W / 2, STAMP_H / 2)
    c.rotate(math.degrees(_ANGLE))
    c.setFillColorRGB(0.55, 0.1, 0.1)
    c.setStrokeColorRGB(0.55, 0.1, 0.1)
    c.setFillAlpha(0.22)
    c.setStrokeAlpha(0.22)
    c.setLineWidth(size * 0.04)
    for line, y in zip(drawn, _baselines(len(drawn), size)):
        _draw_runs(c, line.runs, -line.unit * size / 2, y, size, mode=2 if line.bold else 0, text=line.text)
    c.restoreState()
    # footer: readable, not transparent, on a light band so it shows on dark covers too
    foot = _Line(footer, False)
    fsize = min(8.0, (STAMP_W - 40) / (foot.unit or 1))
    c.setFillColorRGB(1, 1, 1)
    c.setFillAlpha(0.75)
    c.rect(0, 6, STAMP_W, fsize + 8, stroke=0, fill=1)
    c.setFillAlpha(1)
    c.setFillColorRGB(0.25, 0.25, 0.25)
    _draw_runs(c, foot.runs, (STAMP_W - foot.unit * fsize) / 2, 10 + fsize * 0.2, fsize, mode=0, text=footer)
    c.showPage()
    c.save()
    return buf.getvalue()


def _draw_runs(c, runs: list[tuple[str, str]], x: float, y: float, size: float, mode: int,
               text: str | None = None) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    # the line's logical text as /ActualText, so search and copy-paste give the name as typed,
    # not the joined, reordered glyphs drawn for Arabic script
    actual = "".join(piece for _f, piece in runs) if text is None else text
    c.addLiteral("/Span <</ActualText <FEFF%s>>> BDC" % actual.encode("utf-16-be").hex().upper())
    for font, piece in runs:
        c.setFont(font, size)
        c.drawString(x, y, piece, mode=mode)    # mode 2 = fill and outline: a bold look from one font
        x += stringWidth(piece, font, size)
    c.addLiteral("EMC")
