"""The outbox against a real SMTP server (aiosmtpd) on loopback: what arrives, when, and how often."""
from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.core import outbox, softcopy
from kiosk.core.models import OutboxMail, SoftcopyItem, SoftcopyRequest
from kiosk.devices.mail import KeepInOutbox, SmtpSender, make_sender
from helpers import make_runtime
from smtp_helpers import Server, mail_config, port, smtp  # noqa: F401  (fixtures)
from pdf_helpers import add_publication

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def rt(tmp_path, clock, port):
    runtime = make_runtime(tmp_path, clock=clock, replace=mail_config(port))
    yield runtime
    runtime.close()


def make_request(rt, clock, tmp_path, language="id"):
    pub = add_publication(tmp_path / "lib", "Kota Contoh Dalam Angka 2026")
    return softcopy.create_request(rt.settings, clock, [pub.id], "Siti Rahma", "siti.rahma@gmail.com",
                                   purpose_code="skripsi", terms_accepted=True, language=language)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize("language,subject,greeting", [
    ("id", "Softcopy dari Perpustakaan BPS Kota Contoh — SC-20261124-0001", "Yth. Siti Rahma,"),
    ("en", "Softcopy from the BPS Kota Contoh library — SC-20261124-0001", "Dear Siti Rahma,")])
def test_the_stamped_file_arrives_in_the_visits_language(rt, clock, tmp_path, smtp, language, subject, greeting):
    out = make_request(rt, clock, tmp_path, language)
    status = softcopy.deliver_now(rt.settings, clock, make_sender(rt.settings.mail), out)
    assert status == "sent"
    assert len(smtp.sink.received) == 1
    mail_from, rcpts, raw = smtp.sink.received[0]
    assert (mail_from, rcpts) == ("perpustakaan@example.go.id", ["siti.rahma@gmail.com"])
    msg = parse(raw)
    assert msg["Subject"] == subject and msg["Content-Language"] == language
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith(greeting) and "SC-20261124-0001" in body and "https://www.lapor.go.id" in body
    channel = "BPS complaints" if language == "en" else "Pengaduan BPS"
    assert f"{channel}: https://pengaduan.bps.go.id" in body
    [attachment] = list(msg.iter_attachments())
    item = SoftcopyItem.get(SoftcopyItem.request == out.request_id)
    assert attachment.get_content() == Path(item.file_path).read_bytes()
    assert attachment.get_filename().endswith("_SC-20261124-0001.pdf")
    original = Path(item.publication.file_path).read_bytes()
    assert attachment.get_content() != original and b"PSTStamp" in attachment.get_content()
    row = OutboxMail.get_by_id(out.mail_id)
    assert (row.status, row.attempts) == ("sent", 1) and row.sent_at is not None
    assert SoftcopyRequest.get_by_id(out.request_id).status == "sent"


def test_server_down_keeps_it_queued_then_it_is_delivered_exactly_once(rt, clock, tmp_path, port):
    out = make_request(rt, clock, tmp_path)
    sender = make_sender(rt.settings.mail)
    assert softcopy.deliver_now(rt.settings, clock, sender, out) == "queued"
    row = OutboxMail.get_by_id(out.mail_id)
    assert (row.status, row.attempts) == ("queued", 1) and "Connection refused" in row.last_error
    # backoff: nothing is due before the first minute is over
    assert outbox.send_due(rt.settings, clock, sender) == []
    clock.advance(30)
    assert outbox.send_due(rt.settings, clock, sender) == []
    server = Server(port).start()
    try:
        clock.advance(31)
        attempts = outbox.send_due(rt.settings, clock, sender)
        assert [a.status for a in attempts] == ["sent"]
        clock.advance(3600)
        assert outbox.send_due(rt.settings, clock, sender, force=True) == []
        assert len(server.sink.received) == 1
    finally:
        server.stop()
    assert OutboxMail.get_by_id(out.mail_id).attempts == 2


def test_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff_s(n) for n in (1, 2, 3, 4, 7, 20)] == [60, 120, 240, 480, 3600, 3600]


CRASH = textwrap.dedent("""
    import os, sys
    from kiosk.core import outbox
    from kiosk.devices.mail import SmtpSender
    from kiosk.runtime import open_runtime
    rt = open_runtime(sys.argv[1])
    phase = sys.argv[2]

    class Crashing(SmtpSender):
        def send(self, raw, sender, recipient, before_data):
            def hook():
                if phase == "before-data":
                    os._exit(9)          # killed after the claim, before the message went out
                before_data()
            super().send(raw, sender, recipient, hook)
            os._exit(9)                  # killed after the server's 250, before marking it sent

    outbox.send_due(rt.settings, rt.clock, Crashing(rt.settings.mail), force=True)
    sys.exit(0)
""")


def crash_while_sending(rt, phase: str) -> None:
    proc = subprocess.run([sys.executable, "-c", CRASH, str(rt.config_path), phase], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr


def test_restart_after_the_server_accepted_never_sends_twice(rt, clock, tmp_path, smtp):
    out = make_request(rt, clock, tmp_path)
    crash_while_sending(rt, "after-data")
    assert len(smtp.sink.received) == 1
    assert OutboxMail.get_by_id(out.mail_id).status == "committing"
    # the restarted kiosk: the dead sender's message is held, not resent
    assert outbox.recover_interrupted(rt.settings, clock) == (0, 1)
    sender = make_sender(rt.settings.mail)
    assert outbox.send_due(rt.settings, clock, sender, force=True) == []
    row = OutboxMail.get_by_id(out.mail_id)
    assert row.status == "held" and "not resent automatically" in row.last_error
    assert len(smtp.sink.received) == 1
    # staff may decide to send it again
    outbox.retry(clock, out.mail_id)
    assert [a.status for a in outbox.send_due(rt.settings, clock, sender, force=True)] == ["sent"]
    assert len(smtp.sink.received) == 2
    ids = {parse(raw)["Message-ID"] for _f, _t, raw in smtp.sink.received}
    assert ids == {row.message_id}   # the same message, recognisable as such


def test_restart_before_the_message_went_out_sends_it_once(rt, clock, tmp_path, smtp):
    out = make_request(rt, clock, tmp_path)
    crash_while_sending(rt, "before-data")
    assert smtp.sink.received == []
    assert OutboxMail.get_by_id(out.mail_id).status == "sending"
    assert outbox.recover_interrupted(rt.settings, clock) == (1, 0)
    sender = make_sender(rt.settings.mail)
    assert [a.status for a in outbox.send_due(rt.settings, clock, sender, force=True)] == ["sent"]
    assert outbox.send_due(rt.settings, clock, sender, force=True) == []
    assert len(smtp.sink.received) == 1


def test_a_live_senders_claim_is_left_alone(rt, clock, tmp_path):
    out = make_request(rt, clock, tmp_path)
    OutboxMail.update(status="committing", claimed_by=outbox.claim_token()).execute()
    assert outbox.recover_interrupted(rt.settings, clock) == (0, 0)
    assert OutboxMail.get_by_id(out.mail_id).status == "committing"


def test_refused_recipient_fails_and_too_large_is_marked(rt, clock, tmp_path, smtp, caplog):
    out = make_request(rt, clock, tmp_path)
    smtp.sink.refuse_rcpt = "550 5.1.1 <siti.rahma@gmail.com>: no such user"
    assert softcopy.deliver_now(rt.settings, clock, make_sender(rt.settings.mail), out) == "failed"
    error = OutboxMail.get_by_id(out.mail_id).last_error
    assert "550" in error and "<s***@gmail.com>" in error
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("kiosk")]   # not aiosmtpd's own log
    assert ours and not any("siti.rahma@" in m for m in ours)    # never a full address in the kiosk's log
    assert SoftcopyRequest.get_by_id(out.request_id).status == "failed"
    out2 = make_request(rt, clock, tmp_path)
    smtp.sink.refuse_rcpt = "552 5.3.4 message too big"
    assert softcopy.deliver_now(rt.settings, clock, make_sender(rt.settings.mail), out2) == "too_large"
    assert smtp.sink.received == []


def test_mail_disabled_keeps_everything_in_the_outbox(tmp_path, clock, smtp):
    replace = mail_config(smtp.port)
    del replace["enabled = false"]
    runtime = make_runtime(tmp_path, clock=clock, replace=replace)
    try:
        sender = make_sender(runtime.settings.mail)
        assert isinstance(sender, KeepInOutbox)
        out = make_request(runtime, clock, tmp_path)
        assert softcopy.deliver_now(runtime.settings, clock, sender, out) == "queued"
        assert smtp.sink.received == [] and OutboxMail.get_by_id(out.mail_id).status == "queued"
    finally:
        runtime.close()


def test_header_injection_never_reaches_the_outbox(rt, clock):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = "x"
    msg["To"] = "a@b.com, c@d.com"
    with pytest.raises(outbox.UnsafeAddress):
        outbox.enqueue(rt.settings, clock, msg)
    assert OutboxMail.select().count() == 0
    assert not list(outbox.outbox_dir(rt.settings).glob("*.eml")) if outbox.outbox_dir(rt.settings).exists() else True


def test_cli_flush_sends_the_queue(rt, clock, tmp_path, smtp, capsys):
    from kiosk.cli import main

    make_request(rt, clock, tmp_path)
    make_request(rt, clock, tmp_path)
    assert main(["--config", str(rt.config_path), "mail", "flush"]) == 0
    assert "sent 2, still queued 0" in capsys.readouterr().out
    assert len(smtp.sink.received) == 2


def test_password_file_is_read_for_login(tmp_path, port):
    secret = tmp_path / "smtp-password"
    secret.write_text("rahasia\n")
    rt_settings = make_runtime(tmp_path, replace={**mail_config(port), 'password_file = ""':
                                                  f'password_file = "{secret}"'}).settings
    assert SmtpSender(rt_settings.mail)._password() == "rahasia"
