"""Contrast of the kiosk's colours (issue 14.3, 14.12), computed from the theme with the WCAG formula:
every text/background pair the styles use (``kiosk.core.contrast.PAIRS``), in the default theme and in the
high-contrast mode; check-config refuses a theme that fails one."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.core import config, contrast


def test_the_wcag_formula_on_known_pairs():
    white, black = (1, 1, 1, 1), (0, 0, 0, 1)
    assert contrast.ratio(black, white) == pytest.approx(21)
    assert contrast.ratio(white, white) == pytest.approx(1)
    # the pale orange of the old theme on white, as measured in issue 14.3
    assert contrast.ratio(contrast._hex("#F28C28"), white) == pytest.approx(2.45, abs=.01)
    # half-transparent black over white is a mid grey
    assert contrast.over((0, 0, 0, .5), white)[:3] == pytest.approx((.5, .5, .5))


def default_colours():
    return contrast.theme_colours(config.parse("", Path("kiosk.toml")).theme)


@pytest.mark.parametrize("what,fg,bg,minimum", contrast.PAIRS, ids=[p[0] for p in contrast.PAIRS])
def test_every_pair_of_the_default_theme_is_readable(what, fg, bg, minimum):
    colours = default_colours()
    under = contrast.colour_of(bg, colours)
    assert contrast.ratio(contrast.colour_of(fg, colours, under), under) >= minimum


@pytest.mark.parametrize("what,fg,bg,minimum", contrast.PAIRS, ids=[p[0] for p in contrast.PAIRS])
def test_every_pair_of_the_high_contrast_mode_reaches_7_for_text(what, fg, bg, minimum):
    under = contrast.colour_of(bg, contrast.HIGH_CONTRAST)
    value = contrast.ratio(contrast.colour_of(fg, contrast.HIGH_CONTRAST, under), under)
    assert value >= (7 if minimum == contrast.TEXT else minimum)      # WCAG AAA for text


def test_the_measured_failures_of_the_old_theme_are_caught():
    old = dict(default_colours(), accent=contrast._hex("#F28C28"), border=(27 / 255, 39 / 255, 51 / 255, .3))
    failing = {what for what, _value, _minimum in contrast.check_pairs(old)}
    assert {"queue and reference numbers on cards", "locker number on the screen", "accent button text",
            "field, chip and light-button border on the screen"} <= failing


def test_check_config_refuses_a_theme_visitors_cannot_read(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[theme]\naccent = "#F28C28"\n')
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert f"{path}:2: theme.accent: queue and reference numbers on cards: contrast 2.45:1, needs 4.5:1 (WCAG)" \
        in err.value.problems
