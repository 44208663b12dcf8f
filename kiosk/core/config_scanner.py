"""The ``[scanner]`` section of the config (issue 17), beside ``kiosk.core.config`` so that module stays
under the size rule; it is part of the same schema (``config.SECTIONS``) and of the generated example.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.core.configkit import Check, FilePath, Int, Number, Text, setting

SCANNER_KINDS = ("none", "sane", "folder")
PAGE_SIZES = ("A4", "F4", "Letter", "A5")      # F4 (215 × 330 mm) is the folio paper of Indonesian offices
RESOLUTIONS = (150, 200, 300)


class Resolution(Check):
    def __call__(self, value: object) -> int:
        if isinstance(value, bool) or value not in RESOLUTIONS:
            raise ValueError(f"must be one of 150 | 200 | 300 (dots per inch), got {value!r}")
        return int(value)


@dataclass(frozen=True)
class ScannerSettings:
    kind: str = setting("none", Text(choices=SCANNER_KINDS),
                        "none (no scanning on this kiosk) | sane (a scanner on this PC, through SANE's scanimage) "
                        "| folder (a multifunction printer scans into a shared folder)")
    device: str = setting("", Text(), "sane: the device as `scanimage -L` names it, e.g. \"epson2:net:192.0.2.7\" "
                                      "(\"test:0\" is SANE's test device); empty = the first one found")
    resolution: int = setting(150, Resolution(), "sane: dots per inch: 150 | 200 | 300")
    mode: str = setting("Gray", Text(choices=("Gray", "Color")), "sane: colour mode: Gray | Color "
                        "(the e-mailed PDF is grey either way)")
    page_size: str = setting("A4", Text(choices=PAGE_SIZES), "Page size scanned: A4 | F4 | Letter | A5")
    timeout_s: float = setting(90.0, Number(10, 600), "Seconds one page may take before the scanner counts as gone")
    folder: Path | None = setting("data/scan-inbox", FilePath(required=True),
                                  "folder: where the multifunction printer puts its scans (PDF, JPEG, PNG, TIFF)")
    max_file_mb: int = setting(50, Int(1, 500), "folder: a larger file is refused (and moved to rejected/)")
    max_pages: int = setting(20, Int(1, 200), "Pages one request may hold (copyright: only a part of a "
                             "printed work may be copied)")
