"""The screen shapes the layouts are drawn for (issue 14.5): which sizes are supported, how big a dp is on each,
and `kiosk screenshot --size` at each (a real window under Xvfb)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.core.form_factor import (COMPACT, LANDSCAPE, PORTRAIT, TESTED_SIZES, UnsupportedScreen, form_factor,
                                    from_dp)
from helpers import REPO, make_runtime, write_config


@pytest.mark.parametrize("size,name,density", [
    ((1920, 1080), LANDSCAPE, 1.0), ((2560, 1440), LANDSCAPE, 4 / 3), ((3840, 2160), LANDSCAPE, 2.0),
    ((1366, 768), COMPACT, .8), ((1600, 900), COMPACT, 900 / 960),
    ((1080, 1920), PORTRAIT, 1.0), ((2160, 3840), PORTRAIT, 2.0)])
def test_each_supported_size_gets_its_layout_and_density(size, name, density):
    shape = form_factor(*size)
    assert (shape.name, shape.density) == (name, pytest.approx(density))
    # the UI sees only dp: it must land on the same layout
    assert from_dp(*shape.dp_size(*size)) == name


def test_an_80_dp_key_is_about_the_same_size_on_a_1366x768_panel_and_a_1920x1080_one():
    """The first wave scaled 1366×768 by 768/1080: keys and text 29 % smaller on a panel whose pixels are larger.
    Usual panels: 1920×1080 at 21.5" (0.248 mm a pixel), 1366×768 at 18.5" (0.300 mm)."""
    key_mm_1080 = 80 * form_factor(1920, 1080).density * .248
    key_mm_768 = 80 * form_factor(1366, 768).density * .300
    assert key_mm_768 == pytest.approx(key_mm_1080, rel=.05)


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768), (1280, 1024), (800, 480), (768, 1366), (1920, 1200)])
def test_sizes_no_layout_fits_are_refused_with_the_supported_ones_named(size):
    with pytest.raises(UnsupportedScreen, match=r"16:9 landscape from 1366×768 .* 9:16 portrait from 1080×1920"):
        form_factor(*size)


@pytest.mark.parametrize("layout", sorted(TESTED_SIZES))
def test_screenshot_at_each_size_is_the_window_unsheared(tmp_path, layout):
    """Kivy's Window.screenshot reads rows 4-byte aligned: at 1366 px wide (4,098 bytes a row) every row slid and
    the header came out grey-brown, letters slanted. The header's blue must be the theme's, corner to corner."""
    from PIL import Image

    width, height = TESTED_SIZES[layout]
    config = write_config(tmp_path)
    make_runtime(tmp_path).close()          # a database where the config points (kiosk init)
    out = tmp_path / "welcome.webp"
    run = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "screenshot", "welcome",
                          "--size", f"{width}x{height}", "--out", str(out)],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    with Image.open(out) as img:
        assert img.size == (width, height) and img.format == "WEBP"
        rgb = img.convert("RGB")
        primary = (0x0B, 0x4F, 0x8A)      # [theme] primary of the example config: the header's fill
        for x in (3, width // 2 + 1, width - 4):
            for y in (3, 4, 5):         # a sheared row shows as another colour every third row
                assert all(abs(a - b) <= 6 for a, b in zip(rgb.getpixel((x, y)), primary)), (x, y, rgb.getpixel((x, y)))


def test_screenshot_refuses_an_unsupported_size_in_one_line(tmp_path):
    config = write_config(tmp_path)
    run = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "screenshot", "welcome",
                          "--size", "1280x800", "--out", str(tmp_path / "x.png")],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 2 and "1280×800: no layout fits this screen" in run.stderr
    assert "Traceback" not in run.stderr
