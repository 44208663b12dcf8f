"""``kiosk serve``: the desk console, the lobby display and the phone page (Starlette + Jinja2).

Above core like the Kivy UI: pages call core functions and the runtime only (never peewee, the
models or ``kiosk.devices``; a test reads every import)."""
