"""Tests of w2v.corpus: streamed sentences from files, directories and iterables."""

from __future__ import annotations

import bz2
import gzip
import lzma
import pathlib
import time
import tracemalloc
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v import corpus as corpus_module
from w2v.corpus import IterableCorpus, TextCorpus, as_corpus
from w2v.errors import CorpusError, ParameterError

TEXT8_STYLE = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data" / \
    "corpora" / "enwiki-text8style-17m.zip"


def reference_sentences(text: str, max_len: int) -> list[list[str]]:
    """What TextCorpus must yield for ``text``, computed the obvious way (all in memory)."""
    out = []
    for line in text.split("\n"):
        tokens = line.split()
        out.extend(tokens[i:i + max_len] for i in range(0, len(tokens), max_len))
    return out


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.write_bytes(text.encode("utf-8"))
    return path


SAMPLE = "the quick brown fox\n\njumps over\tthe lazy dog  \r\nnaïve café €5\n"
SAMPLE_SENTENCES = [["the", "quick", "brown", "fox"],
                    ["jumps", "over", "the", "lazy", "dog"],
                    ["naïve", "café", "€5"]]


# -- formats --------------------------------------------------------------------------

def _zip(path: pathlib.Path, data: bytes) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("member.txt", data)


@pytest.mark.parametrize("compress", [
    lambda p, d: p.write_bytes(d),
    lambda p, d: p.write_bytes(gzip.compress(d)),
    lambda p, d: p.write_bytes(bz2.compress(d)),
    lambda p, d: p.write_bytes(lzma.compress(d)),
    _zip,
], ids=["plain", "gzip", "bz2", "xz", "zip"])
def test_every_compression_format_yields_the_same_sentences(tmp_path, compress):
    path = tmp_path / "corpus.dat"  # the name says nothing: content decides
    compress(path, SAMPLE.encode("utf-8"))
    assert list(TextCorpus(path)) == SAMPLE_SENTENCES


def test_iteration_restarts_from_the_beginning(tmp_path):
    corpus = TextCorpus(write(tmp_path / "c.txt", SAMPLE))
    assert list(corpus) == list(corpus) == SAMPLE_SENTENCES
    first = iter(corpus)
    assert next(first) == SAMPLE_SENTENCES[0]
    assert next(iter(corpus)) == SAMPLE_SENTENCES[0]  # a new pass, not the old one's second


def test_empty_file_yields_nothing(tmp_path):
    assert list(TextCorpus(write(tmp_path / "empty.txt", ""))) == []
    assert list(TextCorpus(write(tmp_path / "blank.txt", "\n \n\t\n"))) == []


def test_utf16_file_is_not_taken_for_binary(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(SAMPLE.encode("utf-16"))
    assert list(TextCorpus(path, encoding="utf-16")) == SAMPLE_SENTENCES


# -- long lines and block boundaries -------------------------------------------------

@pytest.mark.parametrize("extra", [0, 1, 9])
def test_long_line_is_cut_at_exactly_max_sentence_length(tmp_path, extra):
    max_len = 10
    words = [f"w{i}" for i in range(3 * max_len + extra)]
    path = write(tmp_path / "line.txt", " ".join(words))  # one line, no newline at all
    sentences = list(TextCorpus(path, max_sentence_length=max_len))
    assert [len(s) for s in sentences] == [max_len] * 3 + ([extra] if extra else [])
    assert sum(sentences, []) == words


@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 64])
def test_tokens_are_never_split_across_blocks(tmp_path, monkeypatch, block_size):
    monkeypatch.setattr(corpus_module, "_BLOCK_SIZE", block_size)
    text = ("alpha beta gamma\n" + "x" * 50 + " délta\u3000épsilon €€€ zeta\r\n" +
            " ".join(f"tok{i}" for i in range(40)) + "\n\nlast")
    path = write(tmp_path / "c.txt", text)
    assert list(TextCorpus(path, max_sentence_length=7)) == reference_sentences(text, 7)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet="ab é€\n\t\r\u3000\u2028x", max_size=80),
       block_size=st.integers(1, 12), max_len=st.integers(1, 6))
def test_any_text_any_block_size_matches_the_in_memory_split(tmp_path_factory, text,
                                                              block_size, max_len):
    path = write(tmp_path_factory.mktemp("h") / "c.txt", text)
    original = corpus_module._BLOCK_SIZE
    corpus_module._BLOCK_SIZE = block_size
    try:
        got = list(TextCorpus(path, max_sentence_length=max_len))
    finally:
        corpus_module._BLOCK_SIZE = original
    assert got == reference_sentences(text, max_len)
    assert all(1 <= len(s) <= max_len for s in got)


def test_peak_memory_does_not_grow_with_a_50mb_single_line(tmp_path):
    # ~50 MB on one line, in tokens of 40..120 letters: fewer, longer tokens keep the
    # test quick under tracemalloc (which slows every allocation); the blocks are the same.
    words = [("abcdefghijklmnopqrstuvwxyz" * 8)[i % 26:i % 26 + 40 + i % 81]
             for i in range(2000)]
    chunk = (" ".join(words) + " ").encode()
    path = tmp_path / "one_line.txt"
    repeats = 50_000_000 // len(chunk) + 1
    with open(path, "wb") as f:
        for _ in range(repeats):
            f.write(chunk)
    size = path.stat().st_size
    assert size >= 50_000_000
    tracemalloc.start()
    try:
        tokens = 0
        for sentence in TextCorpus(path):
            tokens += len(sentence)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tokens == repeats * len(words)
    assert peak < 20 * 2**20, f"peak traced memory {peak / 2**20:.1f} MiB for {size} bytes"


# -- directories ----------------------------------------------------------------------

def test_directory_reads_every_visible_file_sorted_by_path(tmp_path):
    write(tmp_path / "b.txt", "from b\n")
    (tmp_path / "a").mkdir()
    write(tmp_path / "a" / "z.txt", "from a z\n")
    (tmp_path / "a" / "y.gz").write_bytes(gzip.compress(b"from a y\n"))
    write(tmp_path / ".hidden", "hidden file\n")
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".git" / "config", "hidden directory\n")
    corpus = TextCorpus(tmp_path)
    assert list(corpus) == [["from", "a", "y"], ["from", "a", "z"], ["from", "b"]]
    assert len(corpus.files) == 3
    assert "files=3" in repr(corpus)


def test_directory_without_files_is_an_error(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / ".hidden", "x\n")
    with pytest.raises(CorpusError, match="no .*file"):
        TextCorpus(tmp_path)


def test_missing_path_is_an_error(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(CorpusError, match=r"nope\.txt: no such file"):
        TextCorpus(missing)


# -- decoding and binary files --------------------------------------------------------

@pytest.mark.parametrize("block_size", [3, 64 * 1024])
def test_invalid_utf8_names_file_and_byte_offset(tmp_path, monkeypatch, block_size):
    monkeypatch.setattr(corpus_module, "_BLOCK_SIZE", block_size)
    good = "héllo wörld\n".encode()
    path = tmp_path / "bad.txt"
    path.write_bytes(good + b"ab \xff cd\n")
    bad_offset = len(good) + 3
    with pytest.raises(CorpusError) as info:
        list(TextCorpus(path))
    message = str(info.value)
    assert message.startswith(f"{path}: byte {bad_offset}:")
    assert "utf-8" in message


def test_truncated_multibyte_character_at_end_of_file_is_located(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "_BLOCK_SIZE", 4)
    path = tmp_path / "cut.txt"
    data = "abcdef ".encode() + "€".encode()[:2]  # the last character lost its last byte
    path.write_bytes(data)
    with pytest.raises(CorpusError, match=rf"byte {len(data) - 2}\b"):
        list(TextCorpus(path))


def test_replace_and_ignore_are_passed_to_the_decoder(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ab\xffcd ok\n")
    assert list(TextCorpus(path, errors="replace")) == [["ab\ufffdcd", "ok"]]
    assert list(TextCorpus(path, errors="ignore")) == [["abcd", "ok"]]


def test_binary_file_is_rejected(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"some header\x00\x01\x02\x03 binary")
    with pytest.raises(CorpusError, match=r"model\.bin.*binary.*expected a text file"):
        list(TextCorpus(path))


def test_corrupt_compressed_file_is_a_corpus_error(tmp_path):
    data = gzip.compress(b"hello world\n" * 1000)
    path = tmp_path / "broken.gz"
    path.write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(CorpusError, match=r"broken\.gz"):
        list(TextCorpus(path))


@pytest.mark.parametrize("kwargs", [{"max_sentence_length": 0},
                                    {"errors": "surprise"},
                                    {"encoding": "no-such-codec"}])
def test_bad_parameters_raise_parameter_error(tmp_path, kwargs):
    path = write(tmp_path / "c.txt", "a b\n")
    with pytest.raises(ParameterError, match=f"parameter {next(iter(kwargs))}="):
        TextCorpus(path, **kwargs)


def test_repr_names_the_source(tmp_path):
    path = write(tmp_path / "c.txt", "a\n")
    assert repr(TextCorpus(path)) == (f"TextCorpus({str(path)!r}, max_sentence_length=10000, "
                                      "encoding='utf-8', errors='strict')")


# -- as_corpus ------------------------------------------------------------------------

def test_as_corpus_turns_a_path_into_a_text_corpus(tmp_path):
    path = write(tmp_path / "c.txt", SAMPLE)
    for source in (path, str(path)):
        corpus = as_corpus(source, max_sentence_length=2)
        assert isinstance(corpus, TextCorpus)
        assert list(corpus) == reference_sentences(SAMPLE, 2)


def test_as_corpus_accepts_lists_and_tuples_and_cuts_long_sentences():
    sentences = [["a", "b", "c", "d", "e"], ("f", "g"), [], ["h"]]
    corpus = as_corpus(sentences, max_sentence_length=2)
    expected = [["a", "b"], ["c", "d"], ["e"], ["f", "g"], ["h"]]
    assert list(corpus) == expected
    assert list(corpus) == expected  # restartable
    assert list(as_corpus(tuple(sentences), max_sentence_length=2)) == expected


def test_as_corpus_accepts_a_restartable_iterable_class():
    class Sentences:
        def __iter__(self):
            yield ["one", "two"]
            yield ["three"]

    corpus = as_corpus(Sentences())
    assert list(corpus) == list(corpus) == [["one", "two"], ["three"]]


def test_as_corpus_returns_a_matching_corpus_unchanged(tmp_path):
    text = TextCorpus(write(tmp_path / "c.txt", "a\n"))
    assert as_corpus(text) is text
    wrapped = as_corpus([["a"]])
    assert as_corpus(wrapped) is wrapped


@pytest.mark.parametrize("one_shot", [
    lambda: (s for s in [["a"], ["b"]]),
    lambda: iter([["a"], ["b"]]),
    lambda: map(list, ["ab"]),
], ids=["generator", "list_iterator", "map"])
def test_one_shot_iterators_are_rejected(one_shot):
    with pytest.raises(CorpusError, match="one-shot.*several.*list.*path"):
        as_corpus(one_shot())


@pytest.mark.parametrize("value", [42, None, 3.5, b"corpus.txt"])
def test_non_corpus_objects_are_rejected(value):
    with pytest.raises(CorpusError, match="expected"):
        as_corpus(value)


def test_string_sentence_gets_a_hint():
    corpus = as_corpus([["fine"], "the cat sat"])
    with pytest.raises(CorpusError, match="sentence 1: got a str .*lists of tokens"):
        list(corpus)


def test_bad_token_names_sentence_and_position():
    corpus = as_corpus([["a"], ["b"], ["c", 7]])
    with pytest.raises(CorpusError, match="sentence 2: token 1 is a int 7"):
        list(corpus)


def test_bad_sentence_is_found_lazily():
    corpus = as_corpus([["a"], {"b"}])
    iterator = iter(corpus)
    assert next(iterator) == ["a"]
    with pytest.raises(CorpusError, match="sentence 1: got a set"):
        next(iterator)


def test_iterable_corpus_repr_and_description():
    corpus = IterableCorpus([["a"], ["b"]])
    assert corpus.description == "<2 list of sentences>"
    assert "max_sentence_length=10000" in repr(corpus)


# -- real data ------------------------------------------------------------------------

@pytest.mark.slow
def test_text8_style_corpus_word_count_and_speed():
    if not TEXT8_STYLE.exists():
        pytest.skip(f"{TEXT8_STYLE} not present")
    start = time.perf_counter()
    tokens = 0
    longest = 0
    for sentence in TextCorpus(TEXT8_STYLE):
        tokens += len(sentence)
        longest = max(longest, len(sentence))
    elapsed = time.perf_counter() - start
    assert tokens == 16_943_202  # the figure in shared/data/README.md
    assert longest == 10000
    print(f"\n{tokens / elapsed / 1e6:.1f}M tokens/s from the zip ({elapsed:.2f} s)")
