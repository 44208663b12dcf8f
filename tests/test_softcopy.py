"""Softcopy requests: validation, refusals, numbering, stamped files, the outbox row and .eml, the CLI."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.cli import main
from kiosk.core import outbox, privacy, softcopy
from kiosk.core.clock import UTC, to_utc_naive
from kiosk.core.errors import ValidationError
from kiosk.core.models import OutboxMail, Publication, SoftcopyItem, SoftcopyRequest
from pdf_helpers import add_publication, make_pdf  # noqa: F401 (add_publication: a fixture-like helper)
from helpers import kiosks_at_once
from pg_server import pg_runtime, postgres_server, postgres_url  # noqa: F401  (fixtures)



def _noise_pdf(path: Path) -> None:
    import os

    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    img = Image.frombytes("RGB", (640, 640), os.urandom(640 * 640 * 3))
    c = Canvas(str(path))
    c.drawImage(ImageReader(img), 0, 0, 595, 842)
    c.showPage()
    c.save()
    assert path.stat().st_size > 1024 * 1024


def request(runtime, clock, ids, email_addr="andi.saputra@gmail.com", **kw):
    kw.setdefault("purpose_code", "penelitian")
    kw.setdefault("terms_accepted", True)
    return softcopy.create_request(runtime.settings, clock, ids, "Andi Saputra", email_addr, **kw)


def test_a_request_stamps_each_file_and_stores_the_message_before_sending(runtime, clock, tmp_path):
    a = add_publication(tmp_path / "lib", "Kota Contoh Dalam Angka 2026")
    b = add_publication(tmp_path / "lib", "Statistik Kesejahteraan Rakyat", pages=2)
    out = request(runtime, clock, [a.id, b.id], language="en")
    assert out.number == "SC-20261124-0001" and out.status == "queued"
    req = SoftcopyRequest.get_by_id(out.request_id)
    assert (req.name, req.email, req.purpose, req.language, req.status) == (
        "Andi Saputra", "andi.saputra@gmail.com", "penelitian", "en", "queued")
    items = list(SoftcopyItem.select().where(SoftcopyItem.request == req.id))
    assert [i.publication_id for i in items] == [a.id, b.id]
    data_dir = runtime.settings.storage.data_dir
    for item in items:
        path = Path(item.file_path)
        assert path.is_relative_to(data_dir / "softcopy" / out.number) and path.stat().st_mode & 0o077 == 0
        assert all(out.number in p.extract_text() for p in PdfReader(path).pages)
    mail = OutboxMail.get_by_id(out.mail_id)
    assert (mail.status, mail.to_address, mail.kiosk) == ("queued", "andi.saputra@gmail.com", "kiosk-1")
    msg = email.message_from_bytes(Path(mail.eml_path).read_bytes(), policy=email.policy.default)
    assert msg["Message-ID"] == mail.message_id and msg["To"] == "andi.saputra@gmail.com"
    assert msg["Subject"] == "Softcopy from the BPS Kota Contoh library — SC-20261124-0001"
    attached = [p.get_content() for p in msg.iter_attachments()]
    assert attached == [Path(i.file_path).read_bytes() for i in items]
    body = msg.get_body(("plain",)).get_content()
    assert "Dear Andi Saputra," in body and "SP4N-LAPOR!" in body and "Statistik Kesejahteraan Rakyat" in body


def test_numbers_count_per_local_day(runtime, clock, tmp_path):
    pub = add_publication(tmp_path / "lib")
    clock.set(dt.datetime(2026, 11, 24, 16, 59, tzinfo=UTC))   # 23:59 WIB
    assert request(runtime, clock, [pub.id]).number == "SC-20261124-0001"
    assert request(runtime, clock, [pub.id]).number == "SC-20261124-0002"
    clock.advance(120)                                            # 00:01 WIB the next day
    assert request(runtime, clock, [pub.id]).number == "SC-20261125-0001"


def test_read_only_and_not_allowed_publications_are_refused_with_a_reason(runtime, clock, tmp_path):
    ok = add_publication(tmp_path / "lib", "Boleh")
    ro = add_publication(tmp_path / "lib", "Hanya baca", read_only=True)
    no = add_publication(tmp_path / "lib", "Tidak boleh", softcopy_allowed=False)
    with pytest.raises(softcopy.SoftcopyRefused) as info:
        request(runtime, clock, [ok.id, ro.id, no.id, 999])
    reasons = {r.publication_id: r.reason for r in info.value.refusals}
    assert reasons == {ro.id: softcopy.READ_ONLY, no.id: softcopy.NOT_ALLOWED, 999: softcopy.UNKNOWN}
    assert SoftcopyRequest.select().count() == 0 and OutboxMail.select().count() == 0


@pytest.mark.parametrize("address", [
    "andi@gmail.com\r\nBcc: korban@example.com", "andi@gmail.com\nX-Evil: 1", "a@b.com, c@d.com", "a@b.com;c@d.com",
    '"Andi" <andi@gmail.com>', "Andi <andi@gmail.com>", "andi@gmail.com (Andi)", "andi@@gmail.com",
    "andi gmail.com", "andi@localhost", "andi@gmail.com\x00", "a..b@gmail.com", "", "andi@gmail.com\u2028x"])
def test_unsafe_or_multiple_addresses_are_refused(runtime, clock, tmp_path, address):
    pub = add_publication(tmp_path / "lib")
    with pytest.raises(ValidationError) as info:
        request(runtime, clock, [pub.id], email_addr=address)
    assert set(info.value.errors) == {"email"}
    assert OutboxMail.select().count() == 0


def test_outer_spaces_and_domain_case_are_forgiven():
    assert outbox.clean_address("  Andi.S@GMail.COM ") == "Andi.S@gmail.com"


def test_the_form_names_each_missing_field(runtime, clock, tmp_path):
    pub = add_publication(tmp_path / "lib")
    with pytest.raises(ValidationError) as info:
        softcopy.create_request(runtime.settings, clock, [pub.id], " ", "x", terms_accepted=False)
    assert set(info.value.errors) == {"name", "email", "purpose", "terms"}


def test_over_the_attachment_limit_the_request_is_kept_and_marked_too_large(tmp_path, clock):
    from helpers import make_runtime

    rt = make_runtime(tmp_path, clock=clock, replace={"max_attachment_mb = 20": "max_attachment_mb = 1"})
    try:
        pub = add_publication(tmp_path / "lib", pages=2)
        _noise_pdf(Path(pub.file_path))    # ~1.2 MB that does not compress
        out = request(rt, clock, [pub.id])
        assert out.status == "too_large"
        assert SoftcopyRequest.get_by_id(out.request_id).status == "too_large"
        assert OutboxMail.get_by_id(out.mail_id).status == "too_large"
        assert out.files[0].exists()
    finally:
        rt.close()


def test_stamping_failure_marks_the_request_failed_and_leaves_no_file(runtime, clock, tmp_path):
    pub = add_publication(tmp_path / "lib")
    Path(pub.file_path).write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(softcopy.RequestFailed):
        request(runtime, clock, [pub.id])
    req = SoftcopyRequest.get()
    assert req.status == "failed"
    assert not (softcopy.softcopy_dir(runtime.settings) / req.number).exists()
    assert OutboxMail.select().count() == 0


def test_cli_out_writes_the_stamped_pdf_and_mails_nothing(runtime, clock, tmp_path, capsys):
    pub = add_publication(tmp_path / "lib")
    target = tmp_path / "for-staff.pdf"
    rc = main(["--config", str(runtime.config_path), "softcopy", str(pub.id), "--name", "Budi", "--email",
               "budi@example.com", "--out", str(target)])
    assert rc == 0
    number = capsys.readouterr().out.split()[0]
    assert number.startswith("SC-") and all(number in p.extract_text() for p in PdfReader(target).pages)
    assert OutboxMail.select().count() == 0
    assert SoftcopyRequest.get(SoftcopyRequest.number == number).status == "handed_over"


def test_cli_refusal_is_one_line(runtime, tmp_path, capsys):
    pub = add_publication(tmp_path / "lib", read_only=True)
    rc = main(["--config", str(runtime.config_path), "softcopy", str(pub.id), "--name", "Budi", "--email",
               "budi@example.com"])
    assert rc == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "only be read here" in err


def test_cli_mail_status_lists_the_queue(runtime, clock, tmp_path, capsys):
    pub = add_publication(tmp_path / "lib")
    request(runtime, clock, [pub.id])
    assert main(["--config", str(runtime.config_path), "mail", "status"]) == 0
    out = capsys.readouterr().out
    assert "queued=1" in out and "a***@gmail.com" in out and "andi.saputra" not in out


def test_privacy_purge_removes_old_copies_and_messages(runtime, clock, tmp_path):
    pub = add_publication(tmp_path / "lib")
    old = request(runtime, clock, [pub.id])
    clock.advance(400 * 86400)
    new = request(runtime, clock, [pub.id])
    result = privacy.purge(runtime.db, runtime.settings, clock)
    assert result.softcopy_files == 2      # one request folder, one message
    assert not old.files[0].exists() and new.files[0].exists()
    old_mail, new_mail = OutboxMail.get_by_id(old.mail_id), OutboxMail.get_by_id(new.mail_id)
    assert (old_mail.to_address, old_mail.eml_path) == ("", "")
    assert new_mail.to_address == "andi.saputra@gmail.com" and Path(new_mail.eml_path).exists()
    assert SoftcopyRequest.get_by_id(old.request_id).email is None
    assert to_utc_naive(clock.now()) > old_mail.created_at


@pytest.mark.postgres
def test_three_kiosks_on_postgres_never_share_a_number(tmp_path, clock, pg_runtime):  # noqa: F811
    pub = add_publication(tmp_path / "lib", pages=1)

    def kiosk(name: str) -> None:
        for _ in range(4):
            request(pg_runtime, clock, [pub.id], limits=False)   # numbering, not the per-address limit

    kiosks_at_once(pg_runtime.db, kiosk, ["kiosk-1", "kiosk-2", "kiosk-3"])
    numbers = sorted(r.number for r in SoftcopyRequest.select())
    assert numbers == [f"SC-20261124-{n:04d}" for n in range(1, 13)]
    assert OutboxMail.select().count() == 12
