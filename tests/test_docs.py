"""The README shows every committed screenshot and every image it shows exists (issue 14.5: the three screen
sizes in docs/ and the README); each stays small, because every re-render stays in the history."""
from __future__ import annotations

import re

from helpers import REPO

SHOTS = REPO / "docs" / "screenshots"
MAX_BYTES = 100_000


def _readme_images() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"\((docs/screenshots/[^)\s]+\.(?:png|webp))\)", text))


def test_every_screenshot_is_in_the_readme_and_every_readme_image_exists():
    committed = {p.relative_to(REPO).as_posix() for p in SHOTS.rglob("*") if p.suffix in (".png", ".webp")}
    shown = _readme_images()
    assert not committed - shown, f"not shown in README.md: {sorted(committed - shown)}"
    assert not shown - committed, f"README.md shows missing images: {sorted(shown - committed)}"


def test_the_three_screen_sizes_are_all_there():
    names = {p.stem for p in SHOTS.glob("*.png")}
    for size in ("1366x768", "1080x1920"):
        there = {p.stem for p in (SHOTS / size).glob("*.webp")}
        kiosk_screens = {n for n in names if not n.startswith(("web-", "online-", "ticket-paper"))}
        assert kiosk_screens <= there, f"{size}: missing {sorted(kiosk_screens - there)}"


def test_screenshots_stay_small():
    big = {p.relative_to(REPO).as_posix(): p.stat().st_size for p in SHOTS.rglob("*") if p.is_file()
           and p.stat().st_size > MAX_BYTES}
    assert not big, big
