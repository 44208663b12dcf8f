"""The kiosk's own sounds (issue 14.12): touch, success and error cues, and the spoken queue number.

Played by ``aplay`` (Debian package alsa-utils), one process per sound fed the WAV on its standard input,
from ONE background thread that plays the sounds in the order asked: the touchscreen never waits for a
sound card, and a missing player, no sound card or a busy device costs one log line and silence, never an
error on screen. Why a program rather than Kivy's SoundLoader: its providers (SDL2 mixer, GStreamer,
ffpyplayer) differ per build and may be missing from the wheel, a broken one can stall the UI thread
that loads the sound, and it cannot be run for real in a test; ``aplay -D null`` can (ALSA's discarding
device), and staff can try the same command line by hand.

The cues are made here in code (no sound file to ship or license), cached per cue and volume:
a short soft click for a touch, two rising notes when a step is done, a low double tone for a failure.
The spoken phrase comes from the runtime's voice (espeak-ng, cached per phrase) — synthesised in the
same background thread — and is scaled to the configured volume like the cues.
"""
from __future__ import annotations

import array
import functools
import io
import logging
import math
import queue
import shutil
import subprocess
import sys
import threading
import wave
from typing import Callable

from kiosk.core.config_sound import SoundSettings
from kiosk.core.ports import SoundError, Voice, VoiceError

log = logging.getLogger(__name__)

RATE = 22050                # samples per second: plenty for beeps, and what espeak-ng writes
PLAY_TIMEOUT_S = 15.0       # a longer sound than the longest phrase means the device hangs
STATUS_TIMEOUT_S = 5.0
MAX_WAITING = 4             # sounds waiting behind the one playing; more are dropped (they would come late)

# (frequency Hz, seconds, pause after) per note, and the loudness of the cue at volume 100 (of full scale):
# the click is soft and short (it comes with every touch), the other two are meant to be noticed
CUES: dict[str, tuple[tuple[tuple[float, float, float], ...], float]] = {
    "tap": (((1800.0, 0.018, 0.0),), 0.30),
    "success": (((660.0, 0.11, 0.03), (990.0, 0.20, 0.0)), 0.55),       # E5 then B5: rising
    "error": (((220.0, 0.16, 0.08), (220.0, 0.16, 0.0)), 0.65),          # A3 twice: low, double
}


def _samples(freq: float, seconds: float, amplitude: float, click: bool) -> list[int]:
    n = max(1, int(RATE * seconds))
    fade = max(1, int(RATE * 0.004))      # 4 ms in and out: no pop at the edges
    out = []
    for i in range(n):
        t = i / RATE
        if click:       # a fast exponential decay: a tick, not a beep
            env = math.exp(-t * 300.0)
        else:
            env = min(1.0, i / fade, (n - 1 - i) / fade)
        # a little second harmonic: small kiosk speakers barely play a pure low sine
        wave_ = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
        out.append(int(32767 * amplitude * env * wave_ / 1.3))
    return out


def _wav(samples: list[int]) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(_pcm(array.array("h", samples)))
    return buf.getvalue()


def _pcm(data: array.array) -> bytes:
    if sys.byteorder == "big":       # WAV is little-endian
        data = array.array("h", data)
        data.byteswap()
    return data.tobytes()


@functools.lru_cache(maxsize=32)
def cue_wav(name: str, volume: int = 100) -> bytes:
    """The cue ``name`` as a mono 16-bit WAV at ``volume`` percent (KeyError for an unknown cue)."""
    notes, loudness = CUES[name]
    amplitude = loudness * max(0, min(100, volume)) / 100
    samples: list[int] = []
    for freq, seconds, pause in notes:
        samples += _samples(freq, seconds, amplitude, click=name == "tap")
        samples += [0] * int(RATE * pause)
    return _wav(samples)


def scaled(data: bytes, volume: int) -> bytes:
    """A 16-bit WAV (espeak-ng's) at ``volume`` percent; any other WAV is returned as it is."""
    if volume >= 100:
        return data
    try:
        with wave.open(io.BytesIO(data), "rb") as r:
            params = r.getparams()
            frames = r.readframes(params.nframes)
    except (wave.Error, EOFError):
        return data
    if params.sampwidth != 2:
        return data
    pcm = array.array("h", frames[: len(frames) // 2 * 2])
    if sys.byteorder == "big":
        pcm.byteswap()
    factor = max(0, volume) / 100
    pcm = array.array("h", (int(v * factor) for v in pcm))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(2)
        w.setframerate(params.framerate)
        w.writeframes(_pcm(pcm))
    return buf.getvalue()


class SilentSpeaker:
    """[sound] player = "none": the kiosk makes no sound."""

    def cue(self, name: str) -> None:
        pass

    def say(self, text: str, lang: str = "id") -> None:
        pass

    def status(self) -> str:
        return 'sound is turned off ([sound] player = "none")'

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class AplaySpeaker:
    """Plays each sound with ``aplay -q -D DEVICE -`` in one background thread, in the order asked."""

    def __init__(self, device: str = "default", volume: int = 50, voice: Voice | None = None,
                 program: str = "aplay", timeout_s: float = PLAY_TIMEOUT_S):
        self.device = device
        self.volume = volume
        self.voice = voice
        self.program = program
        self.timeout_s = timeout_s
        #: sounds the player finished without an error, and the failures (for tests and staff)
        self.played = 0
        self.failures = 0
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failing = ""          # what went wrong last time, logged once until it changes or recovers
        self._closed = False

    # --- what the UI asks (UI thread: only queueing) ---

    def cue(self, name: str) -> None:
        if name not in CUES:
            log.warning("no sound cue %r", name)
            return
        if name == "tap" and self._queue.qsize() > 0:
            return          # a click behind other sounds would come after the touch it stands for
        self._submit(f"cue {name}", lambda: cue_wav(name, self.volume))

    def say(self, text: str, lang: str = "id") -> None:
        voice = self.voice
        if voice is None:
            return
        self._submit("speech", lambda: scaled(voice.speak(text, lang), self.volume))

    def _submit(self, what: str, make: Callable[[], bytes]) -> None:
        if self.volume <= 0 or self._closed:
            return
        if self._queue.qsize() >= MAX_WAITING:
            log.debug("sound %s dropped: %d sounds are waiting", what, self._queue.qsize())
            return
        self._queue.put((what, make))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kiosk-speaker", daemon=True)
                self._thread.start()

    def flush(self) -> None:
        """Wait until every sound asked for so far was played (or failed): tests, and before closing."""
        self._queue.join()

    def close(self) -> None:
        """Stop the player thread after what is queued (the runtime closes, or [sound] changed)."""
        self._closed = True
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)

    # --- the player thread ---

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                what, make = item
                try:
                    data = make()
                except VoiceError as exc:
                    self._failed("voice", f"no speech: {exc}")
                    continue
                self._play(data, what)
            except Exception:  # noqa: BLE001 — the player thread's boundary: a sound must never end the sounds
                log.exception("sound failed")
            finally:
                self._queue.task_done()

    def _command(self) -> list[str] | None:
        exe = shutil.which(self.program)
        return None if exe is None else [exe, "-q", "-D", self.device, "-"]

    def _play(self, data: bytes, what: str) -> None:
        command = self._command()
        if command is None:
            self._failed("missing", f"{self.program} is not installed (apt-get install alsa-utils): "
                                    "the kiosk works on without sound")
            return
        try:
            run = subprocess.run(command, input=data, capture_output=True, timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            self._failed("timeout", f"{self.program} -D {self.device} did not finish a sound within "
                                    f"{self.timeout_s:g} s (device busy or stuck?)")
            return
        except OSError as exc:
            self._failed("oserror", f"{self.program} could not be started: {exc.strerror or exc}")
            return
        if run.returncode != 0:
            self._failed("failed", f"{self.program} -D {self.device} failed ({run.returncode}): "
                                   f"{_last_line(run.stderr)}")
            return
        self.played += 1
        if self._failing:
            log.info("sound works again (%s -D %s)", self.program, self.device)
            self._failing = ""
        log.debug("played %s", what)

    def _failed(self, kind: str, line: str) -> None:
        self.failures += 1
        if kind != self._failing:      # once per kind of trouble, not once per touch
            log.warning("sound: %s", line)
            self._failing = kind

    # --- staff ---

    def status(self) -> str:
        command = self._command()
        if command is None:
            raise SoundError(f"{self.program} is not installed (apt-get install alsa-utils)")
        try:
            run = subprocess.run(command, input=_wav([0] * (RATE // 50)), capture_output=True,
                                 timeout=STATUS_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise SoundError(f"{self.program} -D {self.device} did not finish within {STATUS_TIMEOUT_S:g} s "
                             "(device busy?)") from None
        except OSError as exc:
            raise SoundError(f"{self.program} could not be started: {exc.strerror or exc}") from None
        if run.returncode != 0:
            raise SoundError(f"{self.program} -D {self.device}: {_last_line(run.stderr)}")
        return f"sound plays through {self.program} -D {self.device}, volume {self.volume} %"


def _last_line(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    return lines[-1].strip()[:200] if lines else "no message"


def make_speaker(settings: SoundSettings, voice: Voice | None) -> "AplaySpeaker | SilentSpeaker":
    if settings.player == "none":
        return SilentSpeaker()
    return AplaySpeaker(device=settings.device, volume=settings.volume, voice=voice)
