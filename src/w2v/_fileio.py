"""File helpers shared by every reader and writer.

* :func:`open_binary` opens plain, gzip, bz2, xz and single-member zip files by their
  content (magic bytes), not their name, and returns a binary stream.
* :func:`atomic_write` writes through a temporary file in the target's directory and
  renames it over the target only when the block finishes without error, so a crash or
  Ctrl-C never leaves a half-written file behind.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import os
import tempfile
import zipfile
import zlib
from typing import BinaryIO, Iterator

from .errors import CorpusError, W2VError, where

__all__ = ["open_binary", "atomic_write", "atomic_dir", "compression_of", "READ_ERRORS"]

#: What reading a (possibly compressed) stream can raise on corrupt or truncated input;
#: every reader turns these into its own W2VError.
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)

# Magic numbers of the compressed formats we read transparently.
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
)


def compression_of(path: str | os.PathLike) -> str | None:
    """Return ``'gzip'``, ``'bz2'``, ``'xz'``, ``'zip'`` or None (plain) from the magic bytes."""
    with open(path, "rb") as f:
        head = f.read(8)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def open_binary(path: str | os.PathLike, *, error: type[W2VError] = CorpusError) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing it transparently.

    Raises ``error`` (a :class:`W2VError` subclass) when the path is missing, is a
    directory, or is a zip archive with other than exactly one member.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise error(f"{where(path)}: no such file")
    if os.path.isdir(path):
        raise error(f"{where(path)}: is a directory (expected a file)")
    try:
        kind = compression_of(path)
        if kind is None:
            return open(path, "rb")
        if kind == "gzip":
            return gzip.open(path, "rb")
        if kind == "bz2":
            return bz2.open(path, "rb")
        if kind == "xz":
            return lzma.open(path, "rb")
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            archive.close()
            raise error(f"{where(path)}: zip archive has {len(members)} members "
                        "(expected exactly one)")
        return _ZipMember(archive, members[0])
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise error(f"{where(path)}: cannot open ({exc})") from None


class _ZipMember(io.BufferedReader):
    """A zip member stream that also closes its archive."""

    def __init__(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo):
        self._archive = archive
        super().__init__(archive.open(member))  # type: ignore[arg-type]

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._archive.close()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", *,
                 encoding: str | None = None) -> Iterator[io.IOBase]:
    """Write ``path`` atomically: a temporary sibling file, fsync, then ``os.replace``.

    On any exception (Ctrl-C included) the temporary file is removed and ``path`` is
    left as it was.
    """
    if "w" not in mode:
        raise ValueError("atomic_write needs a write mode")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[str]:
    """Build a directory atomically: yields a temporary sibling directory to fill, then
    swaps it in place of ``path`` (an existing ``path`` is replaced only on success)."""
    import shutil

    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                           dir=parent)
    try:
        yield tmp
        old = None
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".old",
                                   dir=parent)
            os.rmdir(old)
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
