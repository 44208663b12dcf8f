"""The lobby's voice: espeak-ng (Debian package) renders a phrase to WAV, cached per phrase.

A call is announced on every display, and the same number is recalled: each phrase is synthesised
once (~0.1-0.3 s) and then served from the cache folder. The file is written under a temporary
name and renamed, so two requests for a new phrase never serve a half-written file.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kiosk.core.ports import VoiceError

log = logging.getLogger(__name__)

VOICES = {"id": "id", "en": "en"}
TIMEOUT_S = 15
MAX_PHRASE = 300


class EspeakVoice:
    def __init__(self, cache_dir: Path, program: str = "espeak-ng", speed_wpm: int = 140):
        self.cache_dir = Path(cache_dir)
        self.program = program
        self.speed_wpm = speed_wpm

    def path_for(self, text: str, lang: str) -> Path:
        key = hashlib.sha256(f"{lang}\0{self.speed_wpm}\0{text}".encode()).hexdigest()[:32]
        return self.cache_dir / f"{key}.wav"

    def speak(self, text: str, lang: str = "id") -> bytes:
        if lang not in VOICES:
            raise VoiceError(f"no voice for language {lang!r}")
        text = " ".join(text.split())[:MAX_PHRASE]
        path = self.path_for(text, lang)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        exe = shutil.which(self.program)
        if exe is None:
            raise VoiceError(f"{self.program} is not installed (apt-get install espeak-ng): calls are shown silently")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".voice-", suffix=".wav", dir=self.cache_dir)
        os.close(fd)
        try:
            # the text is one argv item after "--": never read as an option, no shell involved
            run = subprocess.run([exe, "-v", VOICES[lang], "-s", str(self.speed_wpm), "-w", tmp, "--", text],
                                 capture_output=True, timeout=TIMEOUT_S)
            data = Path(tmp).read_bytes()
            if run.returncode != 0 or len(data) < 100:
                raise VoiceError(f"{self.program} failed ({run.returncode}): "
                                 f"{run.stderr.decode(errors='replace').strip()[:200]}")
            os.replace(tmp, path)
            return data
        except subprocess.TimeoutExpired:
            raise VoiceError(f"{self.program} took longer than {TIMEOUT_S} s") from None
        except OSError as exc:
            raise VoiceError(f"voice cache {self.cache_dir}: {exc.strerror or exc}") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
