"""Tests of w2v._encoder: the compiled reader yields exactly the Python path's chunks.

Every test compares :func:`encoded_chunks` (Numba, on raw UTF-8 bytes) with
:func:`python_chunks` (``TextCorpus`` + ``Vocabulary.encode``, what training did before)
on the same file: the same chunks, the same dtypes, and -- when the file is bad -- the
same chunks before the same ``CorpusError``. ``w2v.corpus._BLOCK_SIZE`` is shrunk so
that tokens, lines and multi-byte characters straddle block boundaries.
"""

from __future__ import annotations

import gzip
import pathlib
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v import Word2Vec
from w2v import _encoder
from w2v import corpus as corpus_module
from w2v.corpus import IterableCorpus, TextCorpus
from w2v.errors import CorpusError
from w2v.vocab import Vocabulary

#: Every character ``str.split()`` splits on (``str.isspace``), "\n" included.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" +
              "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000")
#: Characters that are not whitespace but start with the same UTF-8 byte as some
#: whitespace does (0xC2, 0xE1, 0xE2, 0xE3), or are near them: the kernel must decode
#: them to tell.
LOOKALIKES = "\xa9\x84\x86\xa1\u1681\u167f\u200b\u2010\u2027\u202a\u2030\u205e\u2060" \
             "\u3001\u2fff"
#: ASCII control characters next to the whitespace ranges (0x09-0x0D, 0x1C-0x20), which
#: are token characters: the eight-byte scan must not take them for spaces.
CONTROLS = "\x08\x0e\x1b\x21\x7f\x01"
#: Letters of one to four bytes.
LETTERS = "abcxyzéü€中𝄞"

BLOCK_SIZES = [1, 2, 3, 5, 7, 8, 13, 64, 64 * 1024]


# -- helpers ------------------------------------------------------------------------------

def vocab_of(words) -> Vocabulary:
    """A vocabulary of ``words`` (most frequent first, in the order given)."""
    words = list(dict.fromkeys(words))
    return Vocabulary(words, list(range(len(words), 0, -1)))


def outcome(chunks):
    """``(chunks as lists, error message or None)`` of a chunk generator, read to its end
    or to its first CorpusError."""
    got = []
    try:
        for tokens, starts in chunks:
            assert tokens.dtype == np.int32 and starts.dtype == np.int64
            assert starts[0] == 0 and starts[-1] == tokens.size
            got.append((tokens.tolist(), starts.tolist()))
    except CorpusError as exc:
        return got, str(exc)
    return got, None


def assert_same(corpus, vocab, chunk_words=7, table=None):
    """Both paths give the same chunks (and error); returns them. The compiled counting
    pass agrees too (:func:`assert_counts_the_same`)."""
    assert _encoder.fast_path_applies(corpus)
    expected = outcome(_encoder.python_chunks(corpus, vocab, chunk_words))
    got = outcome(_encoder.encoded_chunks(corpus, vocab, chunk_words, table=table))
    assert got == expected
    assert_counts_the_same(corpus, vocab, chunk_words, expected)
    return got


def assert_counts_the_same(corpus, vocab, chunk_words, expected):
    """:func:`_encoder.count_corpus` finds the words, counts, tokens and sentences that
    iterating ``corpus`` does (or raises its error), and the ids it keeps give the
    chunks ``expected`` (:func:`outcome` of the Python path with ``vocab``)."""
    try:
        counted = _encoder.count_corpus(corpus, keep_ids=10**9)
    except CorpusError as exc:
        assert expected[1] == str(exc)
        return
    assert expected[1] is None
    sentences = list(corpus)
    words = [w for sentence in sentences for w in sentence]
    assert counted.words == list(dict.fromkeys(words))     # first seen first
    assert dict(zip(counted.words, counted.counts.tolist())) == Counter(words)
    assert (counted.tokens, counted.sentences) == (len(words), len(sentences))
    assert outcome(counted.ids.chunks(vocab.index, chunk_words)) == expected


def write(path: pathlib.Path, text: str | bytes) -> pathlib.Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@pytest.fixture
def block_size(request, monkeypatch):
    monkeypatch.setattr(corpus_module, "_BLOCK_SIZE", request.param)
    return request.param


# -- tokens, lines, blocks ----------------------------------------------------------------

TRICKY = (
    "the quick  brown\tfox\r\n\n\njumps over\u3000the\u2028lazy dog\n"
    "naïve café €5 中文 𝄞clef 𝄞\xa0no\x85break\u202fnarrow\u205fmath\u1680ogham\n"
    "sep\x1carated\x1dby\x1einfo\x1fseparators\x0bvt\x0cff\r\r\n"
    "©lookalike ‐dash 、comma \u200bzero\u200bwidth \u2060joiner\n"
    "bs\x08in esc\x1bin so\x0ein del\x7fin bang!in ctl\x01in\n"
    "\x08 \x0e \x1b ! \x7f \x01\n"
    + " ".join(f"w{i % 13}" for i in range(40)) + "\n"
    + "oov1 oov2 oov3 oov4 oov5 oov6 oov7 oov8 the\n"
    "\n   \n\t\n" + "x" * 30 + " end without newline"
)
TRICKY_VOCAB = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "naïve",
                "café", "€5", "中文", "𝄞clef", "𝄞", "no", "break", "narrow", "math",
                "ogham", "sep", "arated", "by", "info", "separators", "vt", "ff",
                "©lookalike", "‐dash", "、comma", "\u200bzero\u200bwidth", "\u2060joiner",
                "x" * 30, "end", "newline", "bs\x08in", "esc\x1bin", "so\x0ein", "del\x7fin",
                "bang!in", "ctl\x01in", "\x08", "\x1b", "!"] + [f"w{i}" for i in range(0, 13, 2)]


@pytest.mark.parametrize("block_size", BLOCK_SIZES, indirect=True)
@pytest.mark.parametrize("max_len", [1, 3, 8, 10000])
def test_tricky_text_gives_the_same_chunks(tmp_path, block_size, max_len):
    path = write(tmp_path / "c.txt", TRICKY)
    corpus = TextCorpus(path, max_sentence_length=max_len)
    chunks, error = assert_same(corpus, vocab_of(TRICKY_VOCAB))
    assert error is None and chunks


@pytest.mark.parametrize("block_size", [1, 3, 64 * 1024], indirect=True)
@pytest.mark.parametrize("space", list(WHITESPACE), ids=lambda c: f"U+{ord(c):04X}")
def test_every_kind_of_whitespace_separates_tokens(tmp_path, block_size, space):
    text = f"alpha{space}beta{space}{space}gamma é{space}€{space}\n{space}last"
    path = write(tmp_path / "c.txt", text)
    chunks, _ = assert_same(TextCorpus(path), vocab_of(["alpha", "beta", "gamma", "é", "€",
                                                         "last"]), chunk_words=100)
    assert sum(len(tokens) for tokens, _ in chunks) == 6


def test_every_code_point_splits_as_str_split(tmp_path):
    """All 1.1M code points: "a<c>b" is two tokens exactly when c is whitespace."""
    chars = [chr(c) for c in range(1, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    chars.append("\x00")  # not in the first block: a NUL there would mean binary
    path = write(tmp_path / "all.txt", "".join(f"a{c}b\n" for c in chars))
    (tokens, starts), = _encoder.encoded_chunks(TextCorpus(path), vocab_of("ab"), 10**9)
    expected_tokens, expected_starts = [], [0]
    for c in chars:
        if c == "\n":
            sentences = [[0], [1]]
        elif c.isspace():
            sentences = [[0, 1]]
        else:
            sentences = []  # one out-of-vocabulary token "a<c>b"
        for sentence in sentences:
            expected_tokens += sentence
            expected_starts.append(len(expected_tokens))
    assert tokens.tolist() == expected_tokens
    assert starts.tolist() == expected_starts


@pytest.mark.parametrize("block_size", [1, 2, 5, 64 * 1024], indirect=True)
def test_long_lines_are_cut_before_out_of_vocabulary_tokens_are_dropped(tmp_path,
                                                                        block_size):
    # pieces of 4 raw tokens: [a oov oov b] [oov oov oov oov] [c] -> [a b], [c]
    path = write(tmp_path / "c.txt", "a x y b x y z x c\n")
    chunks, _ = assert_same(TextCorpus(path, max_sentence_length=4), vocab_of("abc"),
                            chunk_words=100)
    assert chunks == [([0, 1, 2], [0, 2, 3])]


@pytest.mark.parametrize("chunk_words", [1, 2, 5, 64, 10**9])
@pytest.mark.parametrize("block_size", [3, 64 * 1024], indirect=True)
def test_chunks_cut_after_the_sentence_that_reaches_chunk_words(tmp_path, block_size,
                                                               chunk_words):
    lines = [" ".join(f"w{(i * 7 + j) % 23}" for j in range(i % 9)) for i in range(60)]
    path = write(tmp_path / "c.txt", "\n".join(lines))
    assert_same(TextCorpus(path, max_sentence_length=5), vocab_of(f"w{i}" for i in range(17)),
                chunk_words=chunk_words)


@pytest.mark.parametrize("block_size", [4, 64 * 1024], indirect=True)
def test_gzip_and_a_directory_of_files(tmp_path, block_size):
    (tmp_path / "d").mkdir()
    write(tmp_path / "d" / "a.txt", "one two three\nfour")  # no final newline: the file ends it
    write(tmp_path / "d" / "b.gz", gzip.compress("five six\n\nseven one two\n".encode()))
    (tmp_path / "d" / "sub").mkdir()
    write(tmp_path / "d" / "sub" / "c.txt", "three four five six seven")
    vocab = vocab_of("one two three four five six seven".split())
    corpus = TextCorpus(tmp_path / "d")
    assert len(corpus.files) == 3
    chunks, _ = assert_same(corpus, vocab, chunk_words=4)
    assert [starts for _, starts in chunks] == [[0, 3, 4], [0, 2, 5], [0, 5]]
    assert_same(TextCorpus(write(tmp_path / "one.gz", gzip.compress(TRICKY.encode()))),
                vocab_of(TRICKY_VOCAB))


def test_empty_and_blank_files_give_no_chunks(tmp_path):
    for text in ("", "\n\n", " \t\u3000\n "):
        path = write(tmp_path / "c.txt", text)
        assert assert_same(TextCorpus(path), vocab_of("ab")) == ([], None)


# -- the hash table -----------------------------------------------------------------------

def colliding_words(table: _encoder.VocabTable, count: int, *, prefix: str = "k"):
    """``count`` words that start probing at the same slot of ``table``: ``prefix``
    and five digits, so all of the same length."""
    by_slot: dict[int, list[str]] = {}
    for i in range(100_000):
        word = f"{prefix}{i:05d}"
        group = by_slot.setdefault(table.slot_of(word), [])
        group.append(word)
        if len(group) == count:
            return group
    raise AssertionError("no collisions found")  # pragma: no cover


def test_words_whose_hashes_collide_are_told_apart(tmp_path):
    probe = _encoder.VocabTable([], slots=1024)  # same slots as the table below
    group = colliding_words(probe, 6)
    # Four of the six in the vocabulary, two left out (they probe past the others).
    words = group[:4] + [f"filler{i}" for i in range(100)]
    table = _encoder.VocabTable(words, slots=1024)
    assert len({table.slot_of(w) for w in group}) == 1
    for i, word in enumerate(words):
        assert table.lookup(word) == i
    assert table.lookup(group[4]) == table.lookup(group[5]) == -1
    text = " ".join(group * 3) + "\n" + " ".join(reversed(words)) + "\n"
    path = write(tmp_path / "c.txt", text)
    assert_same(TextCorpus(path), vocab_of(words), chunk_words=5, table=table)


def test_a_full_table_still_finds_every_word_and_misses_the_others(tmp_path):
    """Eight slots for seven words: every lookup probes far, misses end at the one
    empty slot. Words share their first eight bytes, or are prefixes of each other."""
    words = ["abcdefgh", "abcdefghi", "abcdefghj", "abcdefghij" * 3, "abcdefg", "a", "é€"]
    table = _encoder.VocabTable(words, slots=1)
    assert table.slots.size == 2 * 8
    for i, word in enumerate(words):
        assert table.lookup(word) == i
    for other in ["abcdefgi", "abcdefghk", "abcdefghij" * 3 + "x", "abcdefghij", "b", "é"]:
        assert table.lookup(other) == -1
    path = write(tmp_path / "c.txt", " ".join(words + ["abcdefghk", "abcdefghij"]) * 3)
    assert_same(TextCorpus(path), vocab_of(words), table=table)


def test_long_words_alike_in_their_first_eight_bytes_and_length_are_told_apart(tmp_path):
    """Same slot, same first eight bytes, same length: only the bytes after the eighth
    tell these words apart, so the lookup must compare them."""
    probe = _encoder.VocabTable([], slots=64)
    group = colliding_words(probe, 4, prefix="abcdefgh")
    words = group[:2] + [f"other{i}" for i in range(20)]
    table = _encoder.VocabTable(words, slots=64)
    assert [table.lookup(w) for w in group] == [0, 1, -1, -1]
    path = write(tmp_path / "c.txt", " ".join(group[::-1] * 2))
    assert_same(TextCorpus(path), vocab_of(words), table=table)


def test_words_that_no_token_can_match_keep_the_ids_aligned(tmp_path):
    """Words with whitespace or a lone surrogate (possible in a Vocabulary) match no
    token of a decoded file, in either path, and the ids after them stay right."""
    words = ["two words", "\ud800", "a\nb", "ok", "fine"]
    vocab = Vocabulary(words, [5, 4, 3, 2, 1])
    path = write(tmp_path / "c.txt", "two words ok a b fine\n")
    chunks, _ = assert_same(TextCorpus(path), vocab)
    assert chunks == [([3, 4], [0, 2])]


# -- random text --------------------------------------------------------------------------

ALPHABET = "ab" + LETTERS[3:] + WHITESPACE + LOOKALIKES[:6] + CONTROLS[:3]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=ALPHABET, max_size=120), block=st.integers(1, 16),
       max_len=st.integers(1, 6), chunk_words=st.integers(1, 12), data=st.data())
def test_random_text_gives_the_same_chunks(tmp_path, text, block, max_len, chunk_words,
                                           data):
    tokens = sorted(set(text.split()))
    kept = data.draw(st.lists(st.sampled_from(tokens), unique=True)) if tokens else []
    path = write(tmp_path / "h.txt", text)
    original = corpus_module._BLOCK_SIZE
    corpus_module._BLOCK_SIZE = block
    try:
        assert_same(TextCorpus(path, max_sentence_length=max_len), vocab_of(kept + ["zz"]),
                    chunk_words=chunk_words)
    finally:
        corpus_module._BLOCK_SIZE = original


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=60),
                      st.text(alphabet=ALPHABET, max_size=60).map(str.encode)
                      .flatmap(lambda b: st.integers(0, len(b)).map(
                          lambda i: b[:i] + b"\xff\xe2\x80\xc2\xed\xa0\x80"[i % 5:] + b[i:]))),
       block=st.integers(1, 16), limit=st.integers(1, 24))
def test_random_bytes_give_the_same_chunks_or_the_same_error(tmp_path, data, block, limit):
    """Invalid UTF-8, NUL bytes, cut characters and long tokens anywhere, with any
    block size and token-length limit (even one below the block size)."""
    path = write(tmp_path / "b.txt", data)
    saved = corpus_module._BLOCK_SIZE, corpus_module.MAX_TOKEN_LENGTH
    corpus_module._BLOCK_SIZE, corpus_module.MAX_TOKEN_LENGTH = block, limit
    try:
        assert_same(TextCorpus(path, max_sentence_length=4), vocab_of("ab"), chunk_words=2)
    finally:
        corpus_module._BLOCK_SIZE, corpus_module.MAX_TOKEN_LENGTH = saved


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("block_size", [1, 3, 4, 64 * 1024], indirect=True)
@pytest.mark.parametrize("data", [
    b"some header\x00 binary",                    # NUL: looks binary (in the first block)
    b"ok " * 40 + "héllo wörld\nab ".encode() + b"\xff cd\n",   # an invalid byte
    b"ok " * 40 + "abcdef ".encode() + "€".encode()[:2],  # a character cut by the end
    b"ok ok\n" + "\ud800".encode("utf-8", "surrogatepass") + b" x\n",  # a surrogate
], ids=["nul", "invalid", "truncated", "surrogate"])
def test_decoding_errors_are_the_same(tmp_path, block_size, data):
    path = write(tmp_path / "bad.txt", data)
    chunks, error = assert_same(TextCorpus(path), vocab_of(["ok", "ab", "cd"]), chunk_words=3)
    if b"\x00" in data[:block_size] or b"\x00" not in data:
        assert error is not None and error.startswith(f"{path}: ")
    else:  # a NUL after the first block is text
        assert error is None


def test_ascii_encoding_takes_the_fast_path_and_rejects_other_bytes(tmp_path):
    path = write(tmp_path / "a.txt", "plain ascii\x1ctext\n" * 3)
    assert_same(TextCorpus(path, encoding="ascii"), vocab_of(["plain", "text"]))
    path = write(tmp_path / "b.txt", "plain café\n")
    _, error = assert_same(TextCorpus(path, encoding="us-ascii"), vocab_of(["plain"]))
    assert "cannot decode as us-ascii" in error


SMALL_BLOCK, SMALL_LIMIT = 8, 24


@pytest.mark.parametrize("before", ["", "ab cd ", "héllo wörld\n", "x" * SMALL_LIMIT + " "])
@pytest.mark.parametrize("after", ["", " ef", "\ngh ij\n", "\u3000k"])
@pytest.mark.parametrize("extra", [0, 1])
def test_token_length_limit_is_the_same(tmp_path, monkeypatch, before, after, extra):
    monkeypatch.setattr(corpus_module, "_BLOCK_SIZE", SMALL_BLOCK)
    monkeypatch.setattr(corpus_module, "MAX_TOKEN_LENGTH", SMALL_LIMIT)
    token = "é" * (SMALL_LIMIT + extra)  # two bytes a character: characters count
    path = write(tmp_path / "c.txt", before + token + after)
    _, error = assert_same(TextCorpus(path), vocab_of(["ab", "cd", "ef", token]), chunk_words=1)
    if extra:
        assert error == (f"{path}: byte {len(before.encode())}: token longer than "
                         f"{SMALL_LIMIT:,} characters (expected words separated by "
                         "whitespace; is this a text corpus?)")
    else:
        assert error is None


@pytest.mark.parametrize("cut", range(1, 4))
@pytest.mark.parametrize("limit", [3, 6])
def test_token_length_with_a_character_cut_by_the_block(tmp_path, monkeypatch, cut, limit):
    """A block that ends inside a token's first character: TextCorpus holds back no
    token then (the character is in its decoder), so it does not measure it there --
    with a limit below the block size, a token that ends in the next block is never
    measured at all."""
    monkeypatch.setattr(corpus_module, "_BLOCK_SIZE", 8)
    monkeypatch.setattr(corpus_module, "MAX_TOKEN_LENGTH", limit)
    for token in ("中abcd", "中" * 6, "中" * 7, "𝄞" * 7, "a" + "中" * 6):
        text = "x" * (8 - cut) + " " + token + " y\n"
        assert_same(TextCorpus(write(tmp_path / "c.txt", text)), vocab_of(["x", "y"]))


def test_corrupt_gzip_and_a_bad_file_in_a_directory(tmp_path):
    data = gzip.compress(b"the cat sat on the mat\n" * 3000)
    (tmp_path / "d").mkdir()
    write(tmp_path / "d" / "a.txt", "the cat\n" * 50)
    write(tmp_path / "d" / "b.gz", data[: len(data) // 2])
    chunks, error = assert_same(TextCorpus(tmp_path / "d"), vocab_of(["the", "cat"]),
                                chunk_words=16)
    assert len(chunks) >= 6 and "b.gz" in error and "cannot decompress" in error


# -- which corpora, and training ----------------------------------------------------------

def test_only_strict_utf8_and_ascii_text_corpora_take_the_fast_path(tmp_path):
    path = write(tmp_path / "c.txt", "a b\n")

    class Subclass(TextCorpus):
        pass

    for encoding in ("utf-8", "UTF8", "u8", "ascii", "us-ascii"):
        assert _encoder.fast_path_applies(TextCorpus(path, encoding=encoding))
    for corpus in (TextCorpus(path, encoding="latin-1"), TextCorpus(path, encoding="utf-16"),
                   TextCorpus(path, encoding="utf-8-sig"), TextCorpus(path, errors="replace"),
                   TextCorpus(path, errors="ignore"), Subclass(path),
                   IterableCorpus([["a", "b"]]), [["a", "b"]]):
        assert not _encoder.fast_path_applies(corpus)
        with pytest.raises(ValueError, match="cannot read"):
            next(_encoder.encoded_chunks(corpus, vocab_of("ab"), 10))
    # corpus_chunks falls back to the Python path for them
    latin = TextCorpus(write(tmp_path / "l.txt", "caf\xe9 a\n".encode("latin-1")),
                       encoding="latin-1")
    assert outcome(_encoder.corpus_chunks(latin, vocab_of(["café", "a"]), 5)) == \
        ([([0, 1], [0, 2])], None)


def test_training_reads_through_the_fast_path_and_learns_the_same(tmp_path, monkeypatch):
    """Seeded, one thread: the same vectors however the epochs get their token ids:
    kept by build_vocab's counting pass (a short corpus: the text is read once in all),
    kept in memory from epoch 1, the text read again by the fast path every epoch, or
    (the Python path, a long corpus) a cache file of ids written in epoch 1."""
    from w2v import model as model_module

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    text = "\n".join(" ".join(rng.choice(words, size=rng.integers(1, 20)))
                     for _ in range(300))
    path = write(tmp_path / "c.txt", text)
    calls = []
    original = _encoder.encoded_chunks

    def spy(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(_encoder, "encoded_chunks", spy)
    params = dict(dim=8, epochs=3, threads=1, seed=3, min_count=1, chunk_words=50)
    counted_once = Word2Vec(**params).fit(path)
    assert calls == []       # every epoch from the ids build_vocab kept
    in_memory = Word2Vec(**params).set_vocabulary(Vocabulary.build(path, min_count=1))
    in_memory.train(path)
    assert len(calls) == 1   # epoch 1 reads the text, epochs 2 and 3 from memory
    monkeypatch.setattr(model_module, "MEMORY_CACHE_MAX_TOKENS", 100)  # the corpus is longer
    fast = Word2Vec(**params).fit(path)
    assert len(calls) == 1 + 3   # the text read every epoch
    monkeypatch.setattr(_encoder, "fast_path_applies", lambda corpus: False)
    slow = Word2Vec(**params).fit(path)
    assert len(calls) == 4
    for other in (counted_once, fast, slow):
        np.testing.assert_array_equal(in_memory.word_vectors_, other.word_vectors_)
        assert in_memory.loss_history_ == other.loss_history_


def test_memory_cache_lets_go_of_a_corpus_longer_than_counted(tmp_path, monkeypatch):
    """train() on a longer corpus than build_vocab counted: the ids stop fitting the
    memory cache in epoch 1, so later epochs read the text again, and training ends
    as with no cache at all."""
    from w2v import model as model_module

    short = write(tmp_path / "short.txt", "a b c d\n" * 20)
    long = write(tmp_path / "long.txt", "a b c d\n" * 400)
    params = dict(dim=8, epochs=2, threads=1, seed=3, min_count=1, chunk_words=50)
    cached = Word2Vec(**params).build_vocab(short)        # counts 80 words
    monkeypatch.setattr(model_module, "MEMORY_CACHE_MAX_TOKENS", 100)
    cached.train(long)
    monkeypatch.setattr(model_module, "MEMORY_CACHE_MAX_TOKENS", 0)
    plain = Word2Vec(**params).build_vocab(short)
    plain.train(long)
    np.testing.assert_array_equal(cached.word_vectors_, plain.word_vectors_)
    assert cached.loss_history_ == plain.loss_history_
    assert cached.epochs_trained_ == 2


# -- counting -----------------------------------------------------------------------------

def test_counting_grows_its_table_past_many_distinct_words(tmp_path):
    """More distinct words than the first table holds (and long ones, past the eight
    bytes a slot keeps): the table is rebuilt larger, and nothing is lost."""
    rng = np.random.default_rng(1)
    n = 3 * _encoder._MIN_CAPACITY
    words = [f"w{i}" if i % 3 else f"a-rather-long-word-{i}" for i in range(n)]
    text = "\n".join(" ".join(words[j] for j in rng.integers(0, n, size=50))
                     for _ in range(4000)) + "\n" + " ".join(words)
    corpus = TextCorpus(write(tmp_path / "c.txt", text))
    counted = _encoder.count_corpus(corpus)
    expected = Counter(w for sentence in corpus for w in sentence)
    assert len(counted.words) == n
    assert dict(zip(counted.words, counted.counts.tolist())) == expected
    assert counted.ids is None      # keep_ids=0 keeps none


def test_counting_lets_the_ids_go_when_the_corpus_is_too_long(tmp_path):
    """The ids are kept up to keep_ids tokens; a plain file's size projects the count
    early, so a long corpus lets them go before it holds many."""
    path = write(tmp_path / "c.txt", "a b c d\n" * 25)          # 100 tokens, 200 bytes
    corpus = TextCorpus(path)
    assert _encoder.count_corpus(corpus, keep_ids=100).ids is not None
    assert _encoder.count_corpus(corpus, keep_ids=99).ids is None
    held = []
    original = _encoder._Packer.chunks

    def spy(self, flush):
        out = original(self, flush)
        held.extend(out)
        return out

    monkey = pytest.MonkeyPatch()
    monkey.setattr(_encoder._Packer, "chunks", spy)
    monkey.setattr(_encoder, "_PROVISIONAL_CHUNK_IDS", 1)
    monkey.setattr(corpus_module, "_BLOCK_SIZE", 16)
    try:
        assert _encoder.count_corpus(corpus, keep_ids=99).ids is None
    finally:
        monkey.undo()
    assert held == []               # projected from the first block: none kept at all
    # a gzip file's text size is not known: its compressed size (28 bytes here) only
    # bounds it from below, so the ids go once there are more than keep_ids ...
    gz = tmp_path / "c.txt.gz"
    gz.write_bytes(gzip.compress(b"a b c d\n" * 25))
    assert _encoder.count_corpus(TextCorpus(gz), keep_ids=100).ids is not None
    assert _encoder.count_corpus(TextCorpus(gz), keep_ids=99).ids is None
    # ... unless the compressed size alone, read as text, projects too many tokens
    noisy = tmp_path / "n.txt.gz"
    rng = np.random.default_rng(0)
    noisy.write_bytes(gzip.compress(b"a b c d\n" * 25 + rng.bytes(4000).hex().encode()))
    monkey = pytest.MonkeyPatch()
    monkey.setattr(corpus_module, "_BLOCK_SIZE", 200)
    try:
        assert _encoder.count_corpus(TextCorpus(noisy), keep_ids=1000).ids is None
    finally:
        monkey.undo()


def test_kept_ids_map_through_a_vocabulary_once(tmp_path):
    path = write(tmp_path / "c.txt", "a b rare c\nrare\nb a\n")
    counted = _encoder.count_corpus(TextCorpus(path), keep_ids=100)
    assert counted.words == ["a", "b", "rare", "c"]
    vocab = vocab_of(["b", "a", "c"])
    # "rare" is dropped, and with it the sentence it made alone
    assert outcome(counted.ids.chunks(vocab.index, 100)) == \
        ([([1, 0, 2, 0, 1], [0, 3, 5])], None)
    assert outcome(counted.ids.chunks(vocab.index, 100)) == ([], None)   # used up


def test_corpus_key_follows_the_files(tmp_path):
    path = write(tmp_path / "c.txt", "a b\n")
    key = _encoder.corpus_key(TextCorpus(path))
    assert key == _encoder.corpus_key(TextCorpus(str(path)))
    assert key != _encoder.corpus_key(TextCorpus(path, max_sentence_length=5))
    write(path, "a b c\n")
    assert key != _encoder.corpus_key(TextCorpus(path))
    assert _encoder.corpus_key(IterableCorpus([["a"]])) is None


def test_training_reads_the_text_again_when_it_changed_after_build_vocab(tmp_path,
                                                                            monkeypatch):
    path = write(tmp_path / "c.txt", "a b c d\n" * 20)
    model = Word2Vec(dim=8, epochs=1, threads=1, seed=3, min_count=1,
                     sample=0).build_vocab(path)
    write(path, "d c b a e\n" * 20)
    calls = []
    original = _encoder.encoded_chunks
    monkeypatch.setattr(_encoder, "encoded_chunks",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    model.train(path)
    assert calls == [1]
    model.train(path)          # the ids were let go: read again
    assert calls == [1, 1]
