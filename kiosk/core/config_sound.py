"""The ``[sound]`` section of the config (issue 14.12), beside ``kiosk.core.config`` so that module stays
under the size rule; it is part of the same schema (``config.SECTIONS``) and of the generated example.

Quiet by default: a lobby kiosk that chirps loudly at every touch is a nuisance, yet a blind or low-vision
visitor needs to hear that a tap registered and that the ticket came out. Speaking the number is off
until the office turns it on (it needs espeak-ng, and the lobby may already have a calling display).
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.configkit import Bool, Int, Text, setting

PLAYERS = ("aplay", "none")


@dataclass(frozen=True)
class SoundSettings:
    cues: bool = setting(True, Bool(), "Short sounds: a soft click when a control is touched, two rising notes "
                         "when a step is done, a low double tone when something failed")
    volume: int = setting(50, Int(0, 100), "Loudness of the cues and the spoken number, in percent "
                          "(the click is always softer than the other sounds; 0 = silent)")
    speak_ticket: bool = setting(False, Bool(), "Say the new queue number aloud in Indonesian "
                                 "(\"Nomor antrean Anda, A tujuh\"; needs espeak-ng)")
    player: str = setting("aplay", Text(choices=PLAYERS),
                          "aplay (ALSA's player, Debian package alsa-utils) | none (no sound at all)")
    device: str = setting("default", Text(pattern=r"[A-Za-z0-9_.,:=-]{1,80}",
                                          what="an ALSA device name such as default or plughw:1,0"),
                          "aplay: the ALSA output, as `aplay -L` lists it, e.g. \"default\", \"plughw:1,0\" "
                          "(USB speaker), \"null\" (discard: a kiosk without speakers)")
