"""What the catalogue search indexes on PostgreSQL: the folded tsvector of a publication. Shared by the
search (``kiosk.core.search``) and the typo vocabulary (``kiosk.core.spelling``), below both of them."""
from __future__ import annotations

_PG_ACCENTED = "áàâäãåāéèêëēíìîïīóòôöõōúùûüūñçýÿ"
_PG_PLAIN = "aaaaaaaeeeeeiiiiioooooouuuuuncyy"


def _pg_folded(expr: str) -> str:
    return f"translate(lower({expr}), '{_PG_ACCENTED}', '{_PG_PLAIN}')"


def postgres_document() -> str:
    """The tsvector of ``publication AS p`` the PostgreSQL search matches (and the spelling's vocabulary reads)."""
    # 'simple' configuration: no stemming in a language the server may not know. Diacritics are folded
    # with translate() on both sides (the unaccent extension is not installed everywhere).
    subject_and_number = _pg_folded("p.subject || ' ' || p.catalogue_number")
    return (f"setweight(to_tsvector('simple', {_pg_folded('p.title')}), 'A')"
            f" || setweight(to_tsvector('simple', {_pg_folded('p.subtitle')}), 'B')"
            f" || setweight(to_tsvector('simple', {subject_and_number}), 'C')"
            f" || setweight(to_tsvector('simple', {_pg_folded('p.abstract')}), 'D')")
