"""A text fitted to a few lines of a given width, ending with "…" when it is longer (issue 14.8).

Kivy's ``shorten`` cuts a single line only and ``max_lines`` cuts without a sign, so two long titles that
begin alike ("Produk Domestik Regional Bruto Kota … Menurut Lapangan Usaha" / "… Menurut Pengeluaran") read
the same. This wraps by words the way a label does and, when more lines would be needed, ends the last
kept line with an ellipsis. How wide a piece of text is comes from the caller (the UI measures with the
label's own font), so the rule stays plain Python and is tested without a window.
"""
from __future__ import annotations

from typing import Callable

ELLIPSIS = "…"
#: not left dangling before the ellipsis ("Menurut:…", "Kota,…")
_TRAILING = " ,;:-–—/(&"

Measure = Callable[[str], float]


def wrap_words(text: str, width: float, measure: Measure) -> list[str]:
    """Greedy word wrap: each line takes words while they fit; a word wider than a line gets a line of its own."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def fit_lines(text: str, max_lines: int, width: float, measure: Measure) -> str:
    """``text`` if it wraps into ``max_lines`` lines of ``width``, else its first lines ending with "…"."""
    if max_lines < 1 or width <= 0:
        return text
    lines = wrap_words(text, width, measure)
    if len(lines) <= max_lines:
        return text
    kept, last = lines[:max_lines - 1], lines[max_lines - 1]
    words = last.split()
    while words:
        head = " ".join(words).rstrip(_TRAILING)
        if head and measure(head + ELLIPSIS) <= width:
            return " ".join(kept + [head + ELLIPSIS])
        words.pop()
    # not one word of the last line fits beside the ellipsis: cut that word by letters
    cut = last
    while cut and measure(cut + ELLIPSIS) > width:
        cut = cut[:-1]
    return " ".join(kept + [cut.rstrip(_TRAILING) + ELLIPSIS])
