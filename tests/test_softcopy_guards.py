"""Softcopy limits against one hostile visitor (issue 11.11) and requests killed while being stamped
(issue 11.13): real processes killed with os._exit, the real database and files."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.core import outbox, softcopy
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import MailStatus, OutboxMail, RequestStatus, SoftcopyRequest, Visit
from kiosk.i18n import gettext_for
from helpers import kiosks_at_once, make_runtime, tmpfs
from pdf_helpers import add_publication

REPO = Path(__file__).resolve().parent.parent


def ask(runtime, clock, pub, address="andi.saputra@gmail.com", visit_id=None):
    return softcopy.create_request(runtime.settings, clock, [pub.id], "Andi Saputra", address,
                                   purpose_code="penelitian", terms_accepted=True, visit_id=visit_id)


def new_visit(clock) -> int:
    return Visit.create(kiosk="kiosk-1", started_at=to_utc_naive(clock.now())).id


# --- limits ---

def test_one_address_gets_five_softcopies_a_day_whatever_its_spelling(runtime, clock, tmp_path):
    pub = add_publication(tmp_path / "lib")
    for _ in range(5):
        ask(runtime, clock, pub)
    for same_mailbox in ("andi.saputra@gmail.com", "Andi.Saputra@GMAIL.com", "andi.saputra+lagi@gmail.com"):
        with pytest.raises(softcopy.LimitReached) as info:
            ask(runtime, clock, pub, same_mailbox)
        assert info.value.visitor_message == softcopy.PER_ADDRESS
    assert SoftcopyRequest.select().count() == 5 and OutboxMail.select().count() == 5
    ask(runtime, clock, pub, "budi@example.com")          # someone else is not held up
    clock.advance(86400)                                    # a new office day
    assert ask(runtime, clock, pub).number == "SC-20261125-0001"


def test_one_visit_makes_at_most_the_configured_number_of_requests(tmp_path, clock):
    rt = make_runtime(tmp_path, clock=clock, replace={"softcopy_per_visit = 5": "softcopy_per_visit = 2"})
    try:
        pub = add_publication(tmp_path / "lib")
        visit = new_visit(clock)
        ask(rt, clock, pub, "a@example.com", visit)
        ask(rt, clock, pub, "b@example.com", visit)
        with pytest.raises(softcopy.LimitReached) as info:
            ask(rt, clock, pub, "c@example.com", visit)
        assert info.value.visitor_message == softcopy.PER_VISIT
        assert "softcopy" in gettext_for("id", softcopy.PER_VISIT)          # polite, in the visitor's language
        assert gettext_for("id", softcopy.PER_ADDRESS) != softcopy.PER_ADDRESS
        ask(rt, clock, pub, "c@example.com", new_visit(clock))             # the next visitor may
    finally:
        rt.close()


def test_failed_requests_do_not_count(runtime, clock, tmp_path):
    broken = add_publication(tmp_path / "lib", "Rusak")
    Path(broken.file_path).write_bytes(b"%PDF-1.4 broken")
    for _ in range(6):
        with pytest.raises(softcopy.RequestFailed):
            ask(runtime, clock, broken)
    ask(runtime, clock, add_publication(tmp_path / "lib"))


def test_three_kiosks_at_once_never_pass_the_limit_together(runtime, clock, tmp_path):
    pub = add_publication(tmp_path / "lib", pages=1)
    outcomes: list[str] = []

    def kiosk(name: str) -> None:
        for _ in range(4):
            try:
                ask(runtime, clock, pub)
                outcomes.append("ok")
            except softcopy.LimitReached:
                outcomes.append("limit")

    kiosks_at_once(runtime.db, kiosk, ["kiosk-1", "kiosk-2", "kiosk-3"])
    assert sorted(outcomes) == ["limit"] * 7 + ["ok"] * 5
    assert SoftcopyRequest.select().count() == 5


# --- requests killed while being prepared ---

KILL = textwrap.dedent("""
    import os, sys
    from kiosk.core import outbox, softcopy, watermark
    from kiosk.runtime import open_runtime
    rt = open_runtime(sys.argv[1])
    where = sys.argv[2]
    stamp, enqueue = watermark.stamp_pdf, outbox.enqueue

    def stamp_then_die(src, dest, *args, **kw):
        stamp(src, dest, *args, **kw)
        os._exit(9)            # killed after the first file was stamped

    def enqueue_then_die(*args, **kw):
        enqueue(*args, **kw)
        os._exit(9)            # killed after the message was stored, before the request was marked

    if where == "stamping":
        watermark.stamp_pdf = stamp_then_die
    else:
        outbox.enqueue = enqueue_then_die
    softcopy.create_request(rt.settings, rt.clock, [int(i) for i in sys.argv[3:]], "Andi Saputra",
                            "andi.saputra@gmail.com", purpose_code="penelitian", terms_accepted=True)
""")


def killed_while(runtime, where: str, *pub_ids: int) -> SoftcopyRequest:
    proc = subprocess.run([sys.executable, "-c", KILL, str(runtime.config_path), where, *map(str, pub_ids)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    return SoftcopyRequest.get()


def test_a_request_killed_mid_stamp_is_failed_at_start_and_listed(runtime, clock, tmp_path):
    a, b = add_publication(tmp_path / "lib", "Satu"), add_publication(tmp_path / "lib", "Dua")
    req = killed_while(runtime, "stamping", a.id, b.id)
    folder = softcopy.softcopy_dir(runtime.settings) / req.number
    assert req.status == RequestStatus.PREPARING and any(folder.iterdir())   # half made
    assert [r.number for r in softcopy.needing_staff()] == [req.number]
    # the kiosk starts again: its sender's first round puts it right
    outbox.BackgroundSender(lambda: runtime.settings, clock, lambda mail: None, recover=softcopy.recover).run_once()
    assert SoftcopyRequest.get_by_id(req.id).status == RequestStatus.FAILED
    assert not folder.exists() and OutboxMail.select().count() == 0
    assert [(r.number, r.status) for r in softcopy.needing_staff()] == [(req.number, "failed")]


def test_killed_after_the_message_was_stored_it_is_queued_not_failed(runtime, clock, tmp_path):
    req = killed_while(runtime, "enqueue", add_publication(tmp_path / "lib").id)
    assert req.status == RequestStatus.PREPARING and OutboxMail.get().status == MailStatus.QUEUED
    assert softcopy.recover_preparing(runtime.settings, clock) == [req.number]
    assert SoftcopyRequest.get_by_id(req.id).status == RequestStatus.QUEUED and softcopy.needing_staff() == []


def test_a_request_being_prepared_by_a_live_process_is_left_alone(runtime, clock, tmp_path):
    now = to_utc_naive(clock.now())
    mine = SoftcopyRequest.create(number="SC-20261124-0001", name="A", email="a@example.com", terms_accepted_at=now,
                                  status=RequestStatus.PREPARING, preparer=outbox.claim_token(), created_at=now)
    remote = SoftcopyRequest.create(number="SC-20261124-0002", name="B", email="b@example.com",
                                    terms_accepted_at=now, status=RequestStatus.PREPARING,
                                    preparer="kiosk-lantai-2:4242", created_at=now)
    assert softcopy.recover_preparing(runtime.settings, clock) == []
    clock.advance(outbox.STALE_AFTER_S + 60)     # another host's claim expires; ours never while we live
    assert softcopy.recover_preparing(runtime.settings, clock) == [remote.number]
    assert SoftcopyRequest.get_by_id(mine.id).status == RequestStatus.PREPARING
    assert remote.created_at < to_utc_naive(clock.now()) - dt.timedelta(hours=1)


def test_mail_status_lists_a_request_killed_mid_stamp(runtime, clock, tmp_path, capsys):
    from kiosk.cli import main

    req = killed_while(runtime, "stamping", add_publication(tmp_path / "lib").id)
    assert main(["--config", str(runtime.config_path), "mail", "status"]) == 0
    out = capsys.readouterr().out
    assert "requests without a message: 1" in out and f"{req.number}\t" in out and "\tpreparing\t" in out
    assert "andi.saputra" not in out


def test_low_disk_stops_new_softcopies_politely_before_anything_is_numbered(tmp_path, clock):
    # stamped copies must not fill the disk under the database (issue 13: stop them before SQLite says "disk full")
    with tmpfs(tmp_path / "disk", "48m") as disk:          # under the 100 MB the doctor calls FAIL
        rt = make_runtime(disk, clock=clock)
        try:
            pub = add_publication(disk / "lib")
            with pytest.raises(softcopy.KioskError) as err:
                ask(rt, clock, pub)
            assert "new softcopies are stopped" in str(err.value)
            assert gettext_for("id", err.value.visitor_message).startswith("Maaf")
            assert SoftcopyRequest.select().count() == 0 and OutboxMail.select().count() == 0
        finally:
            rt.close()
