"""The printed library's scanner behind ``kiosk.core.ports.Scanning``, chosen by ``[scanner] kind``.

* ``sane`` — a scanner on this PC through Debian's ``scanimage`` (sane-utils), one process per page.
  Chosen over the python-sane binding for reliability: SANE backends are C drivers that can hang
  or crash inside ``sane_read``; in a child process a hang ends at ``timeout_s`` (the process is
  killed) and a crash is an exit code, while in-process either would freeze or kill the
  touchscreen. ``scanimage`` exits with the SANE status of the failure (3 busy, 6 jammed, 7 no
  documents, 8 cover open, 9 I/O error …), which maps one-to-one onto ``ScanFault``; it needs no
  compiler or headers to install, and staff can run the very same command by hand.
* ``folder`` — a multifunction printer that scans into a shared folder: each "scan" takes the oldest
  finished file there (PDF, JPEG, PNG, TIFF), splits it into page images and removes it. A file
  that is too large or cannot be read is moved to ``rejected/`` so it cannot block the next scan.
* ``none`` — no scanner: every scan says so.

A page is written under a temporary name and renamed, so the core never sees half a page.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from kiosk.core.config_scanner import ScannerSettings
from kiosk.core.ports import ScanFault, ScannerError, Scanning

log = logging.getLogger(__name__)

PAGE_MM = {"A4": (210, 297), "F4": (215, 330), "Letter": (216, 279), "A5": (148, 210)}
FOLDER_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")
MAX_PIXELS = 60_000_000          # a page at 600 dpi on F4 is 35 Mpx; more is not a page
MAX_PDF_PAGES = 50               # a folder PDF with more pages than any request may hold is refused

# scanimage exits with the SANE status code of what failed (sane/sane.h)
SANE_STATUS = {3: ScanFault.BUSY, 6: ScanFault.JAMMED, 7: ScanFault.NO_PAGE, 8: ScanFault.COVER_OPEN,
               9: ScanFault.LOST, 10: ScanFault.LOST, 11: ScanFault.NO_SCANNER}


# sane_strstatus() texts, as scanimage prints them after "sane_start:" / "sane_read:" / "open of device"
SANE_WORDS = (("device busy", ScanFault.BUSY), ("jammed", ScanFault.JAMMED), ("out of documents", ScanFault.NO_PAGE),
              ("cover is open", ScanFault.COVER_OPEN), ("error during device i/o", ScanFault.LOST),
              ("access to resource has been denied", ScanFault.NO_SCANNER), ("open of device", ScanFault.NO_SCANNER),
              ("no sane devices", ScanFault.NO_SCANNER), ("out of memory", ScanFault.LOST))


def _new_name(work_dir: Path, suffix: str) -> Path:
    return work_dir / f"raw-{uuid.uuid4().hex[:12]}{suffix}"


FAILED_MARKS = (b"sane_read:", b"sane_start:", b"open of device")
GRACE_S = 2.0        # once scanimage has said what failed, how long it may take to stop


def _wait_unreaped(pid: int, timeout: float, err) -> bool:
    """Whether process ``pid`` ended (leaving it a zombie, reaped by the caller) before ``timeout`` s —
    or, once it has written a failure to ``err``, within ``GRACE_S`` of that: scanimage sometimes hangs
    cancelling a failed scan (seen with SANE's test backend), and the failure is known by then."""
    deadline = time.monotonic() + timeout
    told = False
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        now = time.monotonic()
        if not told:
            err.seek(0)
            said = err.read()
            if any(mark in said for mark in FAILED_MARKS):
                told, deadline = True, min(deadline, now + GRACE_S)
        if now >= deadline:
            return told      # it said what failed: that, not "no answer", is the fault
        time.sleep(0.01)


class SaneScanner:
    def __init__(self, settings: ScannerSettings, scanimage: str = "scanimage"):
        self.device = settings.device
        self.resolution = settings.resolution
        self.mode = settings.mode
        self.page_mm = PAGE_MM[settings.page_size]
        self.timeout_s = settings.timeout_s
        self.scanimage = scanimage

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        """scanimage in its own process group, stderr to a file: a SANE backend may fork a reader that
        outlives scanimage and would hold a pipe open (waiting for its EOF hung until the timeout); the
        whole group is killed when scanimage ends or times out, so no driver process is left behind."""
        cmd = [self.scanimage] + (["-d", self.device] if self.device else []) + args
        with tempfile.TemporaryFile(mode="a+b") as err:     # O_APPEND: reading it never moves where it writes
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                        start_new_session=True)
            except FileNotFoundError:
                raise ScannerError(f"{self.scanimage} not found (install Debian's sane-utils)",
                                   ScanFault.NO_SCANNER) from None
            try:
                ended = _wait_unreaped(proc.pid, timeout, err)
            finally:
                # scanimage is not reaped yet, so its group id cannot have been reused: safe to kill
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                code = proc.wait()
            if not ended:      # a driver stuck in sane_read, or a network scanner gone, and silent
                raise ScannerError(f"scanner {self.device or '(default)'}: no answer within {timeout:g} s",
                                   ScanFault.LOST)
            err.seek(0)
            return subprocess.CompletedProcess(cmd, code, b"", err.read()[-8192:])

    def _fail(self, proc: subprocess.CompletedProcess) -> ScannerError:
        # scanimage also notes how it clamped the area to the glass: not the failure
        lines = [ln for ln in proc.stderr.decode("utf-8", "replace").splitlines() if "rounded value" not in ln]
        said = " ".join(" ".join(lines).split())[-300:]
        lower = said.lower()
        # the status as scanimage words it first: after a failed sane_read it may still exit 0 (SIGPIPE)
        reason = next((fault for words, fault in SANE_WORDS if words in lower), None)
        if reason is None:
            reason = SANE_STATUS.get(proc.returncode, ScanFault.LOST)
        return ScannerError(f"scanner {self.device or '(default)'}: {said or 'exit ' + str(proc.returncode)}", reason)

    def scan(self, work_dir: Path) -> list[Path]:
        work_dir.mkdir(parents=True, exist_ok=True)
        dest = _new_name(work_dir, ".png")
        part = dest.with_name(dest.name + ".part")
        width, height = self.page_mm
        # a larger area than the glass is clamped by scanimage (it says so on stderr and goes on)
        args = ["--format=png", "--mode", self.mode, "--resolution", str(self.resolution),
                "-l", "0", "-t", "0", "-x", str(width), "-y", str(height), "-o", str(part)]
        try:
            proc = self._run(args, self.timeout_s)
            if proc.returncode != 0 or b"sane_read:" in proc.stderr or b"sane_start:" in proc.stderr:
                raise self._fail(proc)
            self._check_whole(part)
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)
        return [dest]

    def _check_whole(self, part: Path) -> None:
        """A page cut short (the device gone mid-page while scanimage still exits 0) is not a page."""
        from PIL import Image

        try:
            with Image.open(part) as im:
                im.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise ScannerError(f"scanner {self.device or '(default)'}: the page came back incomplete ({exc})",
                               ScanFault.LOST) from None

    def status(self) -> str:
        proc = self._run(["-A"], min(self.timeout_s, 30.0))    # opens the device: proves it is there
        if proc.returncode != 0:
            raise self._fail(proc)
        w, h = self.page_mm
        return f"sane {self.device or '(first device)'}: ready, {self.mode} {self.resolution} dpi, {w}x{h} mm"


class FolderScanner:
    """Takes the oldest finished file from the folder a multifunction printer scans into."""

    def __init__(self, settings: ScannerSettings, settle_s: float = 0.3):
        self.folder = settings.folder
        self.max_bytes = settings.max_file_mb * 1024 * 1024
        self.resolution = settings.resolution
        self.settle_s = settle_s

    def _candidates(self) -> list[Path]:
        if self.folder is None or not self.folder.is_dir():
            raise ScannerError(f"scan folder {self.folder} does not exist", ScanFault.NO_SCANNER)
        found = []
        with os.scandir(self.folder) as it:
            for entry in it:
                if entry.name.startswith(".") or not entry.name.lower().endswith(FOLDER_SUFFIXES):
                    continue
                try:
                    if entry.is_file(follow_symlinks=False):
                        found.append((entry.stat().st_mtime, entry.name))
                except OSError:
                    continue    # removed while listing
        return [self.folder / name for _mtime, name in sorted(found)]

    def _finished(self, path: Path) -> bool:
        """Still the same size after a moment: the printer is done writing it."""
        try:
            before = path.stat()
            time.sleep(self.settle_s)
            after = path.stat()
        except FileNotFoundError:
            return False
        return (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) and after.st_size > 0

    def _reject(self, path: Path, why: str, reason: ScanFault) -> ScannerError:
        rejected = self.folder / "rejected"
        try:
            rejected.mkdir(exist_ok=True)
            os.replace(path, rejected / path.name)
            where = f"moved to {rejected}"
        except OSError as exc:
            where = f"could not be moved aside: {exc.strerror}"
        log.warning("scan folder: %s %s (%s)", path.name, why, where)
        return ScannerError(f"scan folder: {path.name} {why}; {where}", reason)

    def scan(self, work_dir: Path) -> list[Path]:
        work_dir.mkdir(parents=True, exist_ok=True)
        path = next((p for p in self._candidates() if self._finished(p)), None)
        if path is None:
            raise ScannerError(f"scan folder {self.folder}: no finished scan in it", ScanFault.NO_PAGE)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ScannerError(f"scan folder: {path.name} went away", ScanFault.LOST) from None
        if size > self.max_bytes:
            raise self._reject(path, f"is {size / 1048576:.0f} MB (limit {self.max_bytes // 1048576} MB)",
                               ScanFault.TOO_LARGE)
        claimed = _new_name(work_dir, path.suffix.lower())
        part = claimed.with_name(claimed.name + ".part")
        try:
            with path.open("rb") as src, part.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(part, claimed)
        except FileNotFoundError:
            part.unlink(missing_ok=True)
            raise ScannerError(f"scan folder: {path.name} went away while being read", ScanFault.LOST) from None
        except PermissionError:
            part.unlink(missing_ok=True)
            raise self._reject(path, "cannot be read (permissions)", ScanFault.UNREADABLE) from None
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise ScannerError(f"scan folder: {path.name}: {exc.strerror}", ScanFault.LOST) from None
        try:
            pages = self._split(claimed, work_dir)
        except ScannerError as exc:
            claimed.unlink(missing_ok=True)
            raise self._reject(path, f"is not a readable scan ({exc})", exc.reason) from None
        path.unlink(missing_ok=True)      # taken: it may show a visitor's notes, it must not stay shared
        return pages

    def _split(self, claimed: Path, work_dir: Path) -> list[Path]:
        """Page images from one file: an image as it is, each frame of a TIFF, each page of a PDF."""
        if claimed.suffix == ".pdf":
            return self._render_pdf(claimed, work_dir)
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(claimed) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise ScannerError(f"{im.width}x{im.height} px", ScanFault.TOO_LARGE)
                frames = getattr(im, "n_frames", 1)
                if frames == 1:
                    im.verify()
                    return [claimed]
                pages = []
                for i in range(min(frames, MAX_PDF_PAGES)):
                    im.seek(i)
                    dest = _new_name(work_dir, ".png")
                    im.save(dest.with_name(dest.name + ".part"), format="PNG")
                    os.replace(dest.with_name(dest.name + ".part"), dest)
                    pages.append(dest)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ScannerError(f"unreadable image: {exc}", ScanFault.UNREADABLE) from None
        claimed.unlink(missing_ok=True)
        return pages

    def _render_pdf(self, claimed: Path, work_dir: Path) -> list[Path]:
        import pypdfium2 as pdfium

        pages: list[Path] = []
        try:
            doc = pdfium.PdfDocument(str(claimed))
        except pdfium.PdfiumError as exc:
            raise ScannerError(f"unreadable PDF: {exc}", ScanFault.UNREADABLE) from None
        try:
            if len(doc) > MAX_PDF_PAGES:
                raise ScannerError(f"{len(doc)} pages", ScanFault.TOO_LARGE)
            for i in range(len(doc)):
                page = doc[i]
                w_pt, h_pt = page.get_size()
                scale = self.resolution / 72
                if w_pt * h_pt * scale * scale > MAX_PIXELS:     # a 14400 pt page exists: cap by pixels
                    scale = (MAX_PIXELS / (w_pt * h_pt)) ** 0.5
                image = page.render(scale=scale, grayscale=True).to_pil()
                dest = _new_name(work_dir, ".png")
                image.save(dest.with_name(dest.name + ".part"), format="PNG")
                os.replace(dest.with_name(dest.name + ".part"), dest)
                pages.append(dest)
        except pdfium.PdfiumError as exc:
            for p in pages:
                p.unlink(missing_ok=True)
            raise ScannerError(f"unreadable PDF page: {exc}", ScanFault.UNREADABLE) from None
        finally:
            doc.close()
        claimed.unlink(missing_ok=True)
        return pages

    def status(self) -> str:
        waiting = len(self._candidates())
        return f"folder {self.folder}: ready, {waiting} file(s) waiting"


class NoScanner:
    def scan(self, work_dir: Path) -> list[Path]:
        raise ScannerError("no scanner: [scanner] kind = \"none\" in the config", ScanFault.NO_SCANNER)

    def status(self) -> str:
        raise ScannerError("no scanner: [scanner] kind = \"none\" in the config", ScanFault.NO_SCANNER)


def make_scanner(settings: ScannerSettings) -> Scanning:
    if settings.kind == "sane":
        return SaneScanner(settings)
    if settings.kind == "folder":
        return FolderScanner(settings)
    return NoScanner()
