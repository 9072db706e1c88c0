"""Streamed sentences from text files, directories of files, or in-memory iterables.

Training makes several passes over the corpus, so every corpus here is *restartable*:
each ``iter(corpus)`` starts again from the beginning, and nothing is held in memory
beyond one block of text.

* :class:`TextCorpus` reads one sentence per line (whitespace-separated tokens) from a
  file or from every file below a directory; plain, gzip, bz2, xz and single-member zip
  files are read transparently. Lines of any length (a text8-style file is one 100 MB
  line) are read in bounded blocks and cut into sentences of at most
  ``max_sentence_length`` tokens.
* :func:`as_corpus` turns whatever the user passed (a path, a list of token lists, a
  restartable iterable) into such a corpus, and rejects one-shot iterators, which would
  be exhausted after the first pass.
"""

from __future__ import annotations

import codecs
import os
import re
from typing import Iterable, Iterator, NamedTuple

from . import _validation as V
from ._fileio import READ_ERRORS, open_binary
from .errors import CorpusError, where

__all__ = ["TextCorpus", "IterableCorpus", "as_corpus", "DEFAULT_MAX_SENTENCE_LENGTH",
           "MAX_TOKEN_LENGTH"]

# The reference word2vec tool's MAX_SENTENCE_LENGTH: longer lines (text8 is one line of
# 17M words) are cut into pieces of this many tokens, so a context window never spans
# more than this and the trainer's per-sentence buffers stay small.
DEFAULT_MAX_SENTENCE_LENGTH = 10000

# Bytes read (and decoded, and split) at a time. Measured on the 100 MB text8-style
# corpus (one line, 17M tokens, 2-core machine): 16-128 KiB blocks all stream about
# 19M tokens/s, 256 KiB 13M, 1 MiB 8M -- a block's string and its ~11k token objects
# then no longer fit in the CPU caches. Decoding the block then ``str.split()`` measured
# twice as fast as ``bytes.split()`` then decoding each token. Tests shrink this to
# exercise block boundaries.
_BLOCK_SIZE = 64 * 1024

# Longest token (in characters) a text file may hold. A token that continues past the end
# of a block is held whole until its end, so without a bound a file with no whitespace
# (binary data that has no NUL byte, a single-line dump, a corpus in a script that does
# not separate words by spaces) would be read into memory entire. No word, phrase or URL
# is a million characters long; 1 Mi characters keeps memory per file to a few MB. Must
# be at least ``_BLOCK_SIZE``: tokens within one block are not measured.
MAX_TOKEN_LENGTH = 1 << 20

# The separators of ``str.split()``: ``re``'s Unicode ``\s`` is the same set (isspace).
_WHITESPACE = re.compile(r"\s")

# What the decoders may do with invalid bytes (the ``errors`` argument of bytes.decode).
ENCODING_ERRORS = ("strict", "replace", "ignore")

# Encodings in which NUL bytes are ordinary text, so a NUL does not mean "binary file".
_WIDE_ENCODINGS = ("utf_16", "utf_32")


class TextCorpus:
    """Sentences read from a text file, or from every file below a directory.

    One sentence per line, tokens separated by whitespace (``str.split()``); empty lines
    yield nothing. Each ``iter(corpus)`` reads the files again from the start.

    Parameters
    ----------
    source : str or os.PathLike
        A file, or a directory: then every regular file below it whose name does not
        start with ``.`` (hidden directories are skipped too), recursively, in order of
        their path. Files may be plain text or gzip, bz2, xz or single-member zip
        compressed (recognised by content, not name).
    max_sentence_length : int, default 10000
        Lines with more tokens are cut into consecutive sentences of this many tokens
        (the last one shorter).
    encoding : str, default "utf-8"
        Text encoding of the files.
    errors : {"strict", "replace", "ignore"}, default "strict"
        What to do with bytes that are invalid in ``encoding``: raise
        :class:`~w2v.errors.CorpusError` naming the file and byte offset (in the
        decompressed text, for a compressed file), replace them with U+FFFD, or drop
        them.

    Attributes
    ----------
    source : str
        The path given.
    files : tuple of str
        The files read, in order (fixed when the corpus is made).

    Raises
    ------
    CorpusError
        If ``source`` does not exist or is a directory holding no (non-hidden) file.
        Reading raises it for an undecodable byte (``errors="strict"``), a file that
        looks binary (a NUL byte in its first block), a token longer than
        :data:`MAX_TOKEN_LENGTH` characters (naming the byte where it starts), or a
        corrupt compressed file.
    ParameterError
        If a parameter is out of range or ``encoding`` is unknown.
    """

    def __init__(self, source: str | os.PathLike, *,
                 max_sentence_length: int = DEFAULT_MAX_SENTENCE_LENGTH,
                 encoding: str = "utf-8", errors: str = "strict"):
        if not isinstance(source, (str, os.PathLike)):
            V.fail("source", source, "a file or directory path")
        self.max_sentence_length = V.check_int("max_sentence_length", max_sentence_length,
                                               min=1)
        self.encoding = _check_encoding(encoding)
        self.errors = V.check_choice("errors", errors, ENCODING_ERRORS)
        self.source = os.fspath(source)
        self.files = _list_files(self.source)

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.files:
            yield from self._read_file(path)

    def __repr__(self) -> str:
        extra = "" if len(self.files) == 1 and self.files[0] == self.source else \
            f", files={len(self.files)}"
        return (f"TextCorpus({self.source!r}{extra}, "
                f"max_sentence_length={self.max_sentence_length}, "
                f"encoding={self.encoding!r}, errors={self.errors!r})")

    @property
    def description(self) -> str:
        """How error messages name this corpus: its path."""
        return self.source

    def _read_file(self, path: str) -> Iterator[list[str]]:
        """Yield the sentences of one file, reading it in blocks of ``_BLOCK_SIZE`` bytes.

        Each block comes decoded from :meth:`_blocks` (a multi-byte character may
        straddle two blocks); the partial token at its end is held back and prepended
        to the next block, and the rest is split into lines and tokens. ``line``
        carries the tokens of a line that continues into the next block; full
        sentences of ``max_sentence_length`` tokens are yielded as soon as they are
        complete, so memory stays bounded by the block size however long the line is
        (a single token longer than a block is held whole, up to ``MAX_TOKEN_LENGTH``
        characters: a longer one raises :class:`~w2v.errors.CorpusError`).

        :func:`w2v._encoder.encoded_chunks` reads the same blocks and follows the same
        rules on their raw UTF-8 bytes; the two must change together.
        """
        max_len = self.max_sentence_length
        pending = ""        # a token cut by the end of the previous block
        line: list[str] = []
        for block in self._blocks(path):
            text, final = block.text, block.final
            held = len(pending)  # holds no whitespace: no need to scan it again
            if pending:
                text = pending + text
                pending = ""
                # The held token ends at the first whitespace (or is still going).
                space = _WHITESPACE.search(text, held)
                if (space.start() if space else len(text)) > MAX_TOKEN_LENGTH:
                    # ``text`` ends where the decoder stopped; its length in bytes,
                    # re-encoded, locates the token's start (exactly for valid text;
                    # approximately where ``errors`` replaced or dropped bytes).
                    start = block.decoded_end - _encoded_length(text, self.encoding)
                    raise _token_too_long(path, start)
            if not final:
                # Hold back the trailing partial token, if any: scan back to the
                # last whitespace (tokens are short, so this loop is too).
                cut = len(text)
                while cut > held and not text[cut - 1].isspace():
                    cut -= 1
                if cut == held:  # no whitespace in this block: all of it is pending
                    cut = 0
                if cut < len(text):
                    pending = text[cut:]
                    text = text[:cut]
            pieces = text.split("\n")
            # Every piece but the last ends its line.
            for i in range(len(pieces) - 1):
                tokens = pieces[i].split()
                if line:
                    line.extend(tokens)
                    tokens, line = line, []
                if len(tokens) > max_len:
                    yield from _cut(tokens, max_len)
                elif tokens:
                    yield tokens
            line.extend(pieces[-1].split())
            if final:
                if line:
                    yield from _cut(line, max_len)
                return
            if len(line) >= max_len:
                whole = len(line) - len(line) % max_len
                yield from _cut(line[:whole], max_len)
                del line[:whole]

    def _blocks(self, path: str) -> Iterator[_Block]:
        """Read one file in blocks of ``_BLOCK_SIZE`` bytes, checked and decoded.

        Raises :class:`~w2v.errors.CorpusError` for a file that cannot be decompressed,
        looks binary (a NUL byte in its first block, unless the encoding is UTF-16 or
        UTF-32) or cannot be decoded (naming the byte). The last block yielded has
        ``final`` set and empty ``raw``; its ``text`` is what the decoder flushed.
        Shared by :meth:`_read_file` (which splits ``text``) and the compiled reader
        of :mod:`w2v._encoder` (which tokenizes ``raw``), so that both find these
        errors at the same points and word them the same.
        """
        block_size = _BLOCK_SIZE
        decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        check_nul = not codecs.lookup(self.encoding).name.replace("-", "_").startswith(
            _WIDE_ENCODINGS)
        offset = 0          # bytes (after decompression) read before this block
        with open_binary(path) as stream:
            while True:
                try:
                    raw = stream.read(block_size)
                except READ_ERRORS as exc:
                    raise CorpusError(f"{where(path, offset=offset)}: cannot decompress "
                                      f"({exc}) (expected an intact compressed file)") from None
                final = not raw
                if check_nul and raw:
                    check_nul = False
                    if b"\x00" in raw:
                        raise CorpusError(f"{where(path)}: looks binary: it has a NUL byte "
                                          f"at byte {raw.index(0)} (expected a text file)")
                buffered = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(raw, final)
                except UnicodeDecodeError as exc:
                    bad = offset - buffered + exc.start
                    raise CorpusError(
                        f"{where(path, offset=bad)}: cannot decode as {self.encoding} "
                        f"({exc.reason}) (expected {self.encoding} text; to read it "
                        "anyway, pass errors='replace' or 'ignore', or on the command line "
                        "--encoding-errors replace)") from None
                start = offset
                offset += len(raw)
                yield _Block(raw, text, final, start, offset - len(decoder.getstate()[0]))
                if final:
                    return


class _Block(NamedTuple):
    """One block of a file, as :meth:`TextCorpus._blocks` yields it."""

    raw: bytes          # the bytes read (after decompression); empty for the last block
    text: str           # the characters ``raw`` completes (one cut by the end of a
                        # block is decoded with the next)
    final: bool         # the end of the file: the decoder was flushed
    start: int          # byte offset of ``raw`` in the (decompressed) file
    decoded_end: int    # bytes of the file decoded so far (``text`` ends there)


def _token_too_long(path: str, start: int) -> CorpusError:
    """The error for a token longer than ``MAX_TOKEN_LENGTH`` that starts at byte ``start``."""
    return CorpusError(
        f"{where(path, offset=max(start, 0))}: token longer than {MAX_TOKEN_LENGTH:,} "
        "characters (expected words separated by whitespace; is this a text corpus?)")


class IterableCorpus:
    """A restartable iterable of sentences, checked and cut as it is iterated.

    Wraps a list, tuple or any object whose ``__iter__`` returns a new iterator each
    time. Each sentence must be a list or tuple of str; the first that is not raises
    :class:`~w2v.errors.CorpusError` naming its number (0-based). Empty sentences are
    skipped; longer ones than ``max_sentence_length`` are cut into consecutive pieces.

    Parameters
    ----------
    sentences : iterable of list of str
        The sentences; iterated again on each ``iter()``.
    max_sentence_length : int, default 10000
        Longest sentence yielded.
    """

    def __init__(self, sentences: Iterable, *,
                 max_sentence_length: int = DEFAULT_MAX_SENTENCE_LENGTH):
        self.sentences = sentences
        self.max_sentence_length = V.check_int("max_sentence_length", max_sentence_length,
                                               min=1)

    def __iter__(self) -> Iterator[list[str]]:
        max_len = self.max_sentence_length
        for number, sentence in enumerate(self.sentences):
            if type(sentence) is not list:
                if type(sentence) is tuple or isinstance(sentence, (list, tuple)):
                    sentence = list(sentence)
                else:
                    raise CorpusError(_bad_sentence(number, sentence))
            # One C-level pass finds whether every token is exactly str.
            if set(map(type, sentence)) - _STR_TYPE:
                _check_tokens(number, sentence)
            if len(sentence) > max_len:
                yield from _cut(sentence, max_len)
            elif sentence:
                yield sentence

    def __repr__(self) -> str:
        return (f"IterableCorpus({self.description}, "
                f"max_sentence_length={self.max_sentence_length})")

    @property
    def description(self) -> str:
        """How error messages name this corpus (its length and type, not its content)."""
        try:
            size = f"{len(self.sentences)} "  # type: ignore[arg-type]
        except TypeError:
            size = ""
        return f"<{size}{type(self.sentences).__name__} of sentences>"


_STR_TYPE = {str}


def as_corpus(obj: object, *, max_sentence_length: int = DEFAULT_MAX_SENTENCE_LENGTH,
              encoding: str = "utf-8", errors: str = "strict") -> TextCorpus | IterableCorpus:
    """Turn what a user passed as a corpus into a restartable iterable of sentences.

    Parameters
    ----------
    obj : str, os.PathLike, or restartable iterable of list of str
        A path (file or directory) becomes a :class:`TextCorpus`. A list, tuple, or
        object whose ``__iter__`` returns a fresh iterator each time becomes an
        :class:`IterableCorpus` (checked lazily). A corpus from this module with the
        same ``max_sentence_length`` is returned as it is.
    max_sentence_length : int, default 10000
        Longer sentences are cut into pieces of at most this many tokens.
    encoding, errors : str
        Passed to :class:`TextCorpus` for paths; ignored otherwise.

    Returns
    -------
    TextCorpus or IterableCorpus

    Raises
    ------
    CorpusError
        If ``obj`` is a one-shot iterator or generator (training needs several passes),
        or neither a path nor an iterable, or a path that does not exist.
    """
    max_sentence_length = V.check_int("max_sentence_length", max_sentence_length, min=1)
    if isinstance(obj, (str, os.PathLike)):
        return TextCorpus(obj, max_sentence_length=max_sentence_length, encoding=encoding,
                          errors=errors)
    if isinstance(obj, (TextCorpus, IterableCorpus)) and \
            obj.max_sentence_length == max_sentence_length:
        return obj
    if isinstance(obj, (bytes, bytearray)):
        raise CorpusError(f"corpus: got {type(obj).__name__} (expected a path as str, or an "
                          "iterable of token lists)")
    if not hasattr(obj, "__iter__"):
        raise CorpusError(f"corpus: got a {type(obj).__name__} (expected a file or directory "
                          "path, or an iterable of sentences, each a list of str tokens)")
    try:
        iterator = iter(obj)  # type: ignore[call-overload]
    except TypeError:
        iterator = None
    if iterator is obj:
        raise CorpusError(
            f"corpus: got a one-shot {type(obj).__name__}, which would be exhausted after "
            "the first pass (expected something training can read several times: a list "
            "of sentences, a file path, or an object whose __iter__ starts over each time)")
    return IterableCorpus(obj, max_sentence_length=max_sentence_length)


# -- helpers ------------------------------------------------------------------------------

def _cut(tokens: list[str], max_len: int) -> Iterator[list[str]]:
    """Yield ``tokens`` in consecutive pieces of at most ``max_len``."""
    if len(tokens) <= max_len:
        yield tokens
        return
    for start in range(0, len(tokens), max_len):
        yield tokens[start:start + max_len]


def _check_tokens(number: int, sentence: list) -> None:
    for position, token in enumerate(sentence):
        if not isinstance(token, str):
            raise CorpusError(f"sentence {number}: token {position} is "
                              f"{_describe(token)} (expected every token to be a str)")


def _bad_sentence(number: int, sentence: object) -> str:
    message = f"sentence {number}: got {_describe(sentence)} (expected a list of str tokens)"
    if isinstance(sentence, str):
        message += ("; sentences must be lists of tokens, e.g. 'the cat sat'.split(), "
                    "not strings")
    return message


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 40:  # keep the one-line error message short
        text = text[:37] + "..."
    return f"a {type(value).__name__} {text}"


def _encoded_length(text: str, encoding: str) -> int:
    """Bytes ``text`` takes in ``encoding``, not counting a byte-order mark."""
    return len(text.encode(encoding, "replace")) - len("".encode(encoding))


def _check_encoding(encoding: object) -> str:
    if not isinstance(encoding, str):
        V.fail("encoding", encoding, "the name of a text encoding")
    try:
        codecs.lookup(encoding)
    except LookupError:
        V.fail("encoding", encoding, "the name of a text encoding known to Python")
    return encoding


def _list_files(source: str) -> tuple[str, ...]:
    if os.path.isfile(source):
        return (source,)
    if not os.path.exists(source):
        raise CorpusError(f"{where(source)}: no such file or directory "
                          "(expected a corpus file or a directory of them)")
    if not os.path.isdir(source):
        raise CorpusError(f"{where(source)}: not a regular file or directory "
                          "(expected a corpus file or a directory of them)")
    found = []
    for directory, subdirs, names in os.walk(source):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        for name in names:
            path = os.path.join(directory, name)
            if not name.startswith(".") and os.path.isfile(path):
                found.append(path)
    if not found:
        raise CorpusError(f"{where(source)}: directory holds no (non-hidden) file "
                          "(expected corpus files)")
    found.sort()
    return tuple(found)
