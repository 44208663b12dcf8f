"""One-tap answers of the guestbook (issue 14.2): the e-mail made of the name, and institutions earlier
visitors gave — only names enough visitor records share, so a rare one never points at a person."""
from __future__ import annotations

import datetime as dt

from kiosk.core import guestbook as gb

TODAY = dt.date(2026, 11, 24)


def visit(runtime, clock, n: int, institution: str) -> None:
    entry = gb.validate({
        "full_name": f"Tamu {chr(65 + n)}", "email": f"tamu{n}@example.co.id", "phone": f"08123456780{n % 10}",
        "gender": "l", "age_group": "20_29", "education": "s1", "occupation": "pelajar",
        "institution_name": institution, "institution_type": "universitas", "purpose": "skripsi",
        "purpose_detail": ""}, runtime.settings, TODAY)
    gb.complete(entry, db=runtime.db, clock=clock, kiosk="k", language="id", consent_at=clock.now(),
                consent_version="2026-1")


def test_email_from_the_name():
    assert gb.email_suggestions("Siti Nurhaliza") == ["siti.nurhaliza@gmail.com", "sitinurhaliza@gmail.com"]
    assert gb.email_suggestions("  José  Ramos-Horta ") == ["jose.ramoshorta@gmail.com", "joseramoshorta@gmail.com"]
    assert gb.email_suggestions("Sukarno") == ["sukarno@gmail.com"]
    assert gb.email_suggestions("김민준") == [] and gb.email_suggestions("") == []


def test_institutions_earlier_visitors_gave_most_given_first(runtime, clock):
    for n in range(3):
        visit(runtime, clock, n, "Universitas Indonesia")
    for n in range(3, 5):
        visit(runtime, clock, n, "Universitas Gadjah Mada")
    visit(runtime, clock, 5, "Universitas Kecil Sekali")          # one visitor only: never offered
    assert gb.institution_suggestions("univ") == ["Universitas Indonesia", "Universitas Gadjah Mada"]
    assert gb.institution_suggestions("UNIVERSITAS I") == ["Universitas Indonesia"]
    assert gb.institution_suggestions("Universitas Kecil") == []
    assert gb.institution_suggestions("un") == []                  # too short to mean anything
    assert gb.institution_suggestions("Universitas Indonesia") == []   # already typed in full
    assert gb.institution_suggestions("50%_") == []                # LIKE wildcards are typed text
