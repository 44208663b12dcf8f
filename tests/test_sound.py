"""Issue 14.12, the device side: the cue WAVs made in code, the real aplay into ALSA's null device, a player
that is missing, failing or stuck (one log line, silence, never an error), the spoken phrase, the config
and the doctor's line."""
from __future__ import annotations

import array
import dataclasses
import io
import logging
import shutil
import stat
import time
import wave
from pathlib import Path

import pytest

from kiosk.commands.ops import gather
from kiosk.core import calls, health
from kiosk.core.config import ConfigError, load
from kiosk.core.ports import SoundError
from kiosk.devices.speaker import MAX_WAITING, RATE, AplaySpeaker, SilentSpeaker, cue_wav, scaled
from kiosk.devices.voice import EspeakVoice
from helpers import write_config

needs_aplay = pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay missing (apt-get install alsa-utils)")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


def read_wav(data: bytes) -> tuple:
    with wave.open(io.BytesIO(data), "rb") as r:
        params = r.getparams()
        return params, array.array("h", r.readframes(params.nframes))


def peak(samples) -> int:
    return max((abs(v) for v in samples), default=0)


def crossings_per_second(samples) -> float:
    ups = sum(1 for a, b in zip(samples, samples[1:]) if a < 0 <= b)
    return ups * RATE / len(samples)


def runs_of_sound(samples, quiet: int = 50) -> list[array.array]:
    """The stretches of a WAV that are not silence (the notes), in order."""
    runs, current, silent = [], [], 0
    for v in samples:
        if abs(v) > quiet:
            current.append(v)
            silent = 0
        else:
            silent += 1
            if current and silent > RATE // 100:       # 10 ms of silence ends a note
                runs.append(array.array("h", current))
                current = []
            elif current:
                current.append(v)
    if current:
        runs.append(array.array("h", current))
    return runs


# --- the cues ---

def test_every_cue_is_a_valid_short_mono_wav():
    for name, longest in (("tap", 0.05), ("success", 0.5), ("error", 0.6)):
        params, samples = read_wav(cue_wav(name, 100))
        assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, RATE)
        assert 0 < params.nframes / RATE <= longest, name
        assert peak(samples) > 3000, name


def test_success_is_two_rising_notes_and_error_a_low_double_tone():
    notes = runs_of_sound(read_wav(cue_wav("success", 100))[1])
    assert len(notes) == 2
    assert crossings_per_second(notes[0]) < crossings_per_second(notes[1])
    tones = runs_of_sound(read_wav(cue_wav("error", 100))[1])
    assert len(tones) == 2
    assert all(crossings_per_second(t) < 300 for t in tones)       # low: about A3 (220 Hz)


def test_the_click_is_softer_than_the_other_cues_and_volume_scales_them_all():
    loud = {name: peak(read_wav(cue_wav(name, 100))[1]) for name in ("tap", "success", "error")}
    assert loud["tap"] < loud["success"] < loud["error"]
    for name in loud:
        half = peak(read_wav(cue_wav(name, 50))[1])
        assert abs(half - loud[name] / 2) <= loud[name] * 0.02
        assert peak(read_wav(cue_wav(name, 0))[1]) == 0


@needs_espeak
def test_speech_is_scaled_to_the_volume(tmp_path):
    spoken = EspeakVoice(tmp_path).speak(calls.ticket_phrase("A-007"), "id")
    params, samples = read_wav(spoken)
    assert params.nframes / params.framerate > 0.8      # a real phrase, not an empty file
    quieter = read_wav(scaled(spoken, 40))[1]
    assert len(quieter) == len(samples)
    assert abs(peak(quieter) - peak(samples) * 0.4) <= peak(samples) * 0.01
    assert scaled(b"not a wav", 40) == b"not a wav"


def test_the_phrase_is_worded_as_the_counter_will_call_it():
    assert calls.ticket_phrase("A-007") == "Nomor antrean Anda, A tujuh"
    assert calls.ticket_phrase("BC-112") == "Nomor antrean Anda, BC seratus dua belas"
    assert calls.call_phrase("A-007", "1") == "Nomor antrean A tujuh, silakan menuju loket satu"


# --- the real player ---

def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@needs_aplay
def test_aplay_plays_every_cue_into_the_null_device(caplog):
    speaker = AplaySpeaker(device="null", volume=60)
    with caplog.at_level(logging.WARNING):
        for name in ("tap", "success", "error"):
            speaker.cue(name)
            speaker.flush()
    assert (speaker.played, speaker.failures) == (3, 0)
    assert not caplog.records
    assert speaker.status() == "sound plays through aplay -D null, volume 60 %"
    speaker.close()


def test_the_player_is_given_the_device_and_the_wav_on_its_input(tmp_path):
    got = tmp_path / "got"
    player = script(tmp_path, "player", f'echo "$@" > "{got}.args"; cat > "{got}.wav"')
    speaker = AplaySpeaker(device="plughw:1,0", volume=70, program=player)
    speaker.cue("success")
    speaker.flush()
    assert (got.parent / "got.args").read_text().split() == ["-q", "-D", "plughw:1,0", "-"]
    assert (got.parent / "got.wav").read_bytes() == cue_wav("success", 70)
    assert speaker.played == 1


@needs_espeak
def test_the_spoken_number_reaches_the_player_as_speech(tmp_path):
    got = tmp_path / "said.wav"
    speaker = AplaySpeaker(device="null", volume=100, voice=EspeakVoice(tmp_path / "voice"),
                           program=script(tmp_path, "player", f'cat > "{got}"'))
    speaker.say(calls.ticket_phrase("A-001"), "id")
    speaker.flush()
    params, samples = read_wav(got.read_bytes())
    assert params.nframes / params.framerate > 0.8 and peak(samples) > 1000
    assert list(speaker.voice.cache_dir.glob("*.wav"))         # the phrase is cached for the next ticket


def test_a_missing_player_is_logged_once_and_the_kiosk_stays_silent(caplog):
    speaker = AplaySpeaker(program="no-such-player-14-12")
    with caplog.at_level(logging.WARNING, logger="kiosk.devices.speaker"):
        for name in ("tap", "success", "error", "success"):
            speaker.cue(name)
            speaker.flush()
    assert (speaker.played, speaker.failures) == (0, 4)
    assert [r.getMessage() for r in caplog.records] == [
        "sound: no-such-player-14-12 is not installed (apt-get install alsa-utils): the kiosk works on without sound"]
    with pytest.raises(SoundError, match="not installed"):
        speaker.status()


@needs_aplay
def test_no_such_sound_device_is_logged_once_then_recovery_is_logged(caplog):
    speaker = AplaySpeaker(device="no_such_card_14_12")
    with caplog.at_level(logging.INFO, logger="kiosk.devices.speaker"):
        speaker.cue("success")
        speaker.flush()
        speaker.cue("error")
        speaker.flush()
        with pytest.raises(SoundError, match="aplay -D no_such_card_14_12"):
            speaker.status()
        speaker.device = "null"             # staff plugged the speaker in (here: the null device)
        speaker.cue("success")
        speaker.flush()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("sound: aplay -D no_such_card_14_12 failed (1): ")
    assert lines[1] == "sound works again (aplay -D null)"
    assert (speaker.played, speaker.failures) == (1, 2)


def test_a_stuck_player_is_stopped_and_the_next_sound_plays(tmp_path, caplog):
    speaker = AplaySpeaker(program=script(tmp_path, "stuck", "exec sleep 60"), timeout_s=0.3)
    with caplog.at_level(logging.WARNING, logger="kiosk.devices.speaker"):
        speaker.cue("error")
        speaker.flush()
    assert speaker.failures == 1 and "did not finish a sound within 0.3 s" in caplog.text
    speaker.program = script(tmp_path, "fine", "cat > /dev/null")
    speaker.cue("success")
    speaker.flush()
    assert speaker.played == 1


def test_asking_for_sounds_never_waits_for_the_player_and_late_clicks_are_dropped(tmp_path):
    """The UI thread only queues: while the player hangs, cue() returns; clicks are not piled up behind
    other sounds (they would come long after the touch), and at most MAX_WAITING sounds wait."""
    started, gate = tmp_path / "started", tmp_path / "gate"
    player = script(tmp_path, "player",
                    f'cat > /dev/null; touch "{started}"; while [ ! -e "{gate}" ]; do sleep 0.02; done')
    speaker = AplaySpeaker(program=player, timeout_s=60)
    speaker.cue("success")
    deadline = time.monotonic() + 20
    while not started.exists():             # the player is now busy with "success" (not a timing assertion)
        assert time.monotonic() < deadline, "the player never started"
        time.sleep(0.01)
    speaker.cue("tap")                      # waits: nothing else is waiting
    speaker.cue("tap")                      # dropped: it would come after the first
    for _ in range(5):
        speaker.cue("error")                # three more fit (MAX_WAITING = 4), two are dropped
    assert speaker.played == 0              # every call above returned while the player was stuck
    gate.touch()
    speaker.flush()
    assert MAX_WAITING == 4 and speaker.played == 5


def test_volume_zero_plays_nothing_and_the_silent_speaker_says_so(tmp_path):
    got = tmp_path / "got"
    speaker = AplaySpeaker(volume=0, program=script(tmp_path, "player", f'cat > "{got}"'))
    speaker.cue("success")
    speaker.flush()
    assert not got.exists() and speaker.played == 0
    assert SilentSpeaker().status() == 'sound is turned off ([sound] player = "none")'


# --- config, runtime, doctor ---

def test_the_sound_section_is_validated(tmp_path):
    for old, new, key in (("volume = 50", "volume = 150", "sound.volume"),
                          ('player = "aplay"', 'player = "pulse"', "sound.player"),
                          ('device = "default"', 'device = "hw:0; rm -rf"', "sound.device")):
        path = write_config(tmp_path, replace={'device = "null"': 'device = "default"', old: new})
        with pytest.raises(ConfigError) as err:
            load(path)
        assert key in str(err.value), str(err.value)


def test_the_runtime_makes_the_speaker_from_sound_and_again_after_a_change(runtime):
    speaker = runtime.speaker
    assert isinstance(speaker, AplaySpeaker) and speaker.device == "null" and speaker.volume == 50
    assert runtime.speaker is speaker
    settings = runtime.settings
    runtime.apply_settings(dataclasses.replace(settings, sound=dataclasses.replace(settings.sound, player="none")))
    assert isinstance(runtime.speaker, SilentSpeaker)


@needs_aplay
def test_doctor_says_whether_the_kiosk_can_make_a_sound(tmp_path):
    ok = {f.name: f for f in gather(write_config(tmp_path))}["sound"]
    assert (ok.level, ok.line) == (health.Level.OK, "sound plays through aplay -D null, volume 50 %")
    settings = load(write_config(tmp_path))
    broken = health.check_sound(settings, AplaySpeaker(device="no_such_card_14_12"))
    assert broken[0] is health.Level.WARN and broken[1].startswith("no sound: aplay -D no_such_card_14_12: ")
    off = health.check_sound(settings, SilentSpeaker())
    assert off == (health.Level.OK, 'sound is turned off ([sound] player = "none")')
