"""English names of BPS subject areas, for the English screens.

A publication's subject is catalogue data, written in Indonesian by the office ("Ketenagakerjaan"),
and the subject chips filter on exactly that text. Only what the visitor reads changes with the
language: the subject areas BPS publishes under get the English names of BPS's English site; a subject
this list does not know is shown as the office wrote it."""
from __future__ import annotations

import re

import unicodedata

SUBJECT_NAMES_EN: dict[str, str] = {
    "statistik umum": "General statistics",
    "ekonomi": "Economy",
    "ekonomi dan perdagangan": "Economy and trade",
    "sosial": "Social",
    "sosial dan kependudukan": "Social and population",
    "sosial budaya": "Social and culture",
    "kependudukan": "Population",
    "penduduk": "Population",
    "ketenagakerjaan": "Employment",
    "tenaga kerja": "Employment",
    "pendidikan": "Education",
    "kesehatan": "Health",
    "kemiskinan": "Poverty",
    "kemiskinan dan ketimpangan": "Poverty and inequality",
    "konsumsi dan pengeluaran": "Consumption and expenditure",
    "perumahan": "Housing",
    "gender": "Gender",
    "agama": "Religion",
    "geografi": "Geography",
    "lingkungan hidup": "Environment",
    "pemerintahan": "Government",
    "politik dan keamanan": "Politics and security",
    "harga": "Prices",
    "inflasi": "Inflation",
    "harga konsumen": "Consumer prices",
    "harga produsen": "Producer prices",
    "harga perdagangan besar": "Wholesale prices",
    "upah": "Wages",
    "industri": "Industry",
    "keuangan": "Finance",
    "perbankan": "Banking",
    "pariwisata": "Tourism",
    "transportasi": "Transport",
    "komunikasi": "Communication",
    "teknologi informasi": "Information technology",
    "energi": "Energy",
    "konstruksi": "Construction",
    "pertambangan": "Mining",
    "perdagangan": "Trade",
    "ekspor-impor": "Exports and imports",
    "ekspor impor": "Exports and imports",
    "produk domestik bruto": "Gross domestic product",
    "produk domestik regional bruto": "Gross regional domestic product",
    "neraca nasional": "National accounts",
    "pertanian": "Agriculture",
    "tanaman pangan": "Food crops",
    "hortikultura": "Horticulture",
    "perkebunan": "Estate crops",
    "peternakan": "Livestock",
    "perikanan": "Fisheries",
    "kehutanan": "Forestry",
}


def _key(subject: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", subject).casefold().split())


def subject_name(subject: str, lang: str) -> str:
    """What the visitor reads for ``subject`` in ``lang`` ("id" shows the catalogue's own text)."""
    if lang != "en":
        return subject
    return SUBJECT_NAMES_EN.get(_key(subject), subject)


SHELF_WORD = re.compile(r"^\s*rak\b\s*", re.IGNORECASE)


def shelf_name(location: str, lang: str) -> str:
    """Where the printed copy stands, in the visitor's language: catalogues write shelves the Indonesian
    way ("Rak B-3"); an English screen says "Shelf B-3". Anything else is shown as written."""
    if lang != "en" or not location:
        return location
    return SHELF_WORD.sub("Shelf ", location, count=1)
