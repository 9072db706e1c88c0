"""A compiled reader for UTF-8 text corpora: bytes in, chunks of token ids out.

Training's first epoch reads the corpus text on the main thread while the worker
threads train. The Python path (:class:`~w2v.corpus.TextCorpus` yielding lists of str,
:meth:`~w2v.vocab.Vocabulary.encode` looking each one up) makes 4-5M tokens/s, and
so takes much of a core from the kernels on a small machine. This module does the same
work on the raw UTF-8 bytes in Numba, without making a single str or list:

1. :func:`_boundaries` finds where tokens start and end and where lines end, eight
   bytes at a time where they are ASCII without a newline (the common case), byte by
   byte elsewhere; it writes positions without branching on them.
2. :func:`encode_block` hashes each token a machine word (8 bytes) at a time, looks it
   up in :class:`VocabTable` (open addressing over the vocabulary's UTF-8 words) and
   writes the ids, cutting sentences where ``TextCorpus`` does.

:func:`encoded_chunks` yields exactly the chunks that :func:`python_chunks` makes from
``TextCorpus`` + ``Vocabulary.encode``: the same sentences (lines split on ``"\\n"``,
tokens on every character for which ``str.isspace()`` holds, lines longer than
``max_sentence_length`` tokens cut *before* out-of-vocabulary tokens are dropped,
sentences that encode to nothing skipped), packed into the same chunks. It reads each
file through :meth:`TextCorpus._blocks`, so decompression, the NUL check and decoding
(which validates the bytes) raise the very same errors at the same points; the
token-length limit is checked here on the bytes, following ``TextCorpus._read_file``.

:func:`count_corpus` runs the same reader with a table that grows
(:class:`WordCounter`): every token not yet in it is added, every token counted. It is
how :meth:`~w2v.vocab.Vocabulary.build` counts such a corpus (about 5x faster than
``Counter`` over ``TextCorpus``'s lists of str), and it can keep the whole corpus as word
numbers (:class:`CorpusIds`), so that training's first epoch takes its chunks from memory
instead of reading the text a second time.

Only UTF-8 (and ASCII, a subset) with ``errors="strict"`` takes this path
(:func:`fast_path_applies`): the kernels rely on the bytes being valid UTF-8, and a
replaced or dropped byte would change the tokens.
"""

from __future__ import annotations

import codecs
import functools
import math
import os
import sys
import zipfile
from typing import Callable, Iterator, NamedTuple

import numba as nb
import numpy as np

from . import corpus as _corpus
from ._fileio import compression_of
from .corpus import TextCorpus

__all__ = ["corpus_chunks", "python_chunks", "encoded_chunks", "fast_path_applies",
           "VocabTable", "encode_block", "leading_token_chars", "count_corpus",
           "WordCounter", "CorpusIds", "corpus_key"]

# -- byte classes ------------------------------------------------------------------------
#: A byte inside a token (or a continuation byte of a multi-byte character).
CLASS_TOKEN = 0
#: An ASCII whitespace byte other than ``"\n"``: ends a token.
CLASS_SPACE = 1
#: ``"\n"``: ends a token and the line (the only line separator ``TextCorpus`` knows).
CLASS_NEWLINE = 2
#: The first byte of a multi-byte character that may be whitespace (U+0085, U+00A0,
#: U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 start with 0xC2,
#: 0xE1, 0xE2, 0xE3): the kernel decodes the character and asks the code-point table.
CLASS_LEAD = 3

#: The code points the whitespace table covers: the Basic Multilingual Plane. No
#: character above it is whitespace (``test_encoder`` checks every code point), so
#: 4-byte characters are never looked up.
_BMP = 0x10000

#: ASCII whitespace is two ranges of bytes, tested eight bytes at a time in
#: :func:`_boundaries`: TAB LF VT FF CR, and the four information separators
#: (0x1C..0x1F, which ``str.split()`` splits on) with SPACE.
_ASCII_SPACE_RANGES = ((0x09, 0x0D), (0x1C, 0x20))

# -- words of eight bytes ----------------------------------------------------------------
#: Buffers are read as little-endian uint64 words, so the first byte of a token is the
#: low byte of its first word (:func:`fast_path_applies` requires a little-endian CPU).
_WORD_BYTES = 8
#: Every uint64 buffer keeps this many words beyond its last byte: a token's last word
#: is read whole (then masked), and a word at an odd offset is two aligned reads.
_PAD_WORDS = 2
_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
#: One bit per byte: the top bit, and the low bit (for spreading a byte to all eight).
_HIGH_BITS = np.uint64(0x8080808080808080)
_LOW_BITS = np.uint64(0x0101010101010101)

# -- hashing -----------------------------------------------------------------------------
#: Multiplicative hashing, a word at a time: ``h = (h ^ word) * HASH_MULTIPLIER`` over
#: the token's words (the first xored with its length), like FNV-1a but eight bytes per
#: multiply instead of one. The multiplier is 2**64 / golden ratio (odd, bits mixed);
#: the slot is the hash's *top* bits, which depend on every bit of every word.
HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
#: Table slots per word, at least (then rounded up to a power of two): a load factor
#: of 3/8 to 2/3, where linear probing takes about 1.3 to 2 probes to find a word, 1.8
#: to 5 to miss one. Two slots per word (load 1/4 to 1/2) measured 4% slower on the
#: 17M-word corpus: a table twice as large (4 MiB) keeps less of itself in the cache.
SLOTS_PER_WORD = 1.5
#: The smallest table: the slot is the hash's top ``log2(slots)`` bits, so at least
#: one bit, and there is always an empty slot to end a probe sequence.
MIN_SLOTS = 8
#: Each slot is two uint64: the word's first eight bytes (zero-padded), and
#: ``length << 32 | id``; a token matches when both agree (and, past eight bytes, the
#: rest of its bytes). ``EMPTY_SLOT`` (all ones: length and id both 2**32 - 1) in the
#: second marks an empty slot.
_SLOT_WIDTH = 2
EMPTY_SLOT = _ALL_ONES
_ID_BITS = np.uint64(32)
_ID_MASK = np.uint64(0xFFFFFFFF)

#: :func:`encode_block` finds tokens in ranges of this many bytes, then looks them up:
#: the scratch for token positions (two int64 a token) stays this small, in the L1
#: cache, however long a token held over from block to block grows (up to
#: ``MAX_TOKEN_LENGTH`` characters); as fast as whole blocks. A multiple of eight.
_SCAN_BYTES = 1 << 13

#: Ids and sentence ends are held in buffers of at least this many entries (grown
#: by doubling when a block needs more): a 64 KiB block holds at most 32Ki tokens.
_MIN_CAPACITY = 1 << 16


def fast_path_applies(corpus: object) -> bool:
    """Whether :func:`encoded_chunks` can stand in for iterating ``corpus``.

    Only a :class:`~w2v.corpus.TextCorpus` itself (a subclass may read differently),
    encoded UTF-8 or ASCII, with ``errors="strict"`` (the kernels rely on valid UTF-8
    and would not reproduce what a decoder replaces or drops), on a little-endian CPU
    (bytes are read eight at a time as little-endian words).
    """
    if type(corpus) is not TextCorpus or corpus.errors != "strict":
        return False
    if sys.byteorder != "little":
        return False
    return codecs.lookup(corpus.encoding).name in ("utf-8", "ascii")


@functools.lru_cache(maxsize=1)
def _whitespace_tables() -> tuple[np.ndarray, np.ndarray]:
    """``(byte_class, space_bmp)``: the class of each byte (see ``CLASS_*``), and for
    each code point of the BMP whether it is whitespace. Both come from
    ``str.isspace`` (the separators of ``str.split()``), so the kernels split exactly
    where Python does."""
    space_bmp = np.zeros(_BMP, dtype=np.uint8)
    byte_class = np.full(256, CLASS_TOKEN, dtype=np.uint8)
    for code in range(_BMP):
        char = chr(code)
        if not char.isspace():
            continue
        space_bmp[code] = 1
        first = char.encode("utf-8")[0]
        byte_class[first] = CLASS_SPACE if code < 0x80 else CLASS_LEAD
    byte_class[ord("\n")] = CLASS_NEWLINE
    ascii_space = {c for c in range(0x80) if byte_class[c] != CLASS_TOKEN}
    expected = {c for lo, hi in _ASCII_SPACE_RANGES for c in range(lo, hi + 1)}
    if ascii_space != expected:  # pragma: no cover - would take a new Unicode
        raise RuntimeError(f"ASCII whitespace is {sorted(ascii_space)}, not the ranges "
                           f"{_ASCII_SPACE_RANGES} the eight-byte scan assumes")
    return byte_class, space_bmp


def _words_of(data: bytes) -> np.ndarray:
    """``data`` in a uint64 buffer (little-endian words), padded by ``_PAD_WORDS``."""
    words = np.zeros(len(data) // _WORD_BYTES + 1 + _PAD_WORDS, dtype=np.uint64)
    words.view(np.uint8)[:len(data)] = np.frombuffer(data, dtype=np.uint8)
    return words


class VocabTable:
    """The vocabulary as an open-addressing hash table over UTF-8 words, for the kernels.

    Parameters
    ----------
    words : list of str
        The words; ``words[i]`` gets id ``i``.
    slots : int, optional
        Slots wanted (rounded up to a power of two); by default ``SLOTS_PER_WORD`` per
        word. Tests pass a small number to force collisions.

    Attributes
    ----------
    slots : ndarray of uint64
        ``2**k`` slots of ``_SLOT_WIDTH`` words each (see ``_SLOT_WIDTH``); a word sits
        in the first free slot from its hash's top ``k`` bits on (linear probing).
    shift : numpy.uint64
        ``64 - k``.
    word_bytes : ndarray of uint64
        Every word's UTF-8 bytes, concatenated in id order, as padded words.
    word_offsets : ndarray of int64
        Word ``i`` is bytes ``word_offsets[i]:word_offsets[i + 1]`` of ``word_bytes``.

    Words that are not valid UTF-8 on their own (lone surrogates, kept with
    ``surrogatepass``) or that hold whitespace stay in the table, so ids line up, and
    never match a token of a validly decoded file -- as with ``Vocabulary.encode``.

    (A second, small table of the most frequent words probed first, to stay in the
    cache between blocks, measured 10% slower on the 17M-word corpus: the others then
    pay two probe sequences.)
    """

    def __init__(self, words: list[str], *, slots: int | None = None):
        encoded = [w.encode("utf-8", "surrogatepass") for w in words]
        self.word_offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=self.word_offsets[1:])
        self.word_bytes = _words_of(b"".join(encoded))
        wanted = math.ceil(SLOTS_PER_WORD * len(encoded)) if slots is None else slots
        bits = (max(MIN_SLOTS, wanted, len(encoded) + 1) - 1).bit_length()  # round up
        self.slots = np.full(_SLOT_WIDTH << bits, EMPTY_SLOT, dtype=np.uint64)
        self.shift = np.uint64(64 - bits)
        _fill_table(self.slots, self.shift, self.word_bytes, self.word_offsets)
        self.n_words = len(encoded)
        self.counts = None      # encode_block only looks words up (see its docstring)

    def reserve(self, n_bytes: int) -> None:
        """Nothing: this table does not grow (see :class:`WordCounter`)."""

    @classmethod
    def from_vocabulary(cls, vocab) -> "VocabTable":
        """The table of a :class:`~w2v.vocab.Vocabulary` (ids are positions in ``words``)."""
        return cls(vocab.words)

    def slot_of(self, word: str) -> int:
        """The slot where looking ``word`` up starts (for tests of colliding words)."""
        data = word.encode("utf-8", "surrogatepass")
        h = _token_hash(_words_of(data), np.uint64(0), np.uint64(len(data)))[0]
        return int(h >> self.shift)

    def lookup(self, word: str) -> int:
        """The id of ``word``, or -1: the kernels' lookup, callable from Python."""
        data = word.encode("utf-8", "surrogatepass")
        if not data:
            return -1
        return int(_find(_words_of(data), np.uint64(0), np.uint64(len(data)), self.slots,
                         self.shift, self.word_bytes, self.word_offsets))


# -- kernels: words, hashing, lookup -----------------------------------------------------
# Hot loops index with uint64: Numba then skips the negative-index wraparound test it
# makes on every signed index (measured: lookups 20% faster).

_U = np.uint64


@nb.njit(nogil=True, cache=True, inline="always")
def _word_at(words, start):
    """The eight bytes from byte ``start`` (uint64) of the uint64 buffer ``words``, as
    one little-endian word: two aligned reads, shifted together."""
    q = start >> _U(3)
    r = (start & _U(7)) * _U(8)
    # ``<< (63 - r) << 1`` is ``<< (64 - r)`` without the undefined shift by 64 at r = 0
    return (words[q] >> r) | ((words[q + _U(1)] << (_U(63) - r)) << _U(1))


@nb.njit(nogil=True, cache=True, inline="always")
def _low_bytes(count):
    """A mask of the low ``count`` bytes of a word, for ``count`` (uint64) in 1..8."""
    return _ALL_ONES >> (_U(64) - _U(8) * count)


@nb.njit(nogil=True, cache=True, inline="always")
def _head_hash(head, length):
    """The hash of a token of at most eight bytes, ``head`` (zero-padded): the first
    step of :func:`_token_hash`, which :func:`encode_block` takes alone for most tokens."""
    return (head ^ length) * HASH_MULTIPLIER


@nb.njit(nogil=True, cache=True)
def _token_hash(words, start, length):
    """``(hash, head)`` of the ``length`` (>= 1) bytes at byte ``start`` of ``words``
    (both uint64): ``head`` is the first eight (zero-padded); the hash chains every
    word of the token."""
    head = _word_at(words, start) & _low_bytes(min(length, _U(8)))
    h = _head_hash(head, length)
    k = _U(8)
    while k < length:
        h = (h ^ (_word_at(words, start + k) & _low_bytes(min(length - k, _U(8))))) \
            * HASH_MULTIPLIER
        k += _U(8)
    return h, head


@nb.njit(nogil=True, cache=True, inline="always")
def _find_short(slots, shift, head, length):
    """Id of a token of at most eight bytes, ``head`` (zero-padded), or -1: its head
    and length settle the match. :func:`_find` for most tokens, inlined."""
    mask = _U(slots.size // _SLOT_WIDTH - 1)
    slot = _head_hash(head, length) >> shift
    while True:
        meta = slots[_U(_SLOT_WIDTH) * slot + _U(1)]
        if meta == EMPTY_SLOT:
            return -1
        if slots[_U(_SLOT_WIDTH) * slot] == head and (meta >> _ID_BITS) == length:
            return np.int64(meta & _ID_MASK)
        slot = (slot + _U(1)) & mask


@nb.njit(nogil=True, cache=True)
def _find(data, start, length, slots, shift, word_bytes, word_offsets):
    """Id of the token of ``length`` (>= 1) bytes at byte ``start`` of ``data`` (a
    uint64 buffer; both uint64), or -1 when it is no word of the table."""
    h, head = _token_hash(data, start, length)
    mask = _U(slots.size // _SLOT_WIDTH - 1)
    slot = h >> shift
    while True:
        meta = slots[_U(_SLOT_WIDTH) * slot + _U(1)]
        if meta == EMPTY_SLOT:
            return -1
        if slots[_U(_SLOT_WIDTH) * slot] == head and (meta >> _ID_BITS) == length:
            word = meta & _ID_MASK
            first = _U(word_offsets[word])
            k = _U(8)
            while k < length and ((_word_at(data, start + k) ^ _word_at(word_bytes, first + k))
                                  & _low_bytes(min(length - k, _U(8)))) == 0:
                k += _U(8)
            if k >= length:
                return np.int64(word)
        slot = (slot + _U(1)) & mask


@nb.njit(nogil=True, cache=True)
def _fill_table(slots, shift, word_bytes, word_offsets):
    """Insert every word (ids in order) into the empty ``slots`` by linear probing."""
    mask = _U(slots.size // _SLOT_WIDTH - 1)
    for word in range(word_offsets.size - 1):
        start = _U(word_offsets[word])
        length = _U(word_offsets[word + 1]) - start
        h, head = _token_hash(word_bytes, start, length)
        slot = h >> shift
        while slots[_U(_SLOT_WIDTH) * slot + _U(1)] != EMPTY_SLOT:
            slot = (slot + _U(1)) & mask
        slots[_U(_SLOT_WIDTH) * slot] = head
        slots[_U(_SLOT_WIDTH) * slot + _U(1)] = (length << _ID_BITS) | _U(word)


@nb.njit(nogil=True, cache=True)
def _add_word(data, start, length, slots, shift, word_bytes, word_offsets, word):
    """Make the ``length`` bytes at byte ``start`` of ``data`` (a token not in the
    table) word ``word``: append them to ``word_bytes`` and take the first free slot
    from its hash on. Returns ``word``."""
    first = word_offsets[word]
    source = data.view(np.uint8)
    target = word_bytes.view(np.uint8)
    at = np.int64(start)
    for k in range(np.int64(length)):
        target[first + k] = source[at + k]
    word_offsets[word + 1] = first + np.int64(length)
    h, head = _token_hash(data, start, length)
    mask = _U(slots.size // _SLOT_WIDTH - 1)
    slot = h >> shift
    while slots[_U(_SLOT_WIDTH) * slot + _U(1)] != EMPTY_SLOT:
        slot = (slot + _U(1)) & mask
    slots[_U(_SLOT_WIDTH) * slot] = head
    slots[_U(_SLOT_WIDTH) * slot + _U(1)] = (length << _ID_BITS) | _U(word)
    return np.int64(word)


# -- kernels: whitespace and boundaries --------------------------------------------------

@nb.njit(nogil=True, cache=True)
def _space_width(buf, i, n, byte_class, space_bmp):
    """Bytes of the whitespace character at ``buf[i]``, or 0 when it is none.

    The bytes ``buf[:n]`` are valid UTF-8, except that the last character may be cut
    short by the end of the block: then it is not whitespace (yet).
    """
    c = byte_class[buf[i]]
    if c == CLASS_SPACE or c == CLASS_NEWLINE:
        return 1
    if c == CLASS_LEAD:
        b = np.int64(buf[i])
        if b < 0xE0:
            if i + 1 < n:
                code = ((b & 0x1F) << 6) | (np.int64(buf[i + 1]) & 0x3F)
                if space_bmp[code]:
                    return 2
        elif i + 2 < n:
            code = (((b & 0x0F) << 12) | ((np.int64(buf[i + 1]) & 0x3F) << 6)
                    | (np.int64(buf[i + 2]) & 0x3F))
            if space_bmp[code]:
                return 3
    return 0


@nb.njit(nogil=True, cache=True, inline="always")
def _in_range(x, lo, hi):
    """The top bit of each byte of ``x`` (all bytes < 0x80) that lies in ``lo..hi``:
    adding ``0x80 - lo`` sets it for bytes >= lo, adding ``0x7F - hi`` for bytes > hi,
    and no byte's sum carries into the next."""
    return ((x + _LOW_BITS * _U(0x80 - lo)) & ~(x + _LOW_BITS * _U(0x7F - hi))
            & _HIGH_BITS)


@nb.njit(nogil=True, cache=True)
def _scan_bytes(buf, begin, end, n, byte_class, space_bmp, pos, m, prev, skip):
    """:func:`_boundaries` one byte at a time over ``buf[begin:end]``.

    ``prev`` is 1 when the byte before was whitespace; ``skip`` counts the
    continuation bytes of a multi-byte whitespace character still to pass.
    """
    for i in range(begin, end):
        c = byte_class[buf[i]]
        if skip > 0:
            space = 1
            skip -= 1
        elif c == CLASS_LEAD:
            width = _space_width(buf, i, n, byte_class, space_bmp)
            space = 1 if width > 0 else 0
            skip = width - 1 if width > 0 else 0
        else:
            space = 1 if c != CLASS_TOKEN else 0
        pos[m] = i
        m += prev ^ space
        prev = space
        if c == CLASS_NEWLINE:
            pos[m] = i
            pos[m + 1] = i
            m += 2
    return m, prev, skip


@nb.njit(nogil=True, cache=True)
def _boundaries(words, begin, end, n, byte_class, space_bmp, pos, m, prev, skip):
    """Where tokens start and end in bytes ``begin:end`` of ``words``, and lines too.

    ``begin`` is a multiple of eight, and so is ``end`` unless it is ``n``, the end of
    the data. Appends to ``pos`` from ``m`` on: ``(start, end)`` of each token, in
    order, and ``(i, i)`` for a newline at byte ``i`` (after the token it ends, if
    any); a token still going at ``end`` leaves its start last (an odd count). At most
    ``2 * (end - begin) + 2`` entries. ``prev`` (1 when the byte before ``begin`` was
    whitespace) and ``skip`` (see :func:`_scan_bytes`) carry from range to range.
    Returns ``(m, prev, skip)``.

    Every byte writes a position and moves the count by whether a token starts or ends
    there, so the loop does not branch on the text. Eight ASCII bytes without a newline
    (most of them, in most corpora) are classified at once (:func:`_in_range`); a word
    with a newline or a byte >= 0x80 goes one byte at a time (:func:`_scan_bytes`).
    """
    buf = words.view(np.uint8)
    full = end // _WORD_BYTES
    for q in range(begin // _WORD_BYTES, full):
        x = words[q]
        if (x & _HIGH_BITS) == 0 and _in_range(x, 0x0A, 0x0A) == 0:
            space = _in_range(x, 0x09, 0x0D) | _in_range(x, 0x1C, 0x20)
            change = space ^ ((space << _U(8)) | (_U(prev) << _U(7)))
            base = q * _WORD_BYTES
            for j in range(_WORD_BYTES):
                pos[m] = base + j
                m += np.int64((change >> _U(8 * j + 7)) & _U(1))
            prev = np.int64(space >> _U(63))
        else:
            m, prev, skip = _scan_bytes(buf, q * _WORD_BYTES, (q + 1) * _WORD_BYTES, n,
                                        byte_class, space_bmp, pos, m, prev, skip)
    return _scan_bytes(buf, full * _WORD_BYTES, end, n, byte_class, space_bmp, pos, m, prev,
                       skip)


@nb.njit(nogil=True, cache=True)
def leading_token_chars(buf, byte_class, space_bmp):
    """Characters before the first whitespace of ``buf`` (UTF-8 bytes), or in all of it.

    A character cut short by the end of ``buf`` is not counted: the decoder of
    ``TextCorpus`` has not produced it yet. This is the length ``TextCorpus`` compares
    with ``MAX_TOKEN_LENGTH`` for the token held over from the previous block.
    """
    n = buf.size
    chars = 0
    last_lead = -1
    for i in range(n):
        if _space_width(buf, i, n, byte_class, space_bmp) > 0:
            return chars
        if (buf[i] & 0xC0) != 0x80:
            chars += 1
            last_lead = i
    if last_lead >= 0:
        b = buf[last_lead]
        need = 1 if b < 0x80 else (2 if b < 0xE0 else (3 if b < 0xF0 else 4))
        if last_lead + need > n:
            chars -= 1
    return chars


@nb.njit(nogil=True, cache=True)
def encode_block(words, n, final, byte_class, space_bmp, slots, shift, word_bytes,
                 word_offsets, max_len, pos, ids, n_ids, ends, n_ends, raw, sent_start,
                 counts, n_words):
    """Tokenize the first ``n`` bytes (UTF-8) of ``words`` and append the ids found.

    ``words`` is a uint64 buffer with ``_PAD_WORDS`` words beyond byte ``n``. Tokens
    end at whitespace; ``"\\n"`` also ends the line. A token still going at byte ``n``
    is left alone unless ``final`` (the end of the file): its start is returned, and
    the caller passes its bytes again at the head of the next block.

    Two passes over each range of ``_SCAN_BYTES``: :func:`_boundaries` finds the
    tokens, then each is looked up. Apart, each loop's iterations are independent of
    one another, so the CPU overlaps them; one loop that found each token's end before
    hashing it (a chain of dependent loads) measured 1.5 times slower.

    Sentence state carries from block to block: ``raw`` tokens (found or not) are in
    the current piece of the line, whose ids are ``ids[sent_start:n_ids]``. A piece
    ends after ``max_len`` tokens, at a newline and at the end of the file; one that
    has ids appends its end (an index into ``ids``) to ``ends``.

    ``pos`` is scratch (int64, ``2 * _SCAN_BYTES + 4``); ``ids`` and ``ends`` need room
    for ``n // 2 + 1`` more entries (a token and its separator take two bytes at least).

    With ``counts`` (int64) rather than None the table grows (:class:`WordCounter`):
    a token not in it becomes word ``n_words`` (its bytes appended to ``word_bytes``),
    every token's word has its count raised by one, and every token gets an id. The
    table, ``word_bytes``, ``word_offsets`` and ``counts`` need room for ``n // 2 + 1``
    more words and ``n`` more bytes (:meth:`WordCounter.reserve`).

    Returns ``(n_ids, n_ends, raw, sent_start, held, n_words)``: the new counts and
    state, where the token held back for the next block starts (``n`` for none), and
    the words in the table.
    """
    held = n
    prev = 1            # the byte before the range was whitespace
    skip = 0
    carry = -1          # start of a token going on from the previous range
    begin = 0
    while True:
        end = min(begin + _SCAN_BYTES, n)
        m = 0
        if carry >= 0:
            pos[0] = carry
            m = 1
        m, prev, skip = _boundaries(words, begin, end, n, byte_class, space_bmp, pos, m,
                                    prev, skip)
        carry = -1
        if m % 2 == 1:  # a token runs to the end of the range
            if end < n:
                m -= 1
                carry = pos[m]
            elif final:
                pos[m] = n
                m += 1
            else:
                m -= 1
                held = pos[m]
        for t in range(0, m, 2):
            start = _U(pos[_U(t)])
            length = _U(pos[_U(t) + _U(1)]) - start
            if length == 0:  # a newline ends the line
                if n_ids > sent_start:
                    ends[n_ends] = n_ids
                    n_ends += 1
                sent_start = n_ids
                raw = 0
                continue
            if length <= _U(8):  # nine tokens in ten
                head = _word_at(words, start) & _low_bytes(length)
                word = _find_short(slots, shift, head, length)
            else:
                word = _find(words, start, length, slots, shift, word_bytes, word_offsets)
            if counts is not None:   # pruned at compile time for a lookup table
                if word < 0:
                    word = _add_word(words, start, length, slots, shift, word_bytes,
                                     word_offsets, n_words)
                    n_words += 1
                    counts[word] = 1
                else:
                    counts[word] += 1
            if word >= 0:
                ids[_U(n_ids)] = word
                n_ids += 1
            raw += 1
            if raw == max_len:
                if n_ids > sent_start:
                    ends[n_ends] = n_ids
                    n_ends += 1
                sent_start = n_ids
                raw = 0
        if end == n:
            break
        begin = end
    if final:
        if n_ids > sent_start:
            ends[n_ends] = n_ids
            n_ends += 1
        sent_start = n_ids
        raw = 0
    return n_ids, n_ends, raw, sent_start, held, n_words


# -- the reader --------------------------------------------------------------------------

def _has_char(first: int, length: int) -> bool:
    """Whether ``length`` bytes from a character's ``first`` byte hold it whole: if not,
    ``TextCorpus``'s decoder still buffers them and its held-back token is empty."""
    need = 1 if first < 0x80 else 2 if first < 0xE0 else 3 if first < 0xF0 else 4
    return length >= need


def _grown(array: np.ndarray, used: int, needed: int) -> np.ndarray:
    """``array``, or a larger copy of its first ``used`` entries when it holds fewer
    than ``needed`` (at least doubled, so growing costs O(1) per entry)."""
    if needed <= array.size:
        return array
    grown = np.empty(max(2 * array.size, needed), dtype=array.dtype)
    grown[:used] = array[:used]
    return grown


class _Packer:
    """Ids and sentence ends waiting to be packed into chunks, in reused buffers.

    :func:`encode_block` appends to ``ids`` and ``ends`` (each end an index into
    ``ids``) and carries the state of the current sentence (``raw``, ``sent_start``);
    :meth:`chunks` cuts what is finished, from ``origin`` on; what is left moves to the
    front when the buffers run out of room.
    """

    def __init__(self, chunk_words: int):
        self.limit = chunk_words
        self.ids = np.empty(_MIN_CAPACITY, dtype=np.int32)
        self.ends = np.empty(_MIN_CAPACITY, dtype=np.int64)
        self.origin = 0         # ids before this one went into chunks ...
        self.first = 0          # ... and so did the sentences before this one
        self.n_ids = 0          # ids written (finished sentences, then the current one)
        self.n_ends = 0         # finished sentences
        self.raw = 0            # tokens of the current piece of the line
        self.sent_start = 0     # where the current piece's ids start

    def reserve(self, more: int) -> None:
        """Make room for ``more`` ids and as many sentence ends."""
        if self.n_ids + more <= self.ids.size and self.n_ends + more <= self.ends.size:
            return
        if self.origin:  # move what is left to the front
            left, kept = self.n_ids - self.origin, self.n_ends - self.first
            self.ids[:left] = self.ids[self.origin:self.n_ids].copy()
            self.ends[:kept] = self.ends[self.first:self.n_ends] - self.origin
            self.sent_start -= self.origin
            self.n_ids, self.n_ends, self.origin, self.first = left, kept, 0, 0
        self.ids = _grown(self.ids, self.n_ids, self.n_ids + more)
        self.ends = _grown(self.ends, self.n_ends, self.n_ends + more)

    def ready(self) -> bool:
        """Whether the finished sentences hold a chunk (cheap: checked every block)."""
        return self.n_ends > self.first and \
            self.ends[self.n_ends - 1] - self.origin >= self.limit

    def discard(self) -> None:
        """Let the finished sentences go without packing them."""
        if self.n_ends > self.first:
            self.first, self.origin = self.n_ends, int(self.ends[self.n_ends - 1])

    def chunks(self, flush: bool) -> list[tuple[np.ndarray, np.ndarray]]:
        """Cut each run of finished sentences that reaches ``limit`` ids, ending with
        the sentence that reaches it (as :func:`python_chunks` does); with ``flush``,
        the rest too."""
        ends = self.ends[:self.n_ends]
        out = []
        while self.first < self.n_ends:
            first, base = self.first, self.origin
            last = int(np.searchsorted(ends[first:], base + self.limit)) + first
            if last >= self.n_ends:
                if not flush:
                    break
                last = self.n_ends - 1
            end = int(ends[last])
            starts = np.empty(last - first + 2, dtype=np.int64)
            starts[0] = 0
            np.subtract(ends[first:last + 1], base, out=starts[1:])
            out.append((self.ids[base:end].copy(), starts))
            self.first, self.origin = last + 1, end
        return out


def encoded_chunks(corpus: TextCorpus, vocab, chunk_words: int, *,
                   table: VocabTable | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(tokens, starts)`` chunks of ``corpus`` encoded with ``vocab``, compiled.

    The same chunks, in the same order, as :func:`python_chunks`: ``tokens`` (int32
    ids) holds whole sentences, at least ``chunk_words`` ids of them except in the last
    chunk; ``starts`` (int64) gives each sentence's offset in ``tokens``, from 0, with
    ``tokens.size`` last. Errors are the ones iterating ``corpus`` raises, at the same
    point: a chunk is yielded once the block that completes it is read and checked.

    Parameters
    ----------
    corpus : TextCorpus
        One for which :func:`fast_path_applies` holds.
    vocab : Vocabulary
        Words and their ids.
    chunk_words : int
        Ids a chunk reaches before it is yielded.
    table : VocabTable, optional
        ``vocab``'s table, if already built.
    """
    _check_fast_path(corpus)
    if table is None:
        table = VocabTable.from_vocabulary(vocab)
    packer = _Packer(chunk_words)
    for _ in _read(corpus, table, packer):
        if packer.ready():
            yield from packer.chunks(flush=False)
    yield from packer.chunks(flush=True)


def _check_fast_path(corpus) -> None:
    if not fast_path_applies(corpus):
        raise ValueError(f"the compiled reader cannot read {corpus!r} (expected a "
                         "TextCorpus of UTF-8 or ASCII with errors='strict')")


def _read(corpus: TextCorpus, table, packer: _Packer) -> Iterator[tuple[int, int, int]]:
    """Read every file of ``corpus`` block by block into ``packer`` through
    :func:`encode_block` with ``table`` (a :class:`VocabTable`, or a
    :class:`WordCounter` that grows); after each block, yield ``(bytes read from all
    the files so far, ids the block added, sentences it finished)``."""
    byte_class, space_bmp = _whitespace_tables()
    max_len = corpus.max_sentence_length
    work = np.zeros(_MIN_CAPACITY // _WORD_BYTES, dtype=np.uint64)  # held + block bytes
    data = work.view(np.uint8)
    pos = np.empty(2 * _SCAN_BYTES + 4, dtype=np.int64)   # scratch of encode_block
    files_bytes = 0         # bytes of the files before this one
    for path in corpus.files:
        n_held = 0          # bytes of a token cut by the end of the previous block ...
        held_at = 0         # ... at the head of ``work``, from this byte of the file
        for block in corpus._blocks(path):
            n = n_held + len(block.raw)
            if n // _WORD_BYTES + 1 + _PAD_WORDS > work.size:
                work = _grown(work, (n_held + _WORD_BYTES - 1) // _WORD_BYTES,
                              n // _WORD_BYTES + 1 + _PAD_WORDS)
                data = work.view(np.uint8)
            data[n_held:n] = np.frombuffer(block.raw, dtype=np.uint8)
            # TextCorpus measures the token it held back (if it holds one: a lone cut
            # character is still in its decoder) once the next block is decoded.
            if n_held and _has_char(int(data[0]), n_held) and leading_token_chars(
                    data[:n], byte_class, space_bmp) > _corpus.MAX_TOKEN_LENGTH:
                raise _corpus._token_too_long(path, held_at)
            packer.reserve(n // 2 + 1)
            table.reserve(n)
            ids_before, ends_before = packer.n_ids, packer.n_ends
            (packer.n_ids, packer.n_ends, packer.raw, packer.sent_start, cut,
             table.n_words) = encode_block(
                work, n, block.final, byte_class, space_bmp, table.slots, table.shift,
                table.word_bytes, table.word_offsets, max_len, pos, packer.ids,
                packer.n_ids, packer.ends, packer.n_ends, packer.raw, packer.sent_start,
                table.counts, table.n_words)
            held_at = block.start - n_held + cut  # the data began n_held before the block
            n_held = n - cut
            if n_held:
                data[:n_held] = data[cut:n].copy()
            yield (files_bytes + block.start + len(block.raw), packer.n_ids - ids_before,
                   packer.n_ends - ends_before)
            if block.final:
                files_bytes += block.start


# -- counting ----------------------------------------------------------------------------

class WordCounter:
    """A table that grows: the words of a corpus, numbered as first seen, and their counts.

    :func:`encode_block` adds every token it does not find (its ``counts`` is not
    None); :meth:`reserve` makes room before each block, doubling the slots to keep
    the load at most 2/3 (see ``SLOTS_PER_WORD``). Same attributes as
    :class:`VocabTable`, plus ``n_words`` and ``counts``.
    """

    def __init__(self):
        self.n_words = 0
        self.word_offsets = np.zeros(_MIN_CAPACITY, dtype=np.int64)
        self.counts = np.zeros(_MIN_CAPACITY, dtype=np.int64)
        self.word_bytes = np.zeros(_MIN_CAPACITY // _WORD_BYTES, dtype=np.uint64)
        self._table(_MIN_CAPACITY)

    def _table(self, words: int) -> None:
        """Slots for ``words`` words at a load of at most 2/3, holding the present ones."""
        bits = (max(MIN_SLOTS, math.ceil(SLOTS_PER_WORD * words)) - 1).bit_length()
        self.slots = np.full(_SLOT_WIDTH << bits, EMPTY_SLOT, dtype=np.uint64)
        self.shift = np.uint64(64 - bits)
        _fill_table(self.slots, self.shift, self.word_bytes,
                    self.word_offsets[:self.n_words + 1])

    def reserve(self, n_bytes: int) -> None:
        """Room for a block of ``n_bytes``: up to ``n_bytes // 2 + 1`` new words."""
        words = self.n_words + n_bytes // 2 + 2
        used = int(self.word_offsets[self.n_words])
        self.word_offsets = _grown(self.word_offsets, self.n_words + 1, words)
        self.counts = _grown(self.counts, self.n_words, words)
        self.word_bytes = _grown(self.word_bytes, (used + _WORD_BYTES - 1) // _WORD_BYTES,
                                 (used + n_bytes) // _WORD_BYTES + 1 + _PAD_WORDS)
        if SLOTS_PER_WORD * words > self.slots.size // _SLOT_WIDTH:
            self._table(2 * words)

    def words(self) -> list[str]:
        """The words, in the order their ids give (first seen first)."""
        bounds = self.word_offsets[:self.n_words + 1].tolist()
        data = self.word_bytes.view(np.uint8)[:bounds[-1]]
        if not (data >= 0x80).any():   # ASCII: one str, sliced (characters are bytes)
            text = data.tobytes().decode("ascii")
            return [text[a:b] for a, b in zip(bounds, bounds[1:])]
        raw = data.tobytes()
        return [raw[a:b].decode("utf-8") for a, b in zip(bounds, bounds[1:])]


#: Provisional chunks of :func:`count_corpus` hold at least this many ids: large, so
#: they are few, and small enough that one of them is a small part of a corpus.
_PROVISIONAL_CHUNK_IDS = 1 << 20


class Counted(NamedTuple):
    """What :func:`count_corpus` found."""

    words: list[str]           # distinct words, first seen first
    counts: np.ndarray         # int64, counts[i] of words[i]
    tokens: int                # tokens in all
    sentences: int             # sentences, as TextCorpus yields them
    ids: "CorpusIds | None"    # the corpus as word numbers, if kept


def count_corpus(corpus: TextCorpus, *, keep_ids: int = 0,
                 progress: Callable[[int], object] | None = None) -> Counted:
    """Count the words of ``corpus`` in one compiled pass (as :func:`encoded_chunks`
    reads it), and keep the whole corpus as word numbers too when it has at most
    ``keep_ids`` tokens, so that training's first epoch need not read it again.

    The numbers are provisional (first seen first); :meth:`CorpusIds.chunks` maps them
    to a vocabulary's ids. The ids are let go as soon as the tokens per byte so far,
    times a lower bound on the corpus's bytes (:func:`_text_bytes_at_least`), project
    more than ``keep_ids`` tokens, so a long corpus holds none (a compressed one whose
    compressed size projects too few, once it has more than ``keep_ids``).
    ``progress(n)`` is called with the tokens of each block.
    """
    _check_fast_path(corpus)
    counter = WordCounter()
    packer = _Packer(_PROVISIONAL_CHUNK_IDS)
    kept: list[tuple[np.ndarray, np.ndarray]] | None = [] if keep_ids > 0 else None
    total_bytes = _text_bytes_at_least(corpus.files) if kept is not None else None
    tokens = 0
    sentences = 0
    for read, added, finished in _read(corpus, counter, packer):
        tokens += added
        sentences += finished
        if progress is not None and added:
            progress(added)
        if kept is not None and (tokens > keep_ids or (
                total_bytes is not None and tokens * total_bytes > keep_ids * max(read, 1))):
            kept = None     # too long: let the ids go
        if kept is None:
            packer.discard()
        elif packer.ready():
            kept.extend(packer.chunks(flush=False))
    if kept is not None:
        kept.extend(packer.chunks(flush=True))
    words = counter.words()
    counts = counter.counts[:counter.n_words].copy()
    ids = None if kept is None else CorpusIds(words, kept)
    return Counted(words, counts, tokens, sentences, ids)


def corpus_key(corpus: object) -> tuple | None:
    """What the compiled reader's output depends on: the files (with their sizes and
    modification times), the encoding and the sentence length; None for a corpus it
    does not read."""
    if not fast_path_applies(corpus):
        return None
    stats = []
    for path in corpus.files:
        try:
            st = os.stat(path)
        except OSError:
            return None
        stats.append((os.path.abspath(path), st.st_size, st.st_mtime_ns))
    return (tuple(stats), corpus.encoding, corpus.errors, corpus.max_sentence_length)


def _text_bytes_at_least(files: list[str]) -> int | None:
    """A lower bound on the bytes of text in ``files``, known without reading them: the
    size of a plain file or of a zip member, and for gzip, bz2 and xz the compressed
    size (text compresses, so it is smaller than the text it holds). None when a file
    cannot be read (the reader then reports it)."""
    total = 0
    try:
        for path in files:
            if compression_of(path) == "zip":
                with zipfile.ZipFile(path) as archive:
                    total += sum(m.file_size for m in archive.infolist() if not m.is_dir())
            else:
                total += os.path.getsize(path)
    except (OSError, zipfile.BadZipFile):
        return None
    return total


@nb.njit(nogil=True, cache=True)
def _remap_chunk(tokens, starts, remap):
    """Map ``tokens`` through ``remap`` in place, dropping those it maps below 0 and the
    sentences left empty; ``starts`` is rewritten to match. Returns ``(tokens kept,
    sentences kept)``."""
    n = 0
    kept = 0
    begin = starts[0]
    for s in range(starts.size - 1):
        end = starts[s + 1]
        first = n
        for i in range(begin, end):
            word = remap[tokens[i]]
            if word >= 0:
                tokens[n] = word
                n += 1
        begin = end
        if n > first:
            kept += 1
            starts[kept] = n
    starts[0] = 0
    return n, kept


class CorpusIds:
    """A corpus as provisional word numbers (:func:`count_corpus`), in chunks."""

    def __init__(self, words: list[str], chunks: list[tuple[np.ndarray, np.ndarray]]):
        self.words = words
        self._chunks = chunks

    def chunks(self, index: dict[str, int], chunk_words: int
               ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The corpus encoded with a vocabulary's ``index`` (word -> id): the chunks
        :func:`encoded_chunks` would read, made in memory. Each provisional chunk is
        mapped in place and let go as it is used, so this runs once."""
        remap = np.fromiter((index.get(w, -1) for w in self.words), dtype=np.int32,
                            count=len(self.words))
        chunks, self._chunks = self._chunks, []
        chunks.reverse()
        held_ids: list[np.ndarray] = []      # sentences not yet in a chunk ...
        held_ends: list[np.ndarray] = []     # ... and where each ends, from 0
        held = 0
        while chunks:
            tokens, starts = chunks.pop()
            n, m = _remap_chunk(tokens, starts, remap)
            tokens, ends = tokens[:n], starts[1:m + 1]
            while ends.size:
                # the first sentence that brings the chunk to chunk_words ids ends it
                last = int(np.searchsorted(ends, chunk_words - held))
                if last >= ends.size:
                    held_ids.append(tokens)
                    held_ends.append(ends + held)
                    held += n
                    break
                end = int(ends[last])
                held_ids.append(tokens[:end])
                held_ends.append(ends[:last + 1] + held)
                yield _joined(held_ids, held_ends)
                held_ids, held_ends, held = [], [], 0
                tokens, ends, n = tokens[end:], ends[last + 1:] - end, n - end
        if held_ids:
            yield _joined(held_ids, held_ends)


def _joined(ids: list[np.ndarray], ends: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One chunk from pieces of sentences' ids and their ends (a view when one piece)."""
    tokens = ids[0] if len(ids) == 1 else np.concatenate(ids)
    starts = np.zeros(sum(e.size for e in ends) + 1, dtype=np.int64)
    np.concatenate(ends, out=starts[1:])
    return tokens, starts


def python_chunks(corpus, vocab, chunk_words: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The chunks of any corpus, in Python: what training did before the compiled reader.

    Iterates ``corpus`` (any iterable of token lists), encodes each sentence with
    ``vocab.encode``, skips those that encode to nothing, and yields a chunk once its
    sentences hold ``chunk_words`` ids or more (the rest at the end).
    """
    pieces: list[np.ndarray] = []
    n = 0
    for sentence in corpus:
        ids = vocab.encode(sentence)
        if ids.size == 0:
            continue
        pieces.append(ids)
        n += ids.size
        if n >= chunk_words:
            yield _pack(pieces)
            pieces, n = [], 0
    if pieces:
        yield _pack(pieces)


def _pack(pieces: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One chunk from encoded sentences: their ids end to end, and where each starts."""
    tokens = np.concatenate(pieces).astype(np.int32, copy=False)
    starts = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([p.size for p in pieces], out=starts[1:])
    return tokens, starts


def corpus_chunks(corpus, vocab, chunk_words: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks of ``corpus`` encoded with ``vocab``: compiled where
    :func:`fast_path_applies`, else :func:`python_chunks` (the same chunks either way)."""
    if fast_path_applies(corpus):
        return encoded_chunks(corpus, vocab, chunk_words)
    return python_chunks(corpus, vocab, chunk_words)
