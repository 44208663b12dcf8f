"""Each config section's title in the generated example file (kiosk.core.config.render_example)."""

SECTION_NOTES = {
    "office": "Kantor — nama, alamat, zona waktu, logo / The office",
    "theme": "Warna tampilan (kode hex) / Screen colours (hex codes)",
    "kiosk": "Kios ini — bahasa, layar, batas diam, PIN petugas / This kiosk",
    "database": "Basis data — SQLite (satu kios) atau PostgreSQL (beberapa kios) / Database",
    "storage": "Folder data dan log / Data folder and logging",
    "printer": "Printer karcis antrean (ESC/POS) / Queue ticket printer",
    "queue": "Standar layanan / Service standard",
    "guestbook": "Pilihan di buku tamu (code disimpan, label ditampilkan) / Guestbook choices",
    "privacy": "Perlindungan data pribadi / Privacy",
    "lockers": "Loker penitipan tas / Bag lockers",
    "library": "Perpustakaan digital / Digital library",
    "mail": "Pengiriman softcopy lewat e-mail (SMTP) / E-mail delivery",
    "complaints": "Saluran pengaduan resmi / Official complaint channels",
    "backup": "Cadangan malam dan retensinya / Nightly backup and retention",
    "web": "Layanan web `kiosk serve`: konsol loket, layar panggilan, karcis di ponsel / Web: desk, display, phone",
    "scanner": "Pemindai buku tercetak di perpustakaan / The printed library's scanner",
    "online": "Perpustakaan daring: akun, unduhan / The library online: accounts, downloads",
    "sound": "Suara: bunyi sentuhan, nomor antrean diucapkan / Sound: touch cues, the spoken number",
    "services": "Layanan PST dan awalan nomor antrean / PST services and ticket prefixes",
}
