"""The lobby display ``/display`` (no login, numbers only) and its sounds: a chime and the voice."""
from __future__ import annotations

import functools
import io
import math
import struct
import wave

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.core import calls
from kiosk.core.ports import VoiceError
from kiosk.web.pages import render


async def display(request: Request):
    rt = request.app.state.rt
    state = await run_in_threadpool(calls.display_state, rt.settings, rt.clock)
    return render(request, "display.html", state=state, zone=rt.settings.office.timezone)


@functools.lru_cache(maxsize=1)
def chime_wav() -> bytes:
    """A two-note "ding-dong" (E5 then C5, fading), made once: no sound file to ship or license."""
    rate, out = 22050, bytearray()
    for freq, seconds in ((659.25, 0.45), (523.25, 0.7)):
        n = int(rate * seconds)
        for i in range(n):
            fade = math.exp(-3.0 * i / n)
            out += struct.pack("<h", int(12000 * fade * math.sin(2 * math.pi * freq * i / rate)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(out))
    return buf.getvalue()


async def chime(request: Request):
    return Response(chime_wav(), media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


async def voice(request: Request):
    """The call's phrase said in Indonesian (espeak-ng on the server, cached per phrase)."""
    rt = request.app.state.rt
    call_id = request.path_params["call_id"]
    said = await run_in_threadpool(calls.announcement, call_id)
    try:
        data = await run_in_threadpool(rt.voice.speak, said.phrase, "id")
    except VoiceError as exc:
        return Response(str(exc), status_code=503, media_type="text/plain")
    return Response(data, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


routes = [
    Route("/display", display, methods=["GET"]),
    Route("/display/chime.wav", chime, methods=["GET"]),
    Route("/display/voice/{call_id:int}.wav", voice, methods=["GET"]),
]
