"""Catalogue search: ranking, diacritics, prefixes, filters, hostile queries — on SQLite FTS5
and on a real PostgreSQL server."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from playhouse.shortcuts import model_to_dict

from kiosk.core import search, spelling
from kiosk.core.models import Publication
from helpers import make_runtime
from pg_server import postgres_server, postgres_url  # noqa: F401  (fixtures)

NOW = dt.datetime(2026, 11, 24, 2, 0)


def add(title: str, abstract: str = "", subject: str = "Sosial", year: int = 2024, subtitle: str = "") -> Publication:
    n = Publication.select().count() + 1
    return Publication.create(title=title, subtitle=subtitle, abstract=abstract, subject=subject, year=year,
                              file_path=f"/x/{n}.pdf", content_hash=f"{n:064d}", imported_at=NOW, updated_at=NOW)


def fill() -> dict[str, Publication]:
    return {
        "abstract_hit": add("Statistik Daerah Kota Contoh 2024",
                            "Memuat ringkasan inflasi, kemiskinan, dan pertumbuhan ekonomi.", "Statistik Umum"),
        "title_hit": add("Indikator Inflasi Kota Contoh 2024", "Perkembangan harga konsumen bulanan.", "Harga"),
        "old_inflation": add("Indikator Inflasi Kota Contoh 2019", "Perkembangan harga konsumen.", "Harga", 2019),
        "diacritics": add("Statistik Kesejahteraán Rakyat 2023", "Susenas.", "Sosial", 2023),
        "welfare": add("Profil Kemiskinan Maret 2024", "Kesejahteraan rumah tangga.", "Sosial"),
        "pdrb": add("Produk Domestik Regional Bruto 2020–2024", "Lapangan usaha.", "Ekonomi", 2025),
    }


def titles(pubs) -> list[str]:
    return [p.title for p in pubs]


def check_search(db, pubs: dict[str, Publication]) -> None:
    found = search.search(db, "inflasi")
    # both title hits first, the abstract-only hit last
    assert [p.id for p in found] in ([pubs["title_hit"].id, pubs["old_inflation"].id, pubs["abstract_hit"].id],
                                     [pubs["old_inflation"].id, pubs["title_hit"].id, pubs["abstract_hit"].id])
    # diacritics either way round
    assert pubs["diacritics"].id in {p.id for p in search.search(db, "kesejahteraan")}
    assert pubs["welfare"].id in {p.id for p in search.search(db, "kesejahteraán")}
    # each keystroke a prefix query
    assert {p.id for p in search.search(db, "indikator infl")} == {pubs["title_hit"].id, pubs["old_inflation"].id}
    assert {pubs["pdrb"].id, pubs["welfare"].id} <= {p.id for p in search.search(db, "p")}   # first keystroke
    assert {p.id for p in search.search(db, "produk dom")} == {pubs["pdrb"].id}
    # every word must match; two words
    assert titles(search.search(db, "inflasi 2024")) == ["Indikator Inflasi Kota Contoh 2024",
                                                          "Statistik Daerah Kota Contoh 2024"]
    # filters
    assert titles(search.search(db, "inflasi", subject="Harga", year=2019)) == ["Indikator Inflasi Kota Contoh 2019"]
    assert titles(search.search(db, "", subject="Ekonomi")) == ["Produk Domestik Regional Bruto 2020–2024"]
    assert titles(search.search(db, "", year=2023)) == ["Statistik Kesejahteraán Rakyat 2023"]
    # empty query = newest first
    assert search.search(db, "  ")[0].id == pubs["pdrb"].id
    # FTS syntax from a visitor never raises and is read as words
    for hostile in ('"', '"inflasi', "inflasi*", "-inflasi", "inflasi NEAR harga", "NEAR(inflasi harga)",
                    "inflasi OR", "AND", "title:inflasi", "(", "^infl", "'; DROP TABLE publication; --", "*"):
        search.search(db, hostile)
    assert {p.id for p in search.search(db, '"inflasi*')} == {p.id for p in search.search(db, "inflasi")}
    assert search.search(db, "inflasi NEAR") == []       # NEAR is a word no title holds


def test_search_on_sqlite_fts5(runtime):
    check_search(runtime.db, fill())


def test_index_follows_updates_and_deletes(runtime):
    pubs = fill()
    pub = pubs["pdrb"]
    pub.title = "Pendapatan Regional 2025"
    pub.save()
    assert search.search(runtime.db, "bruto") == []
    assert titles(search.search(runtime.db, "pendapatan")) == ["Pendapatan Regional 2025"]
    pub.delete_instance()
    assert search.search(runtime.db, "pendapatan") == []


def test_every_prefix_length_finds_the_word(runtime):
    """Prefixes up to 20 bytes have their own FTS5 index; longer ones are merged from the terms: both find."""
    long_word = "Pertanggungjawabannya"                        # 21 letters
    longer = "Antidisestablishmentarianisme"                # 29 letters, beyond every prefix index
    pub = add(f"Laporan {long_word} Keuangan 2024", f"Kata {longer}.")
    add("Laporan Kinerja 2024", "Pertanian.")
    for word in (long_word, longer):
        for n in range(1, len(word) + 1):
            assert pub.id in {p.id for p in search.search(runtime.db, word[:n])}, word[:n]
    assert [p.id for p in search.search(runtime.db, "laporan pertanggungjawaban")] == [pub.id]
    assert [p.id for p in search.search(runtime.db, "antidisestablishmentarianismes")] == []


def test_results_are_publications_as_peewee_loads_them(runtime):
    """search builds its Publication objects itself (faster than peewee's raw()); they must be the same."""
    fill()
    sql = "SELECT p.* FROM publication AS p ORDER BY p.id"
    by_peewee = list(Publication.raw(sql))
    ours = search._publications(runtime.db.execute_sql(sql))
    assert [model_to_dict(p) for p in ours] == [model_to_dict(p) for p in by_peewee]
    assert isinstance(ours[0].imported_at, dt.datetime) and ours[0].softcopy_allowed is True
    found = search.search(runtime.db, "inflasi")[0]
    assert model_to_dict(found) == model_to_dict(Publication.get_by_id(found.id))
    found.title = "Indikator Inflasi (revisi)"        # saving a search result works as for any record
    found.save()
    assert Publication.get_by_id(found.id).title == "Indikator Inflasi (revisi)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list('ab "*-:()^+.,\'é_') + ["NEAR", " OR ", " AND ", "NOT", "inflasi"]),
                max_size=12).map("".join))
def test_any_typed_text_searches_without_error(runtime, text):
    if Publication.select().count() == 0:
        fill()
    search.search(runtime.db, text)


@pytest.mark.postgres
def test_search_on_postgresql(tmp_path, clock, postgres_url):  # noqa: F811
    rt = make_runtime(tmp_path, clock=clock,
                      replace={'url = "sqlite:///data/kiosk.db"': f'url = "{postgres_url}"'})
    try:
        assert rt.db.__class__.__name__ == "KioskPostgresqlDatabase"
        pubs = fill()
        found = search.search(rt.db, "inflasi")
        assert found[0].id == pubs["title_hit"].id and found[-1].id == pubs["abstract_hit"].id   # newer first on a tie
        assert pubs["diacritics"].id in {p.id for p in search.search(rt.db, "kesejahteraan")}
        assert {p.id for p in search.search(rt.db, "produk dom")} == {pubs["pdrb"].id}
        assert titles(search.search(rt.db, "inflasi", subject="Harga", year=2019)) == \
            ["Indikator Inflasi Kota Contoh 2019"]
        for hostile in ('"', "inflasi:*", "a & b | !c", "(", "'; DROP TABLE publication; --", "<->"):
            search.search(rt.db, hostile)
        # typos: the vocabulary from the server's own tsvectors (ts_stat), the same nearest words
        population = add("Statistik Kependudukan Kota Contoh 2024", "Proyeksi penduduk.", "Kependudukan")
        poor = add("Jumlah Penduduk Miskin 2023", "Garis kemiskinan.", "Sosial", 2023)
        spelling.forget(rt.db)      # as an import does: the hostile words above already read the vocabulary
        found = search.find(rt.db, "kepndudukn")
        assert [p.id for p in found.publications] == [population.id] and found.suggestion == "kependudukan"
        found = search.find(rt.db, "inflsi 2024")
        assert found.publications[0].id == pubs["title_hit"].id and found.suggestion == "inflasi 2024"
        found = search.find(rt.db, "miskin penduduk")
        assert [p.id for p in found.publications] == [poor.id] and found.suggestion == ""
    finally:
        rt.close()


# --- typos (issue 14.8) ---

def fill_for_typos() -> dict[str, Publication]:
    pubs = fill()
    pubs["population"] = add("Statistik Kependudukan Kota Contoh 2024", "Proyeksi penduduk menurut umur.",
                             "Kependudukan")
    pubs["poor"] = add("Jumlah Penduduk Miskin Kota Contoh 2023", "Garis kemiskinan dan penduduk miskin.",
                       "Sosial", 2023)
    return pubs


def test_a_mistyped_word_finds_what_it_means_with_a_suggestion(runtime):
    pubs = fill_for_typos()
    found = search.find(runtime.db, "kependudukn")
    assert [p.id for p in found.publications] == [pubs["population"].id]
    assert found.suggestion == "kependudukan"
    found = search.find(runtime.db, "inflsi 2024")
    assert titles(found.publications) == ["Indikator Inflasi Kota Contoh 2024", "Statistik Daerah Kota Contoh 2024"]
    assert found.suggestion == "inflasi 2024"
    # two typos in one word, a swapped pair of letters, and diacritics folded before the spelling is checked
    for typed in ("kepndudukn", "kpendudukan", "kependuudkan", "kepéndudukn"):
        found = search.find(runtime.db, typed)
        assert [p.id for p in found.publications] == [pubs["population"].id], typed
        assert found.suggestion == "kependudukan", typed
    assert search.search(runtime.db, "inflsi 2024") == search.find(runtime.db, "inflsi 2024").publications


def test_words_in_any_order_and_no_suggestion_for_correct_words(runtime):
    pubs = fill_for_typos()
    for typed in ("penduduk miskin", "miskin penduduk", "MISKIN  penduduk", "miskin pendu"):
        found = search.find(runtime.db, typed)
        assert [p.id for p in found.publications] == [pubs["poor"].id], typed
        assert found.suggestion == "", typed
    for typed in ("kependudukan", "inflasi", "infl", "kesejahteraán", "2024", "produk dom"):
        found = search.find(runtime.db, typed)
        assert found.publications and found.suggestion == "", typed
    # a mistyped word beside a correct one: only the typo is corrected
    found = search.find(runtime.db, "penduduk miskn")
    assert [p.id for p in found.publications] == [pubs["poor"].id] and found.suggestion == "penduduk miskin"


def test_no_suggestion_that_finds_nothing_or_guesses_too_far(runtime):
    fill_for_typos()
    # every word known, nothing matches them together (or with the filter): no typo to correct
    assert search.find(runtime.db, "kependudukan inflasi") == search.Found()
    assert search.find(runtime.db, "inflasi", subject="Sosial", year=2019) == search.Found()
    # three typos, short words and numbers are never guessed
    for typed in ("kpnddukn", "qinf", "zzz", "2031", "xqzwvb"):
        assert search.find(runtime.db, typed) == search.Found(), typed
    # the corrected words still have to meet the filters
    assert search.find(runtime.db, "kependudukn", subject="Harga") == search.Found()


def test_the_vocabulary_follows_imports(runtime):
    fill_for_typos()
    assert search.find(runtime.db, "pertanain").suggestion == ""
    add("Statistik Pertanian 2024", "Luas panen.", "Pertanian")
    # a search that finds nothing rechecks the catalogue at most every RECHECK_S seconds
    spelling.vocabulary(runtime.db, now=time.monotonic() + spelling.RECHECK_S)
    found = search.find(runtime.db, "pertanain")
    assert titles(found.publications) == ["Statistik Pertanian 2024"] and found.suggestion == "pertanian"


def test_spelling_distance_and_deletions():
    assert spelling.distance("inflsi", "inflasi", 2) == 1
    assert spelling.distance("kependuudkan", "kependudukan", 2) == 1       # a swapped pair is one edit
    assert spelling.distance("kpnddukn", "kependudukan", 2) == 3           # above the limit: limit + 1
    assert spelling.deletions("abc", 2) == {"abc", "ab", "ac", "bc", "a", "b", "c"}
    assert [spelling.edits_allowed(w) for w in ("dan", "miskn", "inflasi", "2024", "x" * 21)] == [0, 1, 2, 0, 0]


def test_a_word_still_being_typed_with_a_typo_finds_its_words(runtime):
    """Each keystroke: once the typed letters stop starting any word, the typo is found where recognition stopped."""
    pubs = fill_for_typos()
    for typed in ("kesejahtr", "kesjahte", "kependuk", "kependuduka", "inflas", "inlf", "indiaktor infl"):
        found = search.find(runtime.db, typed)
        assert found.publications, typed
    found = search.find(runtime.db, "kesejahtr")             # 'e' left out, word not finished
    assert {p.id for p in found.publications} == {pubs["diacritics"].id, pubs["welfare"].id}
    assert found.suggestion == "kesejahteraan"
    found = search.find(runtime.db, "kpendud")               # two typos: 'e' left out, and swapped below
    assert [p.id for p in found.publications] == [pubs["population"].id] and found.suggestion == "kependudukan"
    found = search.find(runtime.db, "indiaktor infl")
    assert {p.id for p in found.publications} == {pubs["title_hit"].id, pubs["old_inflation"].id}
    assert found.suggestion == "indikator infl"


def test_a_database_made_before_the_vocabulary_view_gets_it(runtime):
    """fts5vocab is a view of the index: a database from before it is given one on the first typo, nothing lost."""
    pubs = fill_for_typos()
    runtime.db.execute_sql("DROP TABLE publication_vocab")
    spelling.forget(runtime.db)
    found = search.find(runtime.db, "kependudukn")
    assert [p.id for p in found.publications] == [pubs["population"].id] and found.suggestion == "kependudukan"


def test_a_reimport_that_changes_a_title_is_found_with_a_typo_at_once(runtime, tmp_path):
    # the typo vocabulary noticed only new publications: a corrected title waited for a restart
    from kiosk.core import catalog_import
    from pdf_helpers import make_titled_pdf

    folder = tmp_path / "in"
    folder.mkdir()
    make_titled_pdf(folder / "a.pdf", "Statistik Perikanan 2024", 2)
    catalog_import.import_directory(runtime.settings, runtime.clock, folder)
    assert search.find(runtime.db, "zzqxy").publications == []          # the vocabulary is read now
    (folder / "a.json").write_text('{"title": "Statistik Kehutanan 2024"}')
    report = catalog_import.import_directory(runtime.settings, runtime.clock, folder)
    assert report.updated
    found = search.find(runtime.db, "kehutnan")
    assert found.suggestion == "kehutanan" and [p.title for p in found.publications] == ["Statistik Kehutanan 2024"]


def test_the_cli_search_says_which_spelling_it_used(runtime, tmp_path, capsys):
    from kiosk.cli import main
    from kiosk.core import catalog_import
    from pdf_helpers import make_titled_pdf

    folder = tmp_path / "in"
    folder.mkdir()
    make_titled_pdf(folder / "a.pdf", "Statistik Kependudukan 2024", 2)
    catalog_import.import_directory(runtime.settings, runtime.clock, folder)
    assert main(["--config", str(runtime.config_path), "catalog", "search", "kependudukn"]) == 0
    out = capsys.readouterr()
    assert "Kependudukan" in out.out and "showing results for: kependudukan" in out.err
