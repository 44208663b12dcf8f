"""The ``[web]`` section of the config (``kiosk serve``, issue 15), beside ``kiosk.core.config`` so that
module stays under the size rule; it is part of the same schema (``config.SECTIONS``) and of the example.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.core.configkit import FilePath, Int, Text, setting


@dataclass(frozen=True)
class WebSettings:
    host: str = setting("127.0.0.1", Text(pattern=r"[0-9A-Za-z.:-]{1,100}", what="an IP address or host name"),
                        "`kiosk serve` binds here: 127.0.0.1 (this machine only) or 0.0.0.0 (the office LAN)")
    port: int = setting(8080, Int(1, 65535), "`kiosk serve` TCP port")
    public_url: str = setting("http://127.0.0.1:8080", Text(pattern=r"(https?://[^\s/]+(/[^\s]*)?)?",
                                                            what="http(s)://host[:port][/path] or empty"),
                              "The address phones and desks use (links, the ticket's QR code); https:// makes "
                              "the session cookie Secure; empty: tickets carry no QR code")
    session_secret_file: Path | None = setting("data/web-secret.key", FilePath(required=True),
                                               "Secret signing the staff's session cookies; made by `kiosk serve` "
                                               "when missing (0600). Deleting it logs every desk out")
