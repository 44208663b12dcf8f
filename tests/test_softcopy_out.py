"""`--out` for staff: never over an existing file without --force, never through a symlink, never into the
data folder or over the library's original (issue 11.2). Real files, real links, the real stamping."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.core import softcopy
from kiosk.core.errors import KioskError
from kiosk.core.models import OutboxMail, SoftcopyRequest
from pdf_helpers import add_publication


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hand_over(runtime, clock, ids, out: Path, force: bool = False):
    extra = {"force": True} if force else {}
    return softcopy.create_request(runtime.settings, clock, ids, "Budi Santoso", "budi@example.com",
                                   purpose_code="lainnya", terms_accepted=True, out=out, **extra)


def refused(runtime, clock, ids, out: Path, match: str, force: bool = False) -> None:
    before = SoftcopyRequest.select().count()
    with pytest.raises(KioskError, match=match) as info:
        hand_over(runtime, clock, ids, out, force)
    assert "\n" not in str(info.value)
    # refused before anything was numbered, stamped or queued
    assert SoftcopyRequest.select().count() == before and OutboxMail.select().count() == 0


@pytest.fixture
def pub(tmp_path):
    return add_publication(tmp_path / "lib", "Kota Contoh Dalam Angka 2026")


def stamped_for_budi(path: Path) -> bool:
    return all("budi@example.com" in p.extract_text() for p in PdfReader(path).pages)


def test_an_existing_file_is_kept_unless_force(runtime, clock, tmp_path, pub):
    target = tmp_path / "untuk-budi.pdf"
    target.write_bytes(b"yesterday's softcopy for someone else")
    refused(runtime, clock, [pub.id], target, "already exists; add --force")
    assert target.read_bytes() == b"yesterday's softcopy for someone else"
    out = hand_over(runtime, clock, [pub.id], target, force=True)
    assert out.status == "handed_over" and stamped_for_budi(target)
    assert target.stat().st_mode & 0o077 == 0 and not list(tmp_path.glob(".softcopy-*"))


@pytest.mark.parametrize("force", [False, True])
def test_a_symlink_to_the_database_is_never_followed(runtime, clock, tmp_path, pub, force):
    db_file = runtime.settings.storage.data_dir / "kiosk.db"
    before = digest(db_file)
    link = tmp_path / "out.pdf"
    link.symlink_to(db_file)
    refused(runtime, clock, [pub.id], link, "symbolic link", force=force)
    assert link.is_symlink() and digest(db_file) == before


def test_a_dangling_symlink_is_refused_and_not_created_through(runtime, clock, tmp_path, pub):
    link = tmp_path / "out.pdf"
    link.symlink_to(tmp_path / "nowhere" / "x.pdf")
    refused(runtime, clock, [pub.id], link, "symbolic link", force=True)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("where", ["data", "outbox", "linked-folder"])
def test_nothing_is_written_into_the_data_folder(runtime, clock, tmp_path, pub, where):
    data = runtime.settings.storage.data_dir
    if where == "linked-folder":           # a folder that is really the data folder
        (tmp_path / "usb").symlink_to(data, target_is_directory=True)
        target = tmp_path / "usb" / "kiosk.pdf"
    else:
        target = (data if where == "data" else data / "outbox") / "kiosk.pdf"
    refused(runtime, clock, [pub.id], target, "data folder", force=True)
    assert not (data / "kiosk.pdf").exists() and not (data / "outbox" / "kiosk.pdf").exists()


def test_the_librarys_original_is_never_overwritten(runtime, clock, tmp_path, pub):
    original = Path(pub.file_path)
    before = digest(original)
    refused(runtime, clock, [pub.id], original, "original", force=True)
    hard = tmp_path / "copy-of-original.pdf"        # another name for the same file
    os.link(original, hard)
    refused(runtime, clock, [pub.id], hard, "original", force=True)
    assert digest(original) == before


def test_several_publications_go_into_a_folder_without_replacing_anything(runtime, clock, tmp_path, pub):
    other = add_publication(tmp_path / "lib", "Statistik Kesejahteraan Rakyat", pages=2)
    folder = tmp_path / "untuk-budi"
    out = hand_over(runtime, clock, [pub.id, other.id], folder)
    written = sorted(folder.iterdir())
    assert [p.name for p in written] == sorted(f.name for f in out.files) and all(map(stamped_for_budi, written))
    # a file of the same name is already there (made by hand): the second request refuses, keeps it
    clash = folder / "Kota-Contoh-Dalam-Angka-2026_SC-20261124-0002.pdf"
    clash.write_bytes(b"keep me")
    with pytest.raises(KioskError, match="already exists"):
        hand_over(runtime, clock, [pub.id, other.id], folder)
    assert clash.read_bytes() == b"keep me"
    assert SoftcopyRequest.get(SoftcopyRequest.number == "SC-20261124-0002").status == "failed"


def test_cli_refuses_in_one_line_and_replaces_only_with_force(runtime, tmp_path, pub, capsys):
    from kiosk.cli import main

    target = tmp_path / "untuk-budi.pdf"
    target.write_bytes(b"keep")
    args = ["--config", str(runtime.config_path), "softcopy", str(pub.id), "--name", "Budi Santoso",
            "--email", "budi@example.com", "--out", str(target)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists; add --force" in err and target.read_bytes() == b"keep"
    assert main([*args, "--force"]) == 0
    assert capsys.readouterr().out.startswith("SC-") and stamped_for_budi(target)
