"""The config file: the example is valid and complete, and every kind of mistake is named."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core import config
from kiosk.core.config import ConfigError
from helpers import EXAMPLE, REPO, write_config


def problems_for(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        config.load(path)
    return err.value.problems


def test_example_is_valid_and_defaults_are_sane():
    settings = config.load(EXAMPLE)
    assert settings.kiosk.language == "id"
    assert settings.office.timezone == "Asia/Jakarta"
    assert [s.prefix for s in settings.services] == ["A", "B", "C", "D"]
    assert settings.services[0].name_id == "Perpustakaan"
    assert settings.database.url == "sqlite:///data/kiosk.db"
    assert settings.printer.kind == "dummy" and settings.printer.timeout_s == 5.0
    assert settings.theme.primary == pytest.approx((11 / 255, 79 / 255, 138 / 255, 1.0))


def test_example_file_is_the_generated_one_with_every_key():
    assert EXAMPLE.read_text(encoding="utf-8") == config.render_example(), \
        "regenerate: python -m kiosk.core.config > config/kiosk.example.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, keys in config.schema_keys().items():
        for key in keys:
            # every key is written out, each after a comment line that explains it
            lines = text.splitlines()
            hits = [i for i, line in enumerate(lines) if line.startswith(f"{key} = ")]
            assert hits, f"{section}.{key} missing from the example"
            assert lines[hits[0] - 1].startswith("#") or section == "services"


def test_wrong_type_names_file_line_key_and_allowed_values(tmp_path):
    text = EXAMPLE.read_text().replace("idle_timeout_s = 120", 'idle_timeout_s = "abc"')
    line = text.splitlines().index('idle_timeout_s = "abc"') + 1
    [problem] = problems_for(tmp_path, text)
    assert problem == (f'{tmp_path / "kiosk.toml"}:{line}: kiosk.idle_timeout_s: '
                       'must be an integer between 15 and 3600, got "abc"')


@pytest.mark.parametrize("old,new,expected", [
    ("idle_timeout_s = 120", "idle_timeout_s = 5", "kiosk.idle_timeout_s: must be an integer between 15 and 3600, got 5"),
    ('language = "id"', 'language = "jv"', 'kiosk.language: must be one of "id" | "en", got "jv"'),
    ("fullscreen = false", 'fullscreen = "yes"', 'kiosk.fullscreen: must be true or false, got "yes"'),
    ('timezone = "Asia/Jakarta"', 'timezone = "WIB"', 'office.timezone: must be an IANA time zone'),
    ('primary = "#0B4F8A"', 'primary = "blue"', 'theme.primary: must be a colour like "#0B4F8A", got "blue"'),
    ('roles = ["lobby", "library"]', 'roles = []', "kiosk.roles: must list at least 1 item(s)"),
    ('roles = ["lobby", "library"]', 'roles = ["lobby", "atm"]', 'kiosk.roles: item 2: must be one of'),
    ('url = "sqlite:///data/kiosk.db"', 'url = "mysql://x"', "database.url: must be sqlite:///PATH or postgresql://"),
    ('timeout_s = 5.0', 'timeout_s = 600', "printer.timeout_s: must be a number between 0.5 and 60, got 600"),
])
def test_each_kind_of_bad_value(tmp_path, old, new, expected):
    text = EXAMPLE.read_text()
    assert old in text
    problems = problems_for(tmp_path, text.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_unknown_keys_and_sections_are_errors_with_a_suggestion(tmp_path):
    text = EXAMPLE.read_text().replace("idle_timeout_s = 120", "idle_timeout_s = 120\nidle_timout_s = 60")
    text += "\n[printr]\nkind = \"usb\"\n"
    problems = problems_for(tmp_path, text)
    assert any('kiosk.idle_timout_s: unknown key (did you mean "idle_timeout_s"?)' in p for p in problems)
    assert any('printr: unknown section (did you mean "[printer]"?)' in p for p in problems)


def test_syntax_error_gives_the_line(tmp_path):
    text = EXAMPLE.read_text().splitlines()
    text[9] = "name = BPS tanpa tanda kutip"
    [problem] = problems_for(tmp_path, "\n".join(text))
    assert problem.startswith(f"{tmp_path / 'kiosk.toml'}:10:") and "TOML syntax error" in problem


def test_all_problems_are_reported_at_once(tmp_path):
    text = (EXAMPLE.read_text().replace("idle_timeout_s = 120", "idle_timeout_s = 1")
            .replace("width = 1920", "width = -3").replace('kind = "dummy"', 'kind = "laser"'))
    problems = problems_for(tmp_path, text)
    assert len(problems) == 3


def test_services_table_is_checked_row_by_row(tmp_path):
    text = EXAMPLE.read_text().replace('prefix = "B"', 'prefix = "A"').replace('name_en = "Statistical Product Sales"\n', "")
    problems = problems_for(tmp_path, text)
    assert any("services[3].name_en: is required" in p for p in problems)
    assert any("two services share one ticket prefix" in p for p in problems)


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    folder = tmp_path / "etc" / "kiosk"
    folder.mkdir(parents=True)
    settings = config.load(write_config(folder))
    assert settings.storage.data_dir == (folder / "data").resolve()
    assert settings.printer.folder == (folder / "data" / "printer").resolve()
    assert config.sqlite_path(settings) == (folder / "data" / "kiosk.db").resolve()
    assert settings.mail.password_file is None     # empty = none, not "the config folder"


def test_missing_file_and_settings_are_frozen(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "nope.toml")
    settings = config.load(EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.kiosk.language = "en"  # type: ignore[misc]


def test_check_config_command(tmp_path):
    good = write_config(tmp_path)
    run = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(good), "check-config"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0 and run.stdout.strip() == "OK"
    good.write_text(good.read_text().replace("idle_timeout_s = 120", "idle_timeout_s = 99999"))
    run = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(good), "check-config"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1
    assert "kiosk.idle_timeout_s: must be an integer between 15 and 3600, got 99999" in run.stderr


def test_problem_in_the_third_service_points_at_its_own_line(tmp_path):
    text = EXAMPLE.read_text().replace('prefix = "C"', 'prefix = "c"')
    line = text.splitlines().index('prefix = "c"') + 1
    problems = problems_for(tmp_path, text)
    assert any(p.startswith(f"{tmp_path / 'kiosk.toml'}:{line}: services[3].prefix: must be one or two capital")
               for p in problems), problems


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    # Windows Notepad saves one; TOML itself does not allow it (issue 11.13)
    path = write_config(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert config.load(path).office.name


@pytest.mark.parametrize("raw", ["BPS\\u001b@Kota", "BPS\\u0000", "BPS\\nKota", "BPS\\u202eKota"])
def test_control_characters_in_a_text_are_refused(tmp_path, raw):
    # an ESC in [office] name went raw to the ticket printer as a command (issue 11.13)
    path = write_config(tmp_path, replace={'name = "BPS Kota Contoh"': f'name = "{raw}"'})
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert "office.name: must not contain control characters" in str(err.value)


def test_names_with_joiners_and_other_scripts_are_kept(tmp_path):
    name = "BPS Kabupaten Aceh \u0628\u0646\u062f\u0627 \u0915\u094d\u200d\u0937"
    path = write_config(tmp_path, replace={'name = "BPS Kota Contoh"': f'name = "{name}"'})
    assert config.load(path).office.name == name


@pytest.mark.parametrize("section_line", ['data_dir = "data"', 'documents_dir = "data/library"'])
def test_an_empty_folder_setting_is_refused_by_check_config(tmp_path, section_line):
    # storage.data_dir = "" passed check-config and then failed every command with a TypeError (11.6)
    key = section_line.split(" =")[0]
    path = write_config(tmp_path, replace={section_line: f'{key} = ""'})
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert f"{key}: must name a folder" in str(err.value)


@pytest.mark.parametrize("width,height,layout", [
    (1920, 1080, "landscape"), (1366, 768, "compact"), (1080, 1920, "portrait"), (3840, 2160, "landscape")])
def test_the_three_layouts_screen_sizes_are_accepted(tmp_path, width, height, layout):
    from kiosk.core.form_factor import form_factor

    text = EXAMPLE.read_text().replace("width = 1920", f"width = {width}").replace("height = 1080", f"height = {height}")
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    settings = config.load(tmp_path / "kiosk.toml")
    assert form_factor(settings.kiosk.width, settings.kiosk.height).name == layout


@pytest.mark.parametrize("width,height", [(1280, 800), (1280, 1024), (768, 1366), (1024, 600), (1920, 1081 * 2)])
def test_check_config_refuses_a_screen_size_no_layout_fits(tmp_path, width, height):
    """Portrait 1080×1920 once passed check-config and then broke every screen (issue 14.5)."""
    text = EXAMPLE.read_text().replace("width = 1920", f"width = {width}").replace("height = 1080", f"height = {height}")
    problems = problems_for(tmp_path, text)
    assert any(f"kiosk.width: {width}×{height}: no layout fits this screen" in p and "9:16 portrait" in p
               for p in problems), problems
