"""Where staff may write a stamped softcopy (``kiosk softcopy … --out``), and writing it there.

A stamped copy carries the visitor's name, e-mail and request number, and ``--out`` is typed by a
person: a slip of the keyboard once overwrote the library's original, and a symlink turned the
kiosk's database into a PDF. So ``--out``

* never replaces an existing file unless ``force`` (and then by a rename in its folder, which
  replaces the name, never what a link points to);
* never follows a symbolic link: the file itself must not be one — the new file is created with
  ``O_EXCL | O_NOFOLLOW``, so a link put there after the check is refused too;
* never writes into the kiosk's data folder (database, outbox, stamped copies, identity key) or the
  library's documents folder, nor over any publication's original file — not even with ``force``.

Folders on the way are resolved first, so a link to the data folder is caught as the data folder.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from kiosk.core import models
from kiosk.core.config import Settings
from kiosk.core.errors import KioskError


class UnsafeDestination(KioskError):
    """``--out`` names a place the kiosk refuses to write to (one line, for staff)."""


def _real(path: Path) -> Path:
    """``path`` with every folder on the way resolved, the last part kept as it is (not followed)."""
    path = Path(os.path.abspath(path.expanduser()))
    return path.parent.resolve() / path.name


def _protected(settings: Settings) -> list[tuple[Path, str]]:
    places = [(settings.storage.data_dir, "the kiosk's data folder")]
    if settings.library.documents_dir is not None:
        places.append((settings.library.documents_dir, "the library's documents folder"))
    return [(p.resolve(), what) for p, what in places]


def _check_file(settings: Settings, target: Path, force: bool) -> None:
    for folder, what in _protected(settings):
        if target == folder or target.is_relative_to(folder):
            raise UnsafeDestination(f"{target}: will not write into {what} ({folder})")
    originals = models.Publication.select().where(models.Publication.file_path == str(target)).exists()
    if originals or (target.exists() and _is_an_original(target)):
        raise UnsafeDestination(f"{target}: is a publication's original file; will not write over it")
    if target.is_symlink():
        raise UnsafeDestination(f"{target}: is a symbolic link; will not write through it")
    if target.exists():
        if target.is_dir():
            raise UnsafeDestination(f"{target}: is a folder; name a file ending in .pdf")
        if not force:
            raise UnsafeDestination(f"{target}: already exists; add --force to replace it")


def _is_an_original(target: Path) -> bool:
    """The same file as a publication's (a hard link or another path to it)."""
    st = target.stat()
    p = models.Publication
    for (path,) in p.select(p.file_path).where(p.file_size == st.st_size).tuples():
        try:
            if os.path.samefile(path, target):
                return True
        except OSError:
            continue
    return False


def destinations(settings: Settings, out: Path, names: list[str], force: bool) -> list[Path]:
    """Where each of ``names`` will be written (one ``.pdf`` file, or files in a folder), or
    ``UnsafeDestination``. Called before anything is numbered or stamped."""
    target = _real(Path(out))
    if len(names) == 1 and target.suffix.lower() == ".pdf":
        _check_file(settings, target, force)
        return [target]
    if target.is_symlink():
        raise UnsafeDestination(f"{target}: is a symbolic link; will not write through it")
    if target.exists() and not target.is_dir():
        raise UnsafeDestination(f"{target}: is not a folder (several files need a folder)")
    files = [target / name for name in names]
    for f in files:
        _check_file(settings, f, force)
    return files


def write(src: Path, dest: Path, force: bool) -> None:
    """Copy ``src`` to ``dest``: a new file (``O_EXCL | O_NOFOLLOW``), or with ``force`` a temp file
    renamed over the old name. Raises ``UnsafeDestination`` with the reason."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if force:
            fd, tmp = tempfile.mkstemp(prefix=".softcopy-", suffix=".tmp", dir=dest.parent)
            try:
                _copy_into(src, fd)
                os.replace(tmp, dest)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        else:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                _copy_into(src, fd)
            except BaseException:
                dest.unlink(missing_ok=True)   # ours: O_EXCL made it
                raise
    except FileExistsError:
        raise UnsafeDestination(f"{dest}: already exists; add --force to replace it") from None
    except OSError as exc:
        raise UnsafeDestination(f"{dest}: cannot write: {exc.strerror}") from None


def _copy_into(src: Path, fd: int) -> None:
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out, 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())
