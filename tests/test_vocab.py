"""Tests of w2v.vocab (Vocabulary) and the ``w2v vocab`` command."""

from __future__ import annotations

import gzip
import pathlib
import random
from collections import Counter

import numpy as np
import pytest

from w2v.cli import main
from w2v.errors import CorpusError, ParameterError, VocabularyError
from w2v.vocab import Vocabulary

TEXT8_STYLE = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data" / \
    "corpora" / "enwiki-text8style-17m.zip"


def random_corpus(seed: int = 0, sentences: int = 200) -> list[list[str]]:
    """Sentences over a Zipf-ish vocabulary, so counts have ties and a long tail."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(len(words))]
    return [rng.choices(words, weights, k=rng.randint(1, 30)) for _ in range(sentences)]


def expected_order(counts: Counter, min_count: int) -> list[tuple[str, int]]:
    return sorted(((w, c) for w, c in counts.items() if c >= min_count),
                  key=lambda wc: (-wc[1], wc[0]))


# -- build ----------------------------------------------------------------------------

@pytest.mark.parametrize("min_count", [1, 3, 10])
def test_build_orders_by_count_then_word_and_applies_min_count(min_count):
    sentences = random_corpus()
    truth = Counter(w for s in sentences for w in s)
    vocab = Vocabulary.build(sentences, min_count=min_count)
    expected = expected_order(truth, min_count)
    assert vocab.words == [w for w, _ in expected]
    assert vocab.counts.dtype == np.int64
    assert vocab.counts.tolist() == [c for _, c in expected]
    assert vocab.index == {w: i for i, w in enumerate(vocab.words)}
    assert len(vocab) == len(expected)
    assert vocab.corpus_word_count == sum(truth.values())
    assert vocab.total_count == sum(c for _, c in expected)
    assert vocab.sentence_count == len(sentences)


def test_ties_are_broken_by_word_whatever_the_corpus_order():
    vocab = Vocabulary.build([["pear", "apple", "fig", "apple", "pear", "kiwi"]], min_count=1)
    assert vocab.words == ["apple", "pear", "fig", "kiwi"]
    assert "fig" in vocab and "banana" not in vocab


def test_build_from_a_file_counts_cut_sentences(tmp_path):
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(b"a b a c a\n\nb b\n"))
    vocab = Vocabulary.build(path, min_count=2, max_sentence_length=2)
    assert vocab.words == ["a", "b"]
    assert vocab.counts.tolist() == [3, 3]
    assert vocab.corpus_word_count == 7
    assert vocab.sentence_count == 4  # [a b] [a c] [a] [b b]


def test_max_final_vocab_keeps_the_most_frequent():
    sentences = random_corpus(seed=1)
    full = Vocabulary.build(sentences, min_count=2)
    cut = Vocabulary.build(sentences, min_count=2, max_final_vocab=7)
    assert cut.words == full.words[:7]
    assert cut.counts.tolist() == full.counts[:7].tolist()
    assert cut.corpus_word_count == full.corpus_word_count


def test_pruning_bounds_the_table_and_keeps_frequent_words():
    rng = random.Random(2)
    sentences = [["the", "of", "the", "of", "the", "of"] +
                 [f"rare{rng.randrange(10**6)}" for _ in range(5)] for _ in range(300)]
    vocab = Vocabulary.build(sentences, min_count=1, max_vocab_size=20)
    # After the last sentence the table is pruned back to the bound.
    assert len(vocab) <= 20
    assert vocab.words[:2] == ["of", "the"]
    assert vocab.counts[:2].tolist() == [900, 900]
    assert vocab.corpus_word_count == 300 * 11
    unpruned = Vocabulary.build(sentences, min_count=1)
    assert len(unpruned) > 1000


def test_no_surviving_word_is_a_corpus_error():
    with pytest.raises(CorpusError, match="no word occurs at least min_count=5 times.*lower "
                                          "min_count"):
        Vocabulary.build([["a", "b"], ["a"]])


def test_empty_file_cannot_make_a_vocabulary(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(CorpusError, match=r"empty\.txt: no word occurs"):
        Vocabulary.build(path, min_count=1)


def test_generator_corpus_is_rejected():
    with pytest.raises(CorpusError, match="one-shot"):
        Vocabulary.build(s for s in [["a"]])


@pytest.mark.parametrize("kwargs", [{"min_count": 0}, {"min_count": 1.5},
                                    {"max_vocab_size": 0}, {"max_final_vocab": 0},
                                    {"progress": "yes"}])
def test_bad_build_parameters(kwargs):
    with pytest.raises(ParameterError, match=f"parameter {next(iter(kwargs))}="):
        Vocabulary.build([["a"]], **kwargs)


def test_progress_bar_goes_to_stderr(capsys):
    Vocabulary.build(random_corpus(), min_count=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "words" in captured.err
    Vocabulary.build(random_corpus(), min_count=1)
    assert capsys.readouterr().err == ""


# -- from_counts, constructor, encode --------------------------------------------------

def test_from_counts_mapping_and_pairs_agree_and_ignore_insertion_order():
    pairs = [("b", 2), ("a", 2), ("c", 5), ("d", 1)]
    from_pairs = Vocabulary.from_counts(pairs, min_count=2)
    from_map = Vocabulary.from_counts(dict(reversed(pairs)), min_count=2)
    for vocab in (from_pairs, from_map):
        assert vocab.words == ["c", "a", "b"]
        assert vocab.counts.tolist() == [5, 2, 2]
        assert vocab.corpus_word_count == 10
    assert Vocabulary.from_counts(pairs, max_final_vocab=2).words == ["c", "a"]


@pytest.mark.parametrize("counts", [[("a", -1)], [("a", 1), ("a", 2)], [("", 3)],
                                    [("a", 1.5)], [("a",)]])
def test_from_counts_rejects_bad_input(counts):
    with pytest.raises(ParameterError):
        Vocabulary.from_counts(counts)


def test_from_counts_with_nothing_kept():
    with pytest.raises(VocabularyError, match="min_count=3"):
        Vocabulary.from_counts({"a": 1}, min_count=3)


def test_constructor_sorts_stably_by_count():
    vocab = Vocabulary(["x", "b", "a", "y"], [1, 3, 3, 7], sentence_count=2)
    assert vocab.words == ["y", "b", "a", "x"]
    assert vocab.counts.tolist() == [7, 3, 3, 1]
    assert vocab.corpus_word_count == 14
    with pytest.raises(ParameterError):
        Vocabulary(["a", "a"], [1, 1])
    with pytest.raises(ParameterError):
        Vocabulary(["a"], [1, 2])
    with pytest.raises(ParameterError, match="corpus_word_count"):
        Vocabulary(["a"], [5], corpus_word_count=4)


def test_encode_drops_unknown_words():
    vocab = Vocabulary.from_counts({"a": 3, "b": 2, "c": 1})
    ids = vocab.encode(["c", "zzz", "a", "a", "b", "?"])
    assert ids.dtype == np.int32
    assert ids.tolist() == [2, 0, 0, 1]
    assert vocab.encode([]).dtype == np.int32
    assert vocab.encode(["nope"]).size == 0


# -- save / load ----------------------------------------------------------------------

def test_save_load_round_trip_keeps_ids(tmp_path):
    vocab = Vocabulary.build(random_corpus(seed=3), min_count=1)
    path = tmp_path / "vocab.txt"
    vocab.save(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{vocab.words[0]} {vocab.counts[0]}"
    assert len(lines) == len(vocab)
    loaded = Vocabulary.load(path)
    assert loaded.words == vocab.words
    assert loaded.counts.tolist() == vocab.counts.tolist()
    assert loaded.corpus_word_count == vocab.total_count
    assert loaded.sentence_count == 0


def test_save_and_load_unicode_words(tmp_path):
    vocab = Vocabulary.from_counts({"café": 3, "東京": 3, "€": 1})
    vocab.save(tmp_path / "v.txt")
    assert Vocabulary.load(tmp_path / "v.txt").words == vocab.words


def test_load_keeps_file_order_for_ties_and_accepts_tabs_and_blank_lines(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("</s>\t9\nzebra 4\n\napple\t4\r\nmid 5\n", encoding="utf-8")
    vocab = Vocabulary.load(path)
    assert vocab.words == ["</s>", "mid", "zebra", "apple"]
    assert vocab.counts.tolist() == [9, 5, 4, 4]


def test_load_compressed_file(tmp_path):
    path = tmp_path / "v.txt.gz"
    path.write_bytes(gzip.compress(b"a 2\nb 1\n"))
    assert Vocabulary.load(path).words == ["a", "b"]


@pytest.mark.parametrize("content, line, pattern", [
    (b"a 1\nb\n", 2, "1 fields"),
    (b"a 1\nb 2 3\n", 2, "3 fields"),
    (b"a 1\n\nb two\n", 3, "count 'two'"),
    (b"a 1\nb 2.5\n", 2, "count '2.5'"),
    (b"a 1\nb -4\n", 2, "negative count -4"),
    (b"a 1\nb 2\na 3\n", 3, "repeats line 1"),
    (b"a 1\nb\xff 2\n", 2, "cannot decode"),
])
def test_load_errors_name_file_and_line(tmp_path, content, line, pattern):
    path = tmp_path / "bad.vocab"
    path.write_bytes(content)
    with pytest.raises(VocabularyError, match=pattern) as info:
        Vocabulary.load(path)
    assert str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("content", [b"", b"\n \n"])
def test_load_empty_file(tmp_path, content):
    path = tmp_path / "empty.vocab"
    path.write_bytes(content)
    with pytest.raises(VocabularyError, match=r"empty\.vocab: empty file"):
        Vocabulary.load(path)


def test_load_missing_file(tmp_path):
    with pytest.raises(VocabularyError, match="no such file"):
        Vocabulary.load(tmp_path / "missing.txt")


@pytest.mark.parametrize("word", ["new york", "tab\there", "nb\u00a0sp"])
def test_saving_a_word_with_whitespace_fails_and_writes_nothing(tmp_path, word):
    vocab = Vocabulary([word, "ok"], [2, 1])
    path = tmp_path / "v.txt"
    with pytest.raises(VocabularyError, match="whitespace"):
        vocab.save(path)
    assert list(tmp_path.iterdir()) == []


# -- CLI ------------------------------------------------------------------------------

def test_cli_writes_vocabulary_and_one_line_summary(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b a\nc a b\n", encoding="utf-8")
    out = tmp_path / "vocab.txt"
    status = main(["vocab", str(corpus), "-o", str(out), "--min-count", "2"])
    captured = capsys.readouterr()
    assert status == 0
    assert out.read_text(encoding="utf-8") == "a 3\nb 2\n"
    summary = captured.out.strip().splitlines()
    assert len(summary) == 1
    assert "2 distinct words" in summary[0] and "6 tokens" in summary[0]


def test_cli_missing_corpus_exits_2_with_one_line(tmp_path, capsys):
    out = tmp_path / "vocab.txt"
    status = main(["vocab", str(tmp_path / "missing.txt"), "-o", str(out)])
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("w2v: error: ") and "missing.txt" in lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists()


def test_cli_bad_min_count_exits_2(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a\n", encoding="utf-8")
    status = main(["vocab", str(corpus), "-o", str(tmp_path / "v.txt"), "--min-count", "0"])
    assert status == 2
    assert "min_count=0" in capsys.readouterr().err


# -- real data ------------------------------------------------------------------------

@pytest.mark.slow
def test_text8_style_vocabulary():
    if not TEXT8_STYLE.exists():
        pytest.skip(f"{TEXT8_STYLE} not present")
    vocab = Vocabulary.build(TEXT8_STYLE, min_count=1)
    assert len(vocab) == 219_525  # the figures in shared/data/README.md
    assert vocab.corpus_word_count == 16_943_202
    assert vocab.words[0] == "the"
    assert np.all(np.diff(vocab.counts) <= 0)


def test_compiled_counting_builds_the_vocabulary_the_python_path_builds(tmp_path):
    """A UTF-8 text file is counted by the compiled reader; the same sentences as a list
    go through Counter: the same vocabulary, counts and totals."""
    from w2v.corpus import TextCorpus

    rng = np.random.default_rng(5)
    words = ["é", "the", "a", "zebra", "x" * 20, "中文"] + [f"w{i}" for i in range(50)]
    lines = [" ".join(rng.choice(words, size=rng.integers(0, 30))) for _ in range(400)]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    compiled = Vocabulary.build(path, min_count=3, max_sentence_length=7)
    python = Vocabulary.build(list(TextCorpus(path, max_sentence_length=7)), min_count=3,
                              max_sentence_length=7)
    assert compiled.words == python.words
    assert compiled.counts.tolist() == python.counts.tolist()
    assert (compiled.corpus_word_count, compiled.sentence_count) == \
        (python.corpus_word_count, python.sentence_count)
