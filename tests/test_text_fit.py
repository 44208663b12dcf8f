"""kiosk.core.text_fit: titles fitted to a card's lines, ending with "…" when cut (issue 14.8)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from kiosk.core.text_fit import ELLIPSIS, fit_lines, wrap_words


def chars(text: str) -> float:
    """A monospace font: one unit a character."""
    return len(text)


def test_a_text_that_fits_comes_back_unchanged():
    assert fit_lines("Statistik Daerah Kota 2024", 3, 12, chars) == "Statistik Daerah Kota 2024"
    assert wrap_words("Statistik Daerah Kota 2024", 12, chars) == ["Statistik", "Daerah Kota", "2024"]


def test_two_titles_that_begin_alike_no_longer_read_the_same():
    a = "Produk Domestik Regional Bruto Kota Lubuklinggau Menurut Lapangan Usaha 2020-2024"
    b = "Produk Domestik Regional Bruto Kota Lubuklinggau Menurut Pengeluaran 2020-2024"
    fa, fb = fit_lines(a, 3, 20, chars), fit_lines(b, 3, 20, chars)
    assert fa == fb == "Produk Domestik Regional Bruto Kota Lubuklinggau…"   # cut: and it says so
    assert len(wrap_words(fa, 20, chars)) == 3
    assert fit_lines(a, 4, 20, chars).endswith(ELLIPSIS) and fit_lines(a, 5, 20, chars) == a


def test_the_ellipsis_takes_the_place_of_words_that_would_overflow_and_no_dangling_punctuation():
    # the last line "Kota Lubuklinggau," fits; with its comma dropped the ellipsis fits beside it
    fitted = fit_lines("Statistik Daerah: Kota Lubuklinggau, Menurut Kecamatan", 2, 18, chars)
    assert fitted == "Statistik Daerah: Kota Lubuklinggau…"
    # "Kota Lubuklinggaux" fills the line to the last unit: that word makes way for the ellipsis
    fitted = fit_lines("Statistik Daerah: Kota Lubuklinggaux Menurut Kecamatan", 2, 18, chars)
    assert fitted == "Statistik Daerah: Kota…"
    assert all(chars(line) <= 18 for line in wrap_words(fitted, 18, chars))


def test_a_word_wider_than_the_line_is_cut_by_letters():
    assert fit_lines("Kesejahteraanrakyatkotalubuklinggau dalam angka", 1, 10, chars) == "Kesejahte…"


def test_proportional_widths_are_the_callers():
    wide = lambda s: sum(2 if c in "MW" else 1 for c in s)     # noqa: E731 — a font with wide capitals
    assert fit_lines("MMM WWW aaa bbb", 1, 8, wide) == "MMM…"
    assert fit_lines("aaa bbb ccc", 1, 8, wide) == "aaa bbb…"


words = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=9), min_size=1, max_size=30)


@given(words, st.integers(1, 4), st.integers(10, 40))
def test_the_result_always_fits_and_begins_like_the_text(ws, lines, width):
    text = " ".join(ws)
    fitted = fit_lines(text, lines, width, chars)
    wrapped = wrap_words(fitted, width, chars)
    assert len(wrapped) <= lines and all(chars(line) <= width for line in wrapped)
    if fitted != text:
        assert fitted.endswith(ELLIPSIS) and text.startswith(fitted[:-1].rstrip())
