"""A demo catalogue: ~24 BPS-style publications drawn with reportlab, then imported.

So a newcomer (or a kiosk on the day it is installed) sees a real library: covers, tables,
charts, 20–300 pages, some on a shelf, some read-only. Each document draws its table, chart
and text pages once as Form XObjects and reuses them on every page, which keeps the ~2,400
pages of the whole set to a few seconds and a few MB. Output is deterministic (reportlab's
invariant mode), so running the demo twice updates the same records.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kiosk.core import catalog, catalog_import
from kiosk.core.clock import Clock
from kiosk.core.config import Settings

REGION = "Kota Lubuklinggau"
OFFICE = "BADAN PUSAT STATISTIK KOTA LUBUKLINGGAU"


@dataclass(frozen=True)
class DemoPublication:
    title: str
    subject: str
    year: int
    pages: int
    catalogue_number: str
    abstract: str
    hardcopy_location: str = ""
    read_only: bool = False
    subtitle: str = ""
    colour: str = "#0B4F8A"


def _pub(title, subject, year, pages, cat, abstract, shelf="", read_only=False, subtitle="", colour="#0B4F8A"):
    return DemoPublication(title, subject, year, pages, cat, abstract, shelf, read_only, subtitle, colour)


PUBLICATIONS: tuple[DemoPublication, ...] = (
    _pub(f"{REGION} Dalam Angka 2025", "Statistik Umum", 2025, 300, "1102001.1674",
         "Gambaran umum Kota Lubuklinggau: geografi, pemerintahan, penduduk, ketenagakerjaan, pendidikan, "
         "kesehatan, pertanian, industri, perdagangan, harga, dan pendapatan regional.", "Rak A-1",
         subtitle="Lubuklinggau Municipality in Figures 2025"),
    _pub(f"{REGION} Dalam Angka 2024", "Statistik Umum", 2024, 280, "1102001.1674",
         "Data statistik sektoral Kota Lubuklinggau tahun 2023 dalam satu buku rujukan.", "Rak A-1",
         subtitle="Lubuklinggau Municipality in Figures 2024"),
    _pub("Provinsi Sumatera Selatan Dalam Angka 2025", "Statistik Umum", 2025, 220, "1102001.16",
         "Ringkasan data statistik Provinsi Sumatera Selatan menurut kabupaten/kota.", "Rak A-2",
         colour="#14532D"),
    _pub(f"Statistik Kesejahteraan Rakyat {REGION} 2024", "Sosial", 2024, 120, "4101002.1674",
         "Indikator kesejahteraan rakyat hasil Survei Sosial Ekonomi Nasional (Susenas): kependudukan, "
         "kesehatan, pendidikan, perumahan, dan pola konsumsi rumah tangga.", "Rak B-3", colour="#7C2D12"),
    _pub(f"Indikator Inflasi {REGION} 2024", "Harga", 2024, 40, "7102003.1674",
         "Perkembangan Indeks Harga Konsumen (IHK) dan inflasi bulanan, tahun kalender, dan tahunan menurut "
         "kelompok pengeluaran.", colour="#9A3412"),
    _pub("Statistik Harga Konsumen Perdesaan Sumatera Selatan 2024", "Harga", 2024, 64, "7202003.16",
         "Harga eceran barang dan jasa di perdesaan serta nilai tukar petani.", read_only=True, colour="#9A3412"),
    _pub(f"Produk Domestik Regional Bruto {REGION} Menurut Lapangan Usaha 2020–2024", "Ekonomi", 2025, 110,
         "9302008.1674", "PDRB atas dasar harga berlaku dan harga konstan 2010 menurut 17 lapangan usaha, "
         "laju pertumbuhan ekonomi, dan struktur perekonomian.", "Rak C-1", colour="#1E3A8A"),
    _pub(f"Produk Domestik Regional Bruto {REGION} Menurut Pengeluaran 2020–2024", "Ekonomi", 2025, 90,
         "9302009.1674", "PDRB menurut komponen pengeluaran: konsumsi rumah tangga, pemerintah, investasi, "
         "dan ekspor-impor.", colour="#1E3A8A"),
    _pub("Keadaan Angkatan Kerja di Sumatera Selatan Agustus 2024", "Ketenagakerjaan", 2024, 150,
         "2303003.16", "Hasil Survei Angkatan Kerja Nasional (Sakernas): tingkat partisipasi angkatan kerja, "
         "tingkat pengangguran terbuka, dan penduduk bekerja menurut lapangan pekerjaan.", "Rak B-1",
         colour="#4C1D95"),
    _pub(f"Profil Kemiskinan {REGION} Maret 2024", "Sosial", 2024, 24, "3205014.1674",
         "Jumlah dan persentase penduduk miskin, garis kemiskinan, serta indeks kedalaman dan keparahan "
         "kemiskinan.", colour="#7C2D12"),
    _pub(f"Indeks Pembangunan Manusia {REGION} 2024", "Sosial", 2024, 60, "4102002.1674",
         "Capaian pembangunan manusia: umur harapan hidup, harapan lama sekolah, rata-rata lama sekolah, "
         "dan pengeluaran per kapita yang disesuaikan.", "Rak B-3", colour="#7C2D12"),
    _pub(f"Statistik Daerah {REGION} 2024", "Statistik Umum", 2024, 36, "1101002.1674",
         "Analisis ringkas perkembangan pembangunan Kota Lubuklinggau berdasarkan data statistik terkini."),
    _pub("Kecamatan Lubuklinggau Timur I Dalam Angka 2024", "Statistik Umum", 2024, 80, "1102001.1674010",
         "Data statistik tingkat kecamatan: wilayah, penduduk, sosial, dan ekonomi per kelurahan.", "Rak A-3"),
    _pub("Kecamatan Lubuklinggau Barat I Dalam Angka 2024", "Statistik Umum", 2024, 76, "1102001.1674020",
         "Data statistik tingkat kecamatan: wilayah, penduduk, sosial, dan ekonomi per kelurahan.", "Rak A-3"),
    _pub(f"Penduduk {REGION} Hasil Sensus Penduduk 2020", "Kependudukan", 2021, 130, "2102012.1674",
         "Jumlah, sebaran, komposisi umur dan jenis kelamin, serta laju pertumbuhan penduduk hasil SP2020.",
         "Rak B-2", read_only=True, colour="#0F766E"),
    _pub(f"Proyeksi Penduduk {REGION} 2020–2035", "Kependudukan", 2023, 54, "2101018.1674",
         "Proyeksi jumlah penduduk menurut kelompok umur dan jenis kelamin berdasarkan hasil SP2020.",
         colour="#0F766E"),
    _pub("Hasil Pencacahan Lengkap Sensus Pertanian 2023 Tahap II", "Pertanian", 2024, 180, "5106004.1674",
         "Usaha pertanian perorangan menurut subsektor, karakteristik petani, dan penguasaan lahan.",
         "Rak C-4", colour="#3F6212"),
    _pub(f"Statistik Tanaman Pangan {REGION} 2023", "Pertanian", 2024, 48, "5203011.1674",
         "Luas panen, produksi, dan produktivitas padi serta palawija menurut kecamatan.", colour="#3F6212"),
    _pub(f"Statistik Pendidikan {REGION} 2024", "Pendidikan", 2024, 70, "4301003.1674",
         "Angka partisipasi sekolah, angka melek huruf, dan fasilitas pendidikan menurut jenjang.",
         colour="#155E75"),
    _pub(f"Profil Kesehatan Ibu dan Anak {REGION} 2024", "Kesehatan", 2024, 56, "4201004.1674",
         "Pemeriksaan kehamilan, penolong persalinan, imunisasi, dan pemberian ASI.", read_only=True,
         colour="#BE185D"),
    _pub(f"Statistik Perumahan dan Permukiman {REGION} 2024", "Sosial", 2024, 44, "4401004.1674",
         "Kualitas dan akses rumah tangga terhadap perumahan layak, air minum, dan sanitasi.", colour="#7C2D12"),
    _pub(f"Statistik Keuangan Pemerintah Daerah {REGION} 2023–2024", "Keuangan", 2024, 66, "7303003.1674",
         "Realisasi pendapatan dan belanja pemerintah kota menurut jenis.", "Rak C-2", colour="#374151"),
    _pub("Direktori Industri Pengolahan Sumatera Selatan 2024", "Industri", 2024, 260, "6104002.16",
         "Daftar nama dan alamat perusahaan industri pengolahan besar dan sedang menurut KBLI.",
         read_only=True, colour="#374151"),
    _pub(f"Statistik Hotel dan Akomodasi Lainnya {REGION} 2024", "Pariwisata", 2024, 20, "8401005.1674",
         "Tingkat penghunian kamar, rata-rata lama menginap tamu, dan jumlah akomodasi.", colour="#B45309"),
)

BLUE = HexColor("#0B4F8A")
GREY = HexColor("#5B6775")
LIGHT = HexColor("#E8EEF5")


def _words(rng: random.Random, n: int) -> str:
    vocab = ("penduduk", "rumah tangga", "kecamatan", "kelurahan", "persentase", "tahun", "menurut", "jumlah",
             "indikator", "pertumbuhan", "data", "survei", "hasil", "sosial", "ekonomi", "wilayah", "rata-rata",
             "meningkat", "dibandingkan", "sebesar", "periode", "statistik", "angka", "tercatat", "pada")
    return " ".join(rng.choice(vocab) for _ in range(n))


def _table_form(c: Canvas, name: str, rng: random.Random) -> None:
    w, h = A4
    c.beginForm(name)
    x0, y0, col_w, row_h = 60, h - 190, (w - 120) / 6, 22
    c.setFillColor(BLUE)
    c.rect(x0, y0 - row_h, w - 120, row_h, stroke=0, fill=1)
    c.setFillColor(white)
    c.setFont("Helvetica-Bold", 8.5)
    for i, head in enumerate(("Kecamatan", "2020", "2021", "2022", "2023", "2024")):
        c.drawString(x0 + 6 + i * col_w, y0 - 15, head)
    c.setFont("Helvetica", 8.5)
    places = ("Lubuklinggau Barat I", "Lubuklinggau Barat II", "Lubuklinggau Selatan I", "Lubuklinggau Selatan II",
              "Lubuklinggau Timur I", "Lubuklinggau Timur II", "Lubuklinggau Utara I", "Lubuklinggau Utara II")
    for r in range(24):
        y = y0 - row_h * (r + 2)
        if r % 2:
            c.setFillColor(LIGHT)
            c.rect(x0, y, w - 120, row_h, stroke=0, fill=1)
        c.setFillColor(HexColor("#1B2733"))
        c.drawString(x0 + 6, y + 7, places[r % len(places)] if r < 23 else "Jumlah")
        base = rng.randint(1200, 48000)
        for i in range(1, 6):
            c.drawRightString(x0 + (i + 1) * col_w - 8, y + 7, f"{int(base * (1 + 0.02 * i)):,}".replace(",", "."))
    c.setStrokeColor(GREY)
    c.line(x0, y0 - row_h * 25, w - 60, y0 - row_h * 25)
    c.setFont("Helvetica-Oblique", 8)
    c.drawString(x0, y0 - row_h * 25 - 16, f"Sumber: {OFFICE.title()}")
    c.endForm()


def _chart_form(c: Canvas, name: str, rng: random.Random) -> None:
    w, h = A4
    c.beginForm(name)
    x0, y0, cw, ch = 80, 330, w - 160, 340
    c.setStrokeColor(GREY)
    c.line(x0, y0, x0 + cw, y0)
    c.line(x0, y0, x0, y0 + ch)
    values = [rng.uniform(0.3, 1.0) for _ in range(10)]
    bar = cw / len(values)
    for i, v in enumerate(values):
        c.setFillColor(Color(0.04 + 0.05 * i, 0.31, 0.54))
        c.rect(x0 + i * bar + 6, y0, bar - 12, v * (ch - 20), stroke=0, fill=1)
        c.setFillColor(HexColor("#1B2733"))
        c.setFont("Helvetica", 8)
        c.drawCentredString(x0 + i * bar + bar / 2, y0 - 14, str(2015 + i))
        c.drawCentredString(x0 + i * bar + bar / 2, y0 + v * (ch - 20) + 4, f"{v * 10:.2f}".replace(".", ","))
    c.setFont("Helvetica", 10)
    text = c.beginText(60, 250)
    text.setLeading(15)
    for _ in range(10):
        text.textLine(_words(rng, 14).capitalize() + ".")
    c.drawText(text)
    c.endForm()


def _text_form(c: Canvas, name: str, rng: random.Random) -> None:
    w, h = A4
    c.beginForm(name)
    c.setFont("Helvetica", 10.5)
    text = c.beginText(60, h - 170)
    text.setLeading(16)
    for para in range(5):
        for _ in range(8):
            text.textLine(_words(rng, 13).capitalize() + ".")
        text.textLine("")
    c.drawText(text)
    c.endForm()


def _cover(c: Canvas, pub: DemoPublication) -> None:
    w, h = A4
    colour = HexColor(pub.colour)
    c.setFillColor(colour)
    c.rect(0, 0, w, h, stroke=0, fill=1)
    c.setFillColor(Color(1, 1, 1, alpha=0.10))
    for i in range(6):
        c.circle(w - 40 - i * 30, 120 + i * 55, 120 - i * 12, stroke=0, fill=1)
    c.setFillColor(white)
    c.rect(0, h - 110, w, 110, stroke=0, fill=1)
    c.setFillColor(colour)
    c.setFont("Helvetica-Bold", 13)
    c.drawString(50, h - 62, OFFICE)
    c.setFont("Helvetica", 10)
    c.drawString(50, h - 80, "https://lubuklinggaukota.bps.go.id")
    c.setFillColor(white)
    c.setFont("Helvetica-Bold", 30)
    y = h - 230
    line = ""
    for word in pub.title.split():
        if c.stringWidth(line + " " + word, "Helvetica-Bold", 30) > w - 100 and line:
            c.drawString(50, y, line)
            y -= 38
            line = word
        else:
            line = (line + " " + word).strip()
    c.drawString(50, y, line)
    if pub.subtitle:
        c.setFont("Helvetica-Oblique", 15)
        c.drawString(50, y - 34, pub.subtitle)
    c.setFont("Helvetica", 11)
    c.drawString(50, 90, f"Katalog: {pub.catalogue_number}")
    c.drawString(50, 72, f"Tahun terbit: {pub.year}")
    c.setFont("Helvetica-Bold", 64)
    c.drawRightString(w - 50, 60, str(pub.year))


def write_pdf(pub: DemoPublication, out: Path, seed: int) -> Path:
    rng = random.Random(seed)
    c = Canvas(str(out), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(pub.title)
    c.setAuthor(OFFICE.title())
    c.setSubject(pub.abstract)
    _cover(c, pub)
    c.showPage()
    _table_form(c, "table", rng)
    _chart_form(c, "chart", rng)
    _text_form(c, "text", rng)
    w, h = A4
    chapters = ("Geografi dan Iklim", "Pemerintahan", "Penduduk dan Ketenagakerjaan", "Sosial dan Kesejahteraan",
                "Pertanian", "Industri", "Perdagangan", "Harga", "Pendapatan Regional")
    per_chapter = max(1, (pub.pages - 1) // len(chapters) + 1)
    for n in range(2, pub.pages + 1):
        chapter = chapters[min((n - 2) // per_chapter, len(chapters) - 1)]
        c.setFillColor(BLUE)
        c.rect(0, h - 70, w, 70, stroke=0, fill=1)
        c.setFillColor(white)
        c.setFont("Helvetica-Bold", 11)
        c.drawString(60, h - 42, chapter)
        c.setFont("Helvetica", 9)
        c.drawRightString(w - 60, h - 42, pub.title)
        c.setFillColor(HexColor("#1B2733"))
        kind = ("table", "chart", "text")[n % 3]
        c.setFont("Helvetica-Bold", 12)
        label = {"table": "Tabel", "chart": "Gambar", "text": "Uraian"}[kind]
        c.drawString(60, h - 110, f"{label} {(n - 2) // per_chapter + 1}.{n % 40 + 1}  {chapter} "
                                  f"{REGION}, {pub.year - 1}")
        c.doForm(kind)
        c.setFont("Helvetica", 9)
        c.setFillColor(GREY)
        c.drawCentredString(w / 2, 30, str(n))
        c.showPage()
    c.save()
    return out


def generate(out_dir: Path, publications: tuple[DemoPublication, ...] = PUBLICATIONS) -> list[Path]:
    """Write each demo PDF and a JSON of its metadata beside it; returns the PDF paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, pub in enumerate(publications):
        stem = catalog.slug(pub.title)
        pdf = write_pdf(pub, out_dir / f"{stem}.pdf", seed=i)
        meta = {"title": pub.title, "subtitle": pub.subtitle, "subject": pub.subject, "year": pub.year,
                "catalogue_number": pub.catalogue_number, "publication_number": f"1674{i:04d}.{pub.year % 100}01",
                "issn": f"2089-{4100 + i:04d}", "language": "id", "abstract": pub.abstract,
                "hardcopy_location": pub.hardcopy_location, "softcopy_allowed": True, "read_only": pub.read_only}
        pdf.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(pdf)
    return paths


def install(settings: Settings, clock: Clock,
            progress: Callable[[int, int, Path], None] | None = None) -> catalog_import.ImportReport:
    """Generate the demo into the library folder (``demo/``) and import it."""
    documents_dir, _ = catalog.folders(settings)
    out = documents_dir / "demo"
    generate(out)
    return catalog_import.import_directory(settings, clock, out, progress=progress)
