"""Vector and model files: word2vec text and binary, GloVe, fastText ``.vec``, native model.

Formats
-------
word2vec text (also fastText ``.vec``)
    A header line ``V D``, then ``V`` lines ``word v1 ... vD`` (values separated by single
    spaces). We write every value with ``%.9g``: 9 significant digits identify every
    float32 uniquely (``FLT_DECIMAL_DIG``), and since such a decimal lies within a
    relative 5e-9 of the float32 it came from (far inside half a float32 ulp, about
    3e-8 relative at least), reading it back, even through float64, gives the same
    float32 bits. Shorter "shortest round-trip" strings are not safe against that double
    rounding, hence the fixed 9 digits.
word2vec binary (the C tool's ``-binary 1``)
    The same header, then per word ``word`` + one space + ``D`` little-endian float32 +
    ``\\n``. The C tool writes the ``\\n``; gensim does not: the reader accepts both.
GloVe
    Like word2vec text without the header; ``D`` comes from the first line.
native model file
    An uncompressed zip (``ZIP_STORED``) of ``header.json`` (a JSON object with
    ``"format": "w2v-model"`` and ``"format_version"``), ``vocab.txt`` (``word count`` per
    line, most frequent first) and one ``NAME.npy`` per array (``np.save``; read without
    pickle). :class:`w2v.model.Word2Vec` saves and loads itself through
    :func:`save_model_file` and :func:`read_model_file`.

Every reader checks what it reads and raises :class:`w2v.errors.FormatError` naming the
file and the line or byte offset: truncated files, row counts or widths that disagree
with the header, non-numeric, NaN or infinite values, duplicate words, a text file read
as binary and the reverse. Compressed input (gzip, bz2, xz, single-member zip) is read
transparently; every writer is atomic.
"""

from __future__ import annotations

import json
import lzma
import math
import os
import re
import tokenize
import zipfile
import zlib
from typing import BinaryIO, Sequence

import numpy as np

from ._fileio import atomic_write, compression_of, open_binary
from ._validation import check_bool, check_choice, check_int
from .errors import FormatError, ParameterError, where
from .vectors import KeyedVectors

__all__ = [
    "MODEL_FORMAT", "MODEL_FORMAT_VERSION", "VECTOR_FORMATS", "VECTOR_KINDS",
    "save_word2vec", "load_word2vec", "save_glove", "load_glove", "load_vec",
    "load_vectors", "save_model_file", "read_model_file", "is_model_file",
    "load_keyed_vectors",
]

MODEL_FORMAT = "w2v-model"
MODEL_FORMAT_VERSION = 1

# Names accepted by ``load_vectors(format=...)``; "word2vec" is the binary C format.
VECTOR_FORMATS = ("auto", "model", "word2vec", "word2vec-text", "vec", "glove")
# Which vectors of a native model file to use: input, output (context) or their sum.
VECTOR_KINDS = ("in", "out", "sum")

# Bytes read from the stream at a time: big enough to amortise the Python per-read cost.
_CHUNK_BYTES = 1 << 20
# A word longer than this in a binary file means we are not reading a word at all (the
# C tool caps words at 100 bytes; phrases joined by word2phrase stay far below this).
_MAX_WORD_BYTES = 1 << 16
# Larger dimensions are not embeddings but a corrupt header; refusing them avoids trying
# to allocate gigabytes for one row.
_MAX_DIM = 1 << 20
# Rows allocated up front when the header's count cannot be checked against the file
# size (compressed input, or no header at all); the buffer doubles as needed, so the
# rows it holds always came from the file.
_INITIAL_ROWS = 1 << 14
# ... but never more than this many bytes up front: 16384 rows of a corrupt header's
# dimension (up to _MAX_DIM) would be 64 GiB, asked for by a file of a few bytes.
_INITIAL_BYTES = 1 << 26
# Little-endian float32, as the C tool writes on every platform it runs on.
_FLOAT32_LE = np.dtype("<f4")
# Format of one text value: 9 significant digits round-trip every float32 (module doc).
_TEXT_VALUE_FORMAT = "%.9g"
# Characters the C tool and gensim treat as separators; a word must not contain them.
_SEPARATORS = " \t\n\r\v\f"
# Member names inside a native model file.
_HEADER_MEMBER = "header.json"
_VOCAB_MEMBER = "vocab.txt"
_ARRAY_SUFFIX = ".npy"
_ARRAY_NAME = re.compile(r"[A-Za-z0-9_]+\Z")
# What numpy's .npy header parsing raises on a malformed header (it evaluates the header
# as a Python literal, after tokenising it).
_NPY_HEADER_ERRORS = (ValueError, TypeError, SyntaxError, tokenize.TokenError,
                      RecursionError, EOFError)
# Errors a decompressing stream raises on corrupt input, besides OSError and EOFError.
# (bz2 reports corrupt data as OSError.)
_STREAM_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
                  ValueError)


# --------------------------------------------------------------------------------------
# reading helpers
# --------------------------------------------------------------------------------------
class _Reader:
    """A forward-only byte buffer over a stream that knows its absolute offset.

    Decompression errors become :class:`FormatError` naming the file.
    """

    def __init__(self, stream: BinaryIO, path: str):
        self.stream = stream
        self.path = path
        self.buf = b""
        self.pos = 0          # position of the next unread byte in ``buf``
        self.base = 0         # file offset of ``buf[0]``
        self.eof = False

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def available(self) -> int:
        return len(self.buf) - self.pos

    def fill(self, n: int) -> bool:
        """Make at least ``n`` unread bytes available; False if the stream ends first."""
        while self.available() < n and not self.eof:
            try:
                data = self.stream.read(max(_CHUNK_BYTES, n - self.available()))
            except _STREAM_ERRORS as exc:
                raise FormatError(f"{where(self.path, offset=self.base + len(self.buf))}: "
                                  f"cannot decompress ({exc})") from None
            if not data:
                self.eof = True
                break
            self.base += self.pos
            self.buf = self.buf[self.pos:] + data
            self.pos = 0
        return self.available() >= n

    def readline(self) -> bytes:
        """The next line with its ``\\n`` (without one at the end of the file)."""
        start = self.pos
        while True:
            newline = self.buf.find(b"\n", start)
            if newline >= 0:
                line = self.buf[self.pos:newline + 1]
                self.pos = newline + 1
                return line
            start = len(self.buf)
            consumed = self.pos
            if not self.fill(self.available() + 1):
                line = self.buf[self.pos:]
                self.pos = len(self.buf)
                return line
            start -= consumed  # ``fill`` moved the unread bytes to the front of ``buf``

    def peek_line(self, limit: int) -> bytes:
        """The next line (up to ``limit`` bytes) without consuming it."""
        self.fill(limit)
        end = self.buf.find(b"\n", self.pos, self.pos + limit)
        return self.buf[self.pos:end + 1 if end >= 0 else self.pos + limit]

    def rest_is_blank(self) -> int | None:
        """Consume the rest; None if it is only whitespace, else the offset of the first
        other byte."""
        while True:
            chunk = self.buf[self.pos:]
            stripped = chunk.lstrip(b" \t\r\n")
            if stripped:
                return self.offset + len(chunk) - len(stripped)
            self.pos = len(self.buf)
            if not self.fill(1):
                return None


class _Rows:
    """A growing float32 matrix: starts at ``capacity`` rows, doubles up to ``most``."""

    def __init__(self, dim: int, capacity: int, most: int | None):
        self.array = np.empty((max(capacity, 1), dim), dtype=np.float32)
        self.n = 0
        self.most = most

    def next_row(self) -> np.ndarray:
        if self.n == len(self.array):
            grown = len(self.array) * 2
            if self.most is not None:
                grown = min(grown, self.most)
            bigger = np.empty((max(grown, self.n + 1), self.array.shape[1]), np.float32)
            bigger[:self.n] = self.array[:self.n]
            self.array = bigger
        self.n += 1
        return self.array[self.n - 1]

    def result(self) -> np.ndarray:
        if self.n == len(self.array):
            return self.array
        return self.array[:self.n].copy()


def _initial_rows(dim: int) -> int:
    """Rows to allocate before the file has shown how many it holds."""
    return max(1, min(_INITIAL_ROWS, _INITIAL_BYTES // (dim * _FLOAT32_LE.itemsize)))


def _plain_size(path: str) -> int | None:
    """Size in bytes when ``path`` is not compressed (so it bounds the row count)."""
    try:
        return None if compression_of(path) else os.path.getsize(path)
    except OSError:
        return None


def _open(path) -> tuple[_Reader, str]:
    path = os.fspath(path)
    return _Reader(open_binary(path, error=FormatError), path), path


def _parse_header(line: bytes, path: str) -> tuple[int, int]:
    """``V D`` from the first line of a word2vec file."""
    fields = line.split()
    try:
        if len(fields) != 2:
            raise ValueError
        n_words, dim = int(fields[0]), int(fields[1])
    except ValueError:
        shown = line[:80].decode("utf-8", "replace").rstrip("\n")
        raise FormatError(f"{where(path, line=1)}: header {shown!r} is not two integers "
                          "(expected 'WORDS DIMENSIONS', the word2vec header)") from None
    if n_words < 0 or not 1 <= dim <= _MAX_DIM:
        raise FormatError(f"{where(path, line=1)}: header says {n_words} words of "
                          f"dimension {dim} (expected words >= 0 and 1 <= dimension <= "
                          f"{_MAX_DIM})")
    return n_words, dim


def _is_header(line: bytes) -> bool:
    fields = line.split()
    return len(fields) == 2 and all(f.isdigit() for f in fields)


def _split_text_row(line: bytes) -> list[bytes]:
    """Fields of a text row: split on spaces, tolerating repeated and trailing ones."""
    fields = line.rstrip(b"\r\n").split(b" ")
    return [fields[0]] + [f for f in fields[1:] if f]


def _looks_like_text_row(line: bytes, dim: int | None, encoding: str = "utf-8",
                         unicode_errors: str = "strict", *, at_end: bool = False) -> bool:
    """True when ``line`` is a complete ``word v1 .. vD`` text line of finite numbers
    (ending with a newline, or with the file when ``at_end``)."""
    if not (line.endswith(b"\n") or at_end):
        return False
    fields = _split_text_row(line)
    if not fields[0] or (dim is not None and len(fields) != dim + 1) or len(fields) < 2:
        return False
    try:
        fields[0].decode(encoding, unicode_errors)
        return bool(np.all(np.isfinite(np.array([f.decode("ascii") for f in fields[1:]],
                                                dtype=np.float64))))
    except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError
        return False


def _has_binary_bytes(data: bytes) -> bool:
    """True when ``data`` holds control bytes other than tab, CR and LF (text in any
    ASCII-compatible encoding has none; float32 values almost always do)."""
    return any(b < 0x20 and b not in b"\t\r\n" for b in data)


def _decode_word(raw: bytes, encoding: str, unicode_errors: str, location: str) -> str:
    try:
        return raw.decode(encoding, errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{location}: word {raw[:40]!r} is not valid {encoding} ({exc.reason}"
                          "; expected text, or pass unicode_errors='replace')") from None
    except LookupError:
        raise ParameterError(f"parameter encoding={encoding!r} or unicode_errors="
                             f"{unicode_errors!r}: expected a known codec and error "
                             "handler") from None


def _check_finite(vectors: np.ndarray, words: list[str], locate) -> None:
    """FormatError at the first row holding NaN or infinity; ``locate(row)`` names it."""
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        raise FormatError(f"{locate(row)}: vector of {words[row]!r} holds NaN, infinity or "
                          "a value beyond float32 range (expected finite numbers)")


def _check_unique(word: str, index: dict[str, int], location: str, locate) -> None:
    if word in index:
        raise FormatError(f"{location}: duplicate word {word!r} (first at "
                          f"{locate(index[word])}; expected each word once)")


# --------------------------------------------------------------------------------------
# word2vec
# --------------------------------------------------------------------------------------
def load_word2vec(path, *, binary: bool | None = None, limit: int | None = None,
                  encoding: str = "utf-8", unicode_errors: str = "strict") -> KeyedVectors:
    """Read a word2vec file (the C tool's, gensim's or fastText's ``.vec``).

    Parameters
    ----------
    path : str or path-like
        The file; gzip, bz2, xz or single-member zip compression is undone.
    binary : bool or None
        The binary format (True), the text format (False), or decide from the content
        (None: text when the line after the header is ``word`` and ``D`` numbers).
    limit : int >= 1 or None
        Read only the first ``limit`` vectors (the rest of the file is not checked).
    encoding, unicode_errors : str
        How words are decoded; the C tool can cut a UTF-8 character at its word-length
        limit, which ``unicode_errors="replace"`` or ``"ignore"`` tolerates.

    Returns
    -------
    KeyedVectors

    Raises
    ------
    FormatError
        The file is malformed (see the module documentation).
    """
    if binary is not None:
        binary = check_bool("binary", binary)
    limit = check_int("limit", limit, min=1, allow_none=True)
    reader, path = _open(path)
    with reader.stream:
        header = reader.readline()
        if not header:
            raise FormatError(f"{where(path, offset=0)}: empty file (expected a word2vec "
                              "header 'WORDS DIMENSIONS')")
        n_words, dim = _parse_header(header, path)
        wanted = n_words if limit is None else min(limit, n_words)
        first = reader.peek_line(_MAX_WORD_BYTES + 32 * dim)
        at_end = reader.eof and reader.available() == len(first)
        text_like = bool(first) and _looks_like_text_row(first, dim, encoding,
                                                         unicode_errors, at_end=at_end)
        if binary is None:
            binary = bool(first) and not text_like
        elif binary and text_like:
            raise FormatError(f"{where(path, line=2)}: looks like the word2vec text format "
                              "(expected binary; pass binary=False, or binary=None to "
                              "detect it)")
        elif not binary and first and not text_like and _has_binary_bytes(first):
            raise FormatError(f"{where(path, line=2)}: looks like the binary word2vec "
                              "format (expected text; pass binary=True, or binary=None to "
                              "detect it)")
        capacity = wanted
        size = _plain_size(path)
        if size is not None:
            # A valid file cannot hold more rows than this; a lying header then fails
            # with "truncated" instead of allocating memory for rows that are not there.
            per_row = 4 * dim + 2 if binary else 2 * dim + 2
            capacity = min(capacity, size // per_row + 1)
        else:
            capacity = min(capacity, _initial_rows(dim))
        rows = _Rows(dim, capacity, wanted)
        if binary:
            words = _read_binary_rows(reader, path, n_words, wanted, dim, rows, encoding,
                                      unicode_errors)
        elif wanted == 0:
            words = []
        else:
            words, rows = _read_text_rows(reader, path, wanted, dim, rows, encoding,
                                          unicode_errors, first_line=2, header_words=n_words)
        if wanted == n_words:
            extra = reader.rest_is_blank()
            if extra is not None:
                raise FormatError(f"{where(path, offset=extra)}: more data after the "
                                  f"{n_words} vectors the header announces (expected the "
                                  "end of the file; does the header's count disagree "
                                  "with the content?)")
    return KeyedVectors(words, rows.result())


def _read_binary_rows(reader: _Reader, path: str, n_words: int, wanted: int, dim: int,
                      rows: _Rows, encoding: str, unicode_errors: str) -> list[str]:
    vector_bytes = dim * _FLOAT32_LE.itemsize
    words: list[str] = []
    index: dict[str, int] = {}
    offsets: list[int] = []

    def truncated(what: str):
        return FormatError(f"{where(path, offset=reader.offset)}: file ends {what} after "
                           f"{len(words)} of the {n_words} vectors the header announces "
                           "(expected more; truncated file, or a header count that "
                           "disagrees with the content?)")

    while len(words) < wanted:
        # The C tool ends each vector with "\n"; gensim writes none. Skip it if present.
        while True:
            if not reader.fill(1):
                raise truncated("before a word")
            if reader.buf[reader.pos] != 0x0A:
                break
            reader.pos += 1
        start = reader.offset
        reader.fill(_MAX_WORD_BYTES + 1)
        space = reader.buf.find(b" ", reader.pos, reader.pos + _MAX_WORD_BYTES + 1)
        if space < 0:
            if reader.available() <= _MAX_WORD_BYTES:
                raise truncated("inside a word")
            raise FormatError(f"{where(path, offset=start)}: no space within "
                              f"{_MAX_WORD_BYTES} bytes (expected 'word ' before each "
                              "vector; is this a binary word2vec file?)")
        raw = reader.buf[reader.pos:space]
        if not raw or any(c in raw for c in b"\t\n\r\v\f"):
            raise FormatError(f"{where(path, offset=start)}: word {raw[:40]!r} is empty or "
                              "holds a line break (expected a word of the binary word2vec "
                              "format; is this a text file read as binary?)")
        location = where(path, offset=start)
        word = _decode_word(raw, encoding, unicode_errors, location)
        _check_unique(word, index, location, lambda r: f"byte {offsets[r]}")
        reader.pos = space + 1
        if not reader.fill(vector_bytes):
            raise truncated(f"inside the vector of {word!r}")
        rows.next_row()[:] = np.frombuffer(reader.buf, _FLOAT32_LE, dim, reader.pos)
        reader.pos += vector_bytes
        index[word] = len(words)
        words.append(word)
        offsets.append(start)
    _check_finite(rows.array[:rows.n], words, lambda r: where(path, offset=offsets[r]))
    return words


def _read_text_rows(reader: _Reader, path: str, wanted: int | None, dim: int | None,
                    rows: _Rows | None, encoding: str, unicode_errors: str, *,
                    first_line: int, header_words: int | None) -> tuple[list[str], _Rows]:
    """Read ``word v1 .. vD`` lines into ``rows``; returns the words and the rows.

    word2vec text passes the header's ``dim``, its word count as ``header_words`` and
    ``rows``. GloVe passes ``dim=None``, ``header_words=None`` and ``rows=None``: the
    first line sets ``D``, the rows are created then, and the file may end anywhere
    (``wanted`` is then just the ``limit``).
    """
    glove = header_words is None
    words: list[str] = []
    index: dict[str, int] = {}
    line_no = first_line - 1
    with np.errstate(over="ignore"):  # a value beyond float32 becomes inf, caught below
        while wanted is None or len(words) < wanted:
            line = reader.readline()
            line_no += 1
            location = where(path, line=line_no)
            if not line:
                if glove:
                    break
                raise FormatError(f"{location}: file ends after {len(words)} of the "
                                  f"{header_words} vectors the header announces (expected "
                                  "more lines; truncated file, or a header count that "
                                  "disagrees with the content?)")
            if glove and not line.strip() and reader.rest_is_blank() is None:
                break  # blank lines at the end of a GloVe file
            fields = _split_text_row(line)
            if not fields[0].strip():
                raise FormatError(f"{location}: line is empty or starts with a separator "
                                  "(expected 'word v1 ... vD')")
            word = _decode_word(fields[0], encoding, unicode_errors, location)
            if dim is None:
                dim = len(fields) - 1
                if not 1 <= dim <= _MAX_DIM:
                    raise FormatError(f"{location}: {dim} values (expected 'word v1 ... vD' "
                                      f"with 1 <= D <= {_MAX_DIM})")
                rows = _Rows(dim, _initial_rows(dim) if wanted is None
                             else min(wanted, _initial_rows(dim)), wanted)
            elif len(fields) - 1 != dim:
                source = "as on line 1" if glove else "as the header says"
                hint = ""
                if glove and line_no == 2 and dim == 1:
                    hint = "; line 1 looks like a word2vec header: read it as word2vec"
                elif _has_binary_bytes(line):
                    hint = "; is this a binary file read as text?"
                raise FormatError(f"{location}: {len(fields) - 1} values for {word!r} "
                                  f"(expected {dim}, {source}{hint})")
            try:
                # numpy parses the ASCII bytes itself: the fastest of the ways measured
                # (float(), np.fromstring, np.loadtxt), about 0.3 us per value.
                values = np.array(fields[1:], dtype=np.float64)
            except ValueError:
                bad = next((f for f in fields[1:] if not _is_number(f)), fields[1])
                raise FormatError(f"{location}: value {bad[:40]!r} of {word!r} is not a "
                                  f"number (expected {dim} numbers)") from None
            _check_unique(word, index, location, lambda r: f"line {first_line + r}")
            rows.next_row()[:] = values
            index[word] = len(words)
            words.append(word)
    if rows is None:
        raise FormatError(f"{where(path, offset=0)}: no vectors (expected lines "
                          "'word v1 ... vD')")
    _check_finite(rows.array[:rows.n], words, lambda r: where(path, line=first_line + r))
    return words, rows


def _is_number(field: bytes) -> bool:
    try:
        np.array([field], dtype=np.float64)
        return True
    except ValueError:
        return False


def _check_words_writable(kv: KeyedVectors, path: str) -> None:
    for row, word in enumerate(kv.words):
        if any(c in _SEPARATORS for c in word):
            raise FormatError(f"{where(path)}: word {word!r} (row {row}) holds whitespace, "
                              "which this format uses as separator (expected words without "
                              "spaces, tabs or line breaks)")
    bad = ~np.isfinite(kv.vectors).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        raise ParameterError(f"parameter kv: vector of {kv.words[row]!r} (row {row}) holds "
                             "NaN or infinity (expected finite vectors)")


def _check_kv(kv) -> KeyedVectors:
    if not isinstance(kv, KeyedVectors):
        raise ParameterError(f"parameter kv={kv!r}: expected a KeyedVectors")
    return kv


def _text_lines(kv: KeyedVectors):
    """``word v1 ... vD\\n`` per word, encoded."""
    row_format = " ".join([_TEXT_VALUE_FORMAT] * kv.dim)
    for word, row in zip(kv.words, kv.vectors.astype(np.float64).tolist()):
        yield f"{word} {row_format % tuple(row)}\n".encode("utf-8")


def save_word2vec(path, kv: KeyedVectors, *, binary: bool = False) -> None:
    """Write ``kv`` in the word2vec C format, atomically.

    Parameters
    ----------
    path : str or path-like
        The file to write (uncompressed).
    kv : KeyedVectors
    binary : bool
        The binary format (``word`` + space + little-endian float32 values + ``\\n``, as
        the C tool writes) or the text format (values as ``%.9g``, which reads back to
        the same float32 bits; see the module documentation).

    Raises
    ------
    FormatError
        A word holds whitespace.
    ParameterError
        A vector holds NaN or infinity.
    """
    binary = check_bool("binary", binary)
    kv = _check_kv(kv)
    path = os.fspath(path)
    _check_words_writable(kv, path)
    try:
        with atomic_write(path, "wb") as f:
            f.write(f"{len(kv)} {kv.dim}\n".encode("ascii"))
            if binary:
                data = kv.vectors.astype(_FLOAT32_LE, copy=False)
                for word, row in zip(kv.words, data):
                    f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                f.writelines(_text_lines(kv))
    except UnicodeEncodeError as exc:
        raise FormatError(f"{where(path)}: a word cannot be written as UTF-8 ({exc.reason}; "
                          "expected valid text)") from None


# --------------------------------------------------------------------------------------
# GloVe, fastText .vec
# --------------------------------------------------------------------------------------
def load_glove(path, *, limit: int | None = None, encoding: str = "utf-8",
               unicode_errors: str = "strict") -> KeyedVectors:
    """Read a GloVe file: ``word v1 ... vD`` per line, no header.

    ``D`` is taken from the first line; every line must agree. Parameters as in
    :func:`load_word2vec`.
    """
    limit = check_int("limit", limit, min=1, allow_none=True)
    reader, path = _open(path)
    with reader.stream:
        words, rows = _read_text_rows(reader, path, limit, None, None, encoding,
                                      unicode_errors, first_line=1, header_words=None)
    return KeyedVectors(words, rows.result())


def load_vec(path, *, limit: int | None = None, encoding: str = "utf-8",
             unicode_errors: str = "strict") -> KeyedVectors:
    """Read a fastText ``.vec`` file (the word2vec text format)."""
    return load_word2vec(path, binary=False, limit=limit, encoding=encoding,
                         unicode_errors=unicode_errors)


def save_glove(path, kv: KeyedVectors) -> None:
    """Write ``kv`` in the GloVe text format (no header; values as ``%.9g``), atomically."""
    kv = _check_kv(kv)
    path = os.fspath(path)
    _check_words_writable(kv, path)
    try:
        with atomic_write(path, "wb") as f:
            f.writelines(_text_lines(kv))
    except UnicodeEncodeError as exc:
        raise FormatError(f"{where(path)}: a word cannot be written as UTF-8 ({exc.reason}; "
                          "expected valid text)") from None


# --------------------------------------------------------------------------------------
# native model file
# --------------------------------------------------------------------------------------
def save_model_file(path, *, header: dict, words: Sequence[str], counts: np.ndarray,
                    arrays: dict[str, np.ndarray]) -> None:
    """Write a native model file, atomically.

    Parameters
    ----------
    path : str or path-like
    header : dict
        JSON-serialisable settings; ``format`` and ``format_version`` are added.
    words : sequence of str
        The vocabulary, most frequent first; no whitespace in a word.
    counts : array of int, shape (len(words),)
    arrays : dict of name -> numpy array
        Numeric arrays, saved as ``NAME.npy`` (names of letters, digits and ``_``).
    """
    path = os.fspath(path)
    if not isinstance(header, dict):
        raise ParameterError(f"parameter header={header!r}: expected a dict")
    words = list(words)
    counts = np.asarray(counts)
    if counts.shape != (len(words),) or not np.issubdtype(counts.dtype, np.integer):
        raise ParameterError(f"parameter counts: expected {len(words)} integers (one per "
                             f"word), got shape {counts.shape} of {counts.dtype}")
    seen: set[str] = set()
    for row, word in enumerate(words):
        if not isinstance(word, str) or not word or any(c in _SEPARATORS for c in word):
            raise ParameterError(f"parameter words[{row}]={word!r}: expected a non-empty "
                                 "string without whitespace")
        if word in seen:
            raise ParameterError(f"parameter words[{row}]={word!r}: expected unique words")
        seen.add(word)
    if not isinstance(arrays, dict):
        raise ParameterError(f"parameter arrays={arrays!r}: expected a dict of name -> array")
    for name, array in arrays.items():
        if not isinstance(name, str) or not _ARRAY_NAME.match(name):
            raise ParameterError(f"parameter arrays: name {name!r}: expected letters, "
                                 "digits and '_'")
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
            raise ParameterError(f"parameter arrays[{name!r}]: expected a numeric numpy "
                                 "array")
    full_header = dict(header)
    full_header["format"] = MODEL_FORMAT
    full_header["format_version"] = MODEL_FORMAT_VERSION
    try:
        header_bytes = json.dumps(full_header, indent=2, sort_keys=True,
                                  allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter header: expected JSON-serialisable values ({exc})") \
            from None
    vocab_bytes = "".join(f"{w} {int(c)}\n" for w, c in zip(words, counts.tolist())) \
        .encode("utf-8")
    with atomic_write(path, "wb") as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(_HEADER_MEMBER, header_bytes)
            archive.writestr(_VOCAB_MEMBER, vocab_bytes)
            for name, array in arrays.items():
                with archive.open(name + _ARRAY_SUFFIX, "w", force_zip64=True) as member:
                    np.save(member, np.ascontiguousarray(array), allow_pickle=False)


def is_model_file(path) -> bool:
    """True when ``path`` is a native model file (a zip holding a w2v ``header.json``)."""
    try:
        with zipfile.ZipFile(os.fspath(path)) as archive:
            if _HEADER_MEMBER not in archive.namelist():
                return False
            header = json.loads(archive.read(_HEADER_MEMBER).decode("utf-8"))
        return isinstance(header, dict) and header.get("format") == MODEL_FORMAT
    except Exception:  # noqa: BLE001 - a predicate: whatever fails to read is not a model
        return False


def read_model_file(path) -> tuple[dict, list[str], np.ndarray, dict[str, np.ndarray]]:
    """Read a native model file written by :func:`save_model_file`.

    Returns
    -------
    header : dict
    words : list of str
    counts : numpy.ndarray of int64
    arrays : dict of name -> numpy.ndarray

    Raises
    ------
    FormatError
        Not a model file, a newer ``format_version``, a malformed vocabulary, an array
        that does not load without pickle, or a corrupt archive.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FormatError(f"{where(path)}: no such file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            for needed in (_HEADER_MEMBER, _VOCAB_MEMBER):
                if needed not in names:
                    raise FormatError(f"{where(path)}: no {needed} inside (expected a w2v "
                                      "model file)")
            header = _read_model_header(archive.read(_HEADER_MEMBER), path)
            words, counts = _read_model_vocab(archive.read(_VOCAB_MEMBER), path)
            arrays = {}
            for name in names:
                if name.endswith(_ARRAY_SUFFIX):
                    arrays[name[:-len(_ARRAY_SUFFIX)]] = _read_model_array(archive, name,
                                                                           path)
    except (zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, NotImplementedError,
            RuntimeError) as exc:
        raise FormatError(f"{where(path)}: not a readable zip archive ({exc}; expected a "
                          "w2v model file)") from None
    except OSError as exc:
        raise FormatError(f"{where(path)}: cannot read ({exc})") from None
    vectors = arrays.get("word_vectors")
    if vectors is not None and (vectors.ndim != 2 or vectors.shape[0] != len(words)):
        raise FormatError(f"{where(path)}: word_vectors has shape {vectors.shape} (expected "
                          f"{len(words)} rows, one per word of vocab.txt)")
    return header, words, counts, arrays


def _read_model_header(data: bytes, path: str) -> dict:
    location = f"{where(path)}[{_HEADER_MEMBER}]"
    try:
        header = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise FormatError(f"{location}: not UTF-8 JSON ({exc}; expected a JSON object)") \
            from None
    if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise FormatError(f"{location}: format {found!r} (expected {MODEL_FORMAT!r})")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FormatError(f"{location}: format_version {version!r} (expected a positive "
                          "integer)")
    if version > MODEL_FORMAT_VERSION:
        raise FormatError(f"{where(path)}: written by a newer w2v (format_version {version}; "
                          f"this w2v reads up to {MODEL_FORMAT_VERSION})")
    return header


def _read_model_vocab(data: bytes, path: str) -> tuple[list[str], np.ndarray]:
    member = f"{path}[{_VOCAB_MEMBER}]"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{where(member)}: not UTF-8 ({exc.reason})") from None
    words: list[str] = []
    counts: list[int] = []
    index: dict[str, int] = {}
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final newline
    for line_no, line in enumerate(lines, start=1):
        fields = line.split(" ")
        location = where(member, line=line_no)
        if len(fields) != 2 or not fields[0] or not (fields[1].isascii()
                                                     and fields[1].isdigit()):
            raise FormatError(f"{location}: {line[:80]!r} (expected 'word count')")
        _check_unique(fields[0], index, location, lambda r: f"line {r + 1}")
        index[fields[0]] = len(words)
        words.append(fields[0])
        counts.append(int(fields[1]))
    return words, np.array(counts, dtype=np.int64)


def _read_model_array(archive: zipfile.ZipFile, name: str, path: str) -> np.ndarray:
    """One ``.npy`` member, read without pickle.

    The header's shape and dtype are checked against the bytes the member holds before
    anything is allocated, so a corrupt header cannot ask for terabytes.
    """
    location = f"{where(path)}[{name}]"
    info = archive.getinfo(name)
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(f".npy format version {version[0]}.{version[1]}; "
                                 "this w2v reads 1.0 and 2.0")
        except _NPY_HEADER_ERRORS as exc:
            raise FormatError(f"{location}: not a numeric .npy array ({exc})") from None
        if dtype.hasobject or dtype.kind not in "biuf":
            raise FormatError(f"{location}: not a numeric .npy array (it holds {dtype}; "
                              "expected numbers: w2v never loads pickled objects)")
        needed = dtype.itemsize * math.prod(shape)
        available = info.file_size - member.tell()
        if needed != available or (info.compress_type == zipfile.ZIP_STORED
                                   and info.file_size > os.path.getsize(path)):
            raise FormatError(f"{location}: header says shape {shape} of {dtype} "
                              f"({needed} bytes) but {max(available, 0)} bytes follow "
                              "(expected as many; truncated or corrupt?)")
        data = bytearray(needed)  # writable, unlike bytes: the model trains in place
        view, filled = memoryview(data), 0
        while filled < needed:  # in chunks: no second full-size copy in memory
            chunk = member.read(min(_CHUNK_BYTES, needed - filled))
            if not chunk:
                raise FormatError(f"{location}: ends after {filled} of its {needed} bytes "
                                  "of data (expected a complete array; truncated?)")
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
    order = "F" if fortran_order else "C"
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order)


# --------------------------------------------------------------------------------------
# any vectors file
# --------------------------------------------------------------------------------------
def load_vectors(path, *, format: str = "auto", limit: int | None = None) -> KeyedVectors:
    """Read word vectors from a native model file, word2vec binary or text, ``.vec`` or GloVe.

    Parameters
    ----------
    path : str or path-like
    format : {"auto", "model", "word2vec", "word2vec-text", "vec", "glove"}
        ``"word2vec"`` is the binary format. ``"auto"`` decides from the content: a zip
        with a w2v header is a model file (its input vectors); a first line of two
        integers is a word2vec header (binary or text, detected); anything else is GloVe.
    limit : int >= 1 or None
        Read only the first ``limit`` vectors.
    """
    format = check_choice("format", format, VECTOR_FORMATS)
    limit = check_int("limit", limit, min=1, allow_none=True)
    if format == "auto":
        format = _detect_format(path)
    if format == "model":
        return _model_vectors(path, "in", limit)
    if format == "word2vec":
        return load_word2vec(path, binary=True, limit=limit)
    if format == "word2vec-any":
        return load_word2vec(path, binary=None, limit=limit)
    if format in ("word2vec-text", "vec"):
        return load_word2vec(path, binary=False, limit=limit)
    return load_glove(path, limit=limit)


def _detect_format(path) -> str:
    path = os.fspath(path)
    if is_model_file(path):
        return "model"
    if os.path.isfile(path) and compression_of(path) == "zip" and not zipfile.is_zipfile(path):
        # A model file cut short: say so, rather than "cannot open" or a vectors-file error.
        raise FormatError(f"{where(path)}: truncated or corrupt zip archive (expected a w2v "
                          "model file, or a zip holding one vectors file)")
    reader, path = _open(path)
    with reader.stream:
        first = reader.peek_line(_MAX_WORD_BYTES)
    return "word2vec-any" if _is_header(first) else "glove"


def load_keyed_vectors(path, *, vectors: str = "in", limit: int | None = None) -> KeyedVectors:
    """Open "MODEL_OR_VECTORS": a native model file or any vectors file.

    Parameters
    ----------
    path : str or path-like
    vectors : {"in", "out", "sum"}
        For a model file: its input vectors, its output (context) vectors, or their sum.
        Output vectors exist only for negative sampling and softmax models (hierarchical
        softmax has tree-node vectors instead). Other files have input vectors only.
    limit : int >= 1 or None
        Keep only the first ``limit`` words.
    """
    vectors = check_choice("vectors", vectors, VECTOR_KINDS)
    limit = check_int("limit", limit, min=1, allow_none=True)
    if is_model_file(path):
        return _model_vectors(path, vectors, limit)
    if vectors != "in":
        raise ParameterError(f"parameter vectors={vectors!r}: expected 'in' for "
                             f"{os.fspath(path)} (only a w2v model file has output vectors)")
    return load_vectors(path, limit=limit)


def _model_vectors(path, vectors: str, limit: int | None) -> KeyedVectors:
    path = os.fspath(path)
    header, words, counts, arrays = read_model_file(path)
    if "word_vectors" not in arrays:
        raise FormatError(f"{where(path)}: no word_vectors.npy inside (expected the input "
                          "vectors of a w2v model)")
    matrix = arrays["word_vectors"]
    params = header.get("params")
    dim = params.get("dim") if isinstance(params, dict) else None
    if isinstance(dim, int) and not isinstance(dim, bool) and matrix.shape[1] != dim:
        raise FormatError(f"{where(path)}[word_vectors.npy]: {matrix.shape[1]} columns "
                          f"(expected dim={dim}, as header.json says)")
    context = arrays.get("context_vectors")
    if context is not None and (context.ndim != 2 or context.shape[1] != matrix.shape[1]
                                or not 0 <= len(words) - len(context) <= 1):
        raise FormatError(f"{where(path)}[context_vectors.npy]: shape {context.shape} "
                          f"(expected ({len(words)}, {matrix.shape[1]}), or "
                          f"({len(words) - 1}, {matrix.shape[1]}) for hierarchical softmax)")
    if vectors != "in":
        if context is None or context.shape != matrix.shape:
            raise ParameterError(
                f"parameter vectors={vectors!r}: {path} has no output word vectors (a "
                "hierarchical softmax model keeps tree-node vectors instead; expected "
                "vectors='in')")
        matrix = context if vectors == "out" else matrix.astype(np.float32) + context
    if limit is not None:
        words, counts, matrix = words[:limit], counts[:limit], matrix[:limit]
    _check_finite(matrix, words, lambda r: f"{where(path)}[word_vectors.npy] row {r}")
    return KeyedVectors(words, matrix, counts=counts)
