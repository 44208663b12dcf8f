"""Idle policy, journey order, clock helpers, masking, translations."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.clock import UTC, FakeClock, local_day_bounds, zone_label
from kiosk.core.idle import IdleState, IdleWatch
from kiosk.core.journey import LOBBY_STEPS, journeys_for, next_step
from kiosk.core.logs import mask_email, mask_id
from kiosk.i18n import LANGUAGES, gettext_for
from kiosk.i18n.extract import untranslated


def test_idle_watch_states():
    clock = FakeClock()
    watch = IdleWatch(clock, timeout_s=60, warning_s=15)
    clock.advance(59)
    assert watch.status().state is IdleState.ACTIVE
    clock.advance(1)
    status = watch.status()
    assert status.state is IdleState.WARNING and status.seconds_left == 15
    watch.touch()
    assert watch.status().state is IdleState.ACTIVE
    clock.advance(75)
    assert watch.status().state is IdleState.EXPIRED


def test_journeys_and_steps():
    assert [j.key for j in journeys_for(("library",))] == ["library"]
    assert next_step("service", {"ticket", "guestbook"}) == "ticket"
    assert next_step("ticket", {"ticket", "survey"}) == "survey"      # skips steps not built
    assert next_step("thanks", set(LOBBY_STEPS)) == "welcome"


def test_local_day_is_the_offices_day():
    # 2026-11-24 17:30 UTC is already 25 November in Jakarta (UTC+7)
    start, end, day = local_day_bounds(dt.datetime(2026, 11, 24, 17, 30, tzinfo=UTC), "Asia/Jakarta")
    assert day == dt.date(2026, 11, 25)
    assert start == dt.datetime(2026, 11, 24, 17, 0) and end == dt.datetime(2026, 11, 25, 17, 0)
    assert zone_label("Asia/Makassar", dt.datetime.now(UTC)) == "WITA"


def test_masking():
    assert mask_email("andi.saputra@gmail.com") == "a***@gmail.com"
    assert mask_id("3271011234560001") == "3271********0001"


def test_every_visible_string_is_translated_to_indonesian():
    gaps = untranslated("id")
    assert not gaps, "untranslated msgids (python -m kiosk.i18n.extract):\n" + "\n".join(
        f"  {where[0]}: {msgid!r}" for msgid, where in gaps.items())


def test_catalogs_load_for_both_languages():
    assert set(LANGUAGES) == {"id", "en"}
    assert gettext_for("id", "Welcome") == "Selamat datang"
    assert gettext_for("en", "Welcome") == "Welcome"


def test_a_msgid_in_several_capability_catalogs_is_translated_the_same_everywhere():
    # each capability keeps its own .po (engineers work in parallel); they are merged at run time,
    # so a word shared by two of them ("Continue") must not depend on which one loads last
    from collections import defaultdict
    from pathlib import Path

    from babel.messages.pofile import read_po

    import kiosk.i18n

    folder = Path(kiosk.i18n.__file__).parent
    for lang in LANGUAGES:
        found: dict[str, set[str]] = defaultdict(set)
        for po in sorted((folder / lang / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as f:
                for message in read_po(f):
                    if message.id and message.string:
                        found[str(message.id)].add(str(message.string))
        assert {k: v for k, v in found.items() if len(v) > 1} == {}, lang
