"""Tests of w2v.phrases (word2phrase) and the ``w2v phrases`` command."""

from __future__ import annotations

import math
import os
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v import phrases as P
from w2v.cli import main
from w2v.errors import CorpusError, FormatError, ParameterError
from w2v.phrases import (Phrases, PhraseModel, PhraseTable, learn_phrases, score_npmi,
                         score_word2vec)

TEXT8 = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared", "data",
                     "corpora", "enwiki-text8style-17m.zip")

# Four sentences. Within sentences: x y = 3, y z = 1, z w = 1, y w = 1. Across
# boundaries (which must NOT be counted): z x (s1|s2), y z (s2|s3), w x (s3|s4).
# Words: x 3, y 3, z 2, w 2; 10 tokens in all.
BOUNDARY_CORPUS = [["x", "y", "z"], ["x", "y"], ["z", "w"], ["x", "y", "w"]]

# Words: a 4, b 3, c 2, d 1 (10 tokens); pairs a b = 3, b c = 1, b d = 1, c a = 1.
SCORE_CORPUS = [["a", "b", "c"], ["a", "b", "d"], ["a", "b"], ["c", "a"]]


def all_pairs(corpus, **kw):
    """Fit with a threshold every score passes, so the table lists every counted pair."""
    kw.setdefault("min_count", 1)
    return Phrases(threshold=-1.0, **kw).fit(corpus).table_


# -- scores against hand computation ----------------------------------------------------

def test_word2vec_score_by_hand():
    # a b: (pab - min_count) / pa / pb * total = (3 - 2) / 4 / 3 * 10 = 10/12
    table = Phrases(min_count=2, threshold=0.0).fit(SCORE_CORPUS).table_
    assert set(table.phrases) == {("a", "b")}  # the other pairs are seen < 2 times
    score, count = table.phrases[("a", "b")]
    assert count == 3
    assert score == pytest.approx(10 / 12)
    assert table.total_words == 10


def test_npmi_score_by_hand():
    # P(ab) = 0.3, P(a) = 0.4, P(b) = 0.3: log(0.3 / 0.12) / -log(0.3)
    table = Phrases(min_count=2, scoring="npmi", threshold=-1.0).fit(SCORE_CORPUS).table_
    assert set(table.phrases) == {("a", "b")}  # b c, b d, c a: seen < min_count times
    score, _ = table.phrases[("a", "b")]
    assert score == pytest.approx(math.log(2.5) / math.log(1 / 0.3))
    assert 0.76 < score < 0.762


def test_npmi_is_one_for_pairs_always_together():
    # x and y occur only as "x y" (3 times each): the pair always occurs together.
    table = Phrases(min_count=2, scoring="npmi", threshold=-1.0).fit(BOUNDARY_CORPUS).table_
    assert table.phrases[("x", "y")][0] == pytest.approx(1.0)


def test_score_functions_on_arrays_match_scalars():
    scalar = score_word2vec(7, 10, 20, 1000, 5)
    assert scalar == pytest.approx((7 - 5) / 10 / 20 * 1000)
    many = score_word2vec([7, 9], [10, 10], [20, 30], 1000, 5)
    assert many[0] == pytest.approx(scalar)
    assert many[1] == pytest.approx((9 - 5) / 10 / 30 * 1000)
    assert score_npmi(10, 10, 10, 100) == pytest.approx(1.0)
    # Independent words: P(ab) = P(a) P(b) gives 0.
    assert score_npmi(1, 10, 10, 100) == pytest.approx(0.0, abs=1e-12)


def test_threshold_is_strict():
    exact = score_word2vec(3, 4, 3, 10, 2)
    assert ("a", "b") not in Phrases(min_count=2, threshold=exact).fit(SCORE_CORPUS).table_
    assert ("a", "b") in Phrases(min_count=2, threshold=exact * 0.999).fit(SCORE_CORPUS).table_


def test_pairs_below_min_count_are_never_joined():
    # min_count=1: b c, b d, c a are seen once, so (1 - 1) / ... = 0 is not > 0.
    table = Phrases(min_count=1, threshold=0.0).fit(SCORE_CORPUS).table_
    assert set(table.phrases) == {("a", "b")}
    assert table.phrases[("a", "b")][0] == pytest.approx((3 - 1) / 4 / 3 * 10)


# -- sentence boundaries ----------------------------------------------------------------

def test_no_pair_is_counted_across_sentences():
    table = all_pairs(BOUNDARY_CORPUS)
    counts = {pair: count for pair, (_, count) in table.phrases.items()}
    assert counts == {("x", "y"): 3, ("y", "z"): 1, ("z", "w"): 1, ("y", "w"): 1}


def test_no_phrase_crosses_a_sentence_boundary():
    # "b c" is a strong phrase inside sentences; here b ends a sentence and c starts the
    # next one, so they must stay apart.
    corpus = [["b", "c"]] * 5 + [["q", "b"], ["c", "q"]]
    model = learn_phrases(corpus, passes=1, min_count=1, threshold=0.0)
    assert ("b", "c") in model.tables[0]
    out = list(model.transform_corpus(corpus))
    assert out[:5] == [["b_c"]] * 5
    assert out[5:] == [["q", "b"], ["c", "q"]]


words = st.sampled_from(["a", "b", "c", "d", "e"])
corpora = st.lists(st.lists(words, min_size=1, max_size=12), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(corpus=corpora)
def test_counts_equal_brute_force_within_sentences(corpus):
    expected = Counter(pair for s in corpus for pair in zip(s, s[1:]))
    table = all_pairs(corpus)
    assert {pair: count for pair, (_, count) in table.phrases.items()} == dict(expected)
    assert table.total_words == sum(map(len, corpus))


@settings(max_examples=60, deadline=None)
@given(corpus=corpora, passes=st.integers(1, 3))
def test_transform_keeps_sentences_and_tokens(corpus, passes):
    # Everything joins (threshold below every score): each output sentence spells out
    # exactly its input sentence, so no phrase took a word from a neighbour.
    model = learn_phrases(corpus, passes=passes, min_count=1, threshold=-1.0)
    out = list(model.transform_corpus(corpus))
    assert len(out) == len(corpus)
    for original, phrased in zip(corpus, out):
        assert [w for token in phrased for w in token.split("_")] == original


# -- the C tool's rule ------------------------------------------------------------------

def c_tool_rewrite(corpus, min_count, threshold):
    """word2phrase's TrainModel loop, written out from its description: counts from the
    whole corpus; for each word, score it with the previous one unless either is rarer
    than min_count, the pair is rarer than min_count, or the previous word was just
    joined (its count then reads 0); join when the score is above threshold."""
    unigram = Counter(w for s in corpus for w in s)
    bigram = Counter(pair for s in corpus for pair in zip(s, s[1:]))
    total = sum(unigram.values())
    out = []
    for sentence in corpus:
        tokens = []
        pa = 0
        previous = None
        for word in sentence:
            pb = unigram[word]
            pab = bigram.get((previous, word), 0)
            oov = previous is None or pab < min_count or pa < min_count or pb < min_count
            score = 0.0 if oov else (pab - min_count) / pa / pb * total
            if score > threshold:
                tokens[-1] = tokens[-1] + "_" + word
                pb = 0
            else:
                tokens.append(word)
            pa = pb
            previous = word
        out.append(tokens)
    return out


@settings(max_examples=80, deadline=None)
@given(corpus=corpora, min_count=st.integers(1, 3),
       threshold=st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]))
def test_transform_equals_the_c_tool_rule(corpus, min_count, threshold):
    learner = Phrases(min_count=min_count, threshold=threshold).fit(corpus)
    got = [learner.transform(s) for s in corpus]
    assert got == c_tool_rewrite(corpus, min_count, threshold)


def test_greedy_left_to_right():
    table = PhraseTable({("a", "b"): (10.0, 5), ("b", "c"): (20.0, 5)})
    assert table.apply(["a", "b", "c"]) == ["a_b", "c"]
    assert table.apply(["b", "c", "a", "b"]) == ["b_c", "a_b"]
    assert table.apply(["a", "a", "b", "b"]) == ["a", "a_b", "b"]
    sentence = ["a", "b"]
    table.apply(sentence)
    assert sentence == ["a", "b"]  # not modified in place


def test_fit_is_deterministic():
    corpus = [["p", "q", "r", "p", "q"], ["r", "p", "q"], ["q", "r"]] * 3
    first = Phrases(min_count=1, threshold=0.5).fit(corpus).table_
    second = Phrases(min_count=1, threshold=0.5).fit(corpus).table_
    assert first.phrases == second.phrases and len(first) > 0


# -- passes -----------------------------------------------------------------------------

def three_word_corpus():
    filler = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "far"]]
    return [["she", "read", "new", "york", "times", "today"]] * 10 + filler * 10


def test_two_passes_build_three_word_phrases():
    corpus = three_word_corpus()
    one = learn_phrases(corpus, passes=1, min_count=2, threshold=1.0)
    two = learn_phrases(corpus, passes=2, min_count=2, threshold=1.0)
    assert "new_york" in one.transform(["new", "york", "times"])
    assert not any(p.phrase.count("_") >= 2 for p in one.phrases())
    joined = two.transform(["she", "read", "new", "york", "times"])
    assert any(token.count("_") >= 2 and "york" in token for token in joined)
    assert any(p.pass_number == 2 and p.left.count("_") + p.right.count("_") >= 1
               for p in two.phrases())


def test_learning_stops_when_a_pass_finds_nothing():
    model = learn_phrases(BOUNDARY_CORPUS, passes=3, min_count=5)
    assert model.tables == [] and model.transform(["x", "y"]) == ["x", "y"]


def test_report_sees_every_pass():
    seen = []
    learn_phrases(three_word_corpus(), passes=2, min_count=2, threshold=1.0,
                  report=seen.append)
    assert len(seen) == 2
    assert seen[0].total_words_ > seen[1].total_words_  # pass 2 reads joined tokens


def test_top_orders_by_score_or_count():
    table = PhraseTable({("a", "b"): (5.0, 100), ("c", "d"): (50.0, 7),
                         ("e", "f"): (50.0, 9)})
    model = PhraseModel([table])
    assert [p.phrase for p in model.top(2)] == ["e_f", "c_d"]
    assert [p.phrase for p in model.top(3, by="count")] == ["a_b", "e_f", "c_d"]
    assert model.top(0) == []


# -- bounded memory ---------------------------------------------------------------------

def test_pair_table_grows_and_counts_stay_exact(monkeypatch):
    monkeypatch.setattr(P, "_INITIAL_SLOTS", 4)
    monkeypatch.setattr(P, "_CHUNK_TOKENS", 7)
    corpus = [[f"w{(i * 7 + j * 3) % 41}" for j in range(9)] for i in range(60)]
    learner = Phrases(min_count=1, threshold=-1.0).fit(corpus)
    expected = Counter(pair for s in corpus for pair in zip(s, s[1:]))
    got = {pair: count for pair, (_, count) in learner.table_.phrases.items()}
    assert got == dict(expected)
    assert learner.pruned_below_ == 0
    assert learner.distinct_pairs_ == len(expected)


def c_tool_pruned_counts(corpus, bound):
    """Pair counts as the C tool keeps them: whenever the table holds more than
    ``bound`` entries, drop those counted at most ``min_reduce`` times, then raise
    ``min_reduce`` by one (it starts at 1)."""
    counts: dict = {}
    min_reduce = 1
    for sentence in corpus:
        for pair in zip(sentence, sentence[1:]):
            counts[pair] = counts.get(pair, 0) + 1
            while len(counts) > bound:
                counts = {p: c for p, c in counts.items() if c > min_reduce}
                min_reduce += 1
    return counts, min_reduce - 1


@settings(max_examples=40, deadline=None)
@given(corpus=st.lists(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=15),
                       min_size=1, max_size=30),
       bound=st.integers(1, 12))
def test_pruned_counts_equal_the_c_tool_rule(corpus, bound):
    expected, pruned_below = c_tool_pruned_counts(corpus, bound)
    learner = Phrases(min_count=1, threshold=-1.0, max_pair_table=bound).fit(corpus)
    assert {p: c for p, (_, c) in learner.table_.phrases.items()} == expected
    assert learner.pruned_below_ == pruned_below
    assert learner.distinct_pairs_ == len(expected) <= bound


def test_pair_table_is_pruned_as_the_c_tool(monkeypatch):
    monkeypatch.setattr(P, "_CHUNK_TOKENS", 5)
    # "x y" opens every sentence; every other pair is unique.
    corpus = [["x", "y", f"u{i}", f"v{i}", f"t{i}"] for i in range(200)]
    bound = 50
    learner = Phrases(min_count=1, threshold=-1.0, max_pair_table=bound).fit(corpus)
    assert learner.pruned_below_ >= 1
    assert learner.distinct_pairs_ <= bound
    count = learner.table_.phrases[("x", "y")][1]
    assert 100 < count <= 200  # survives every prune; may have lost its early counts


# -- save / load ------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path):
    model = learn_phrases(three_word_corpus(), passes=2, min_count=2, threshold=1.0)
    path = tmp_path / "phrases.tsv"
    model.save(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"{P.FILE_MAGIC}\t{P.FILE_VERSION}\tdelimiter=_\n")
    loaded = PhraseModel.load(path)
    assert len(loaded.tables) == len(model.tables) == 2
    for a, b in zip(model.tables, loaded.tables):
        assert a.phrases == b.phrases  # scores round-trip exactly (repr)
        assert (a.scoring, a.threshold, a.min_count, a.total_words) == \
            (b.scoring, b.threshold, b.min_count, b.total_words)
    for sentence in three_word_corpus():
        assert loaded.transform(sentence) == model.transform(sentence)
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write left no temporary file


def test_round_trip_keeps_the_delimiter(tmp_path):
    model = learn_phrases(SCORE_CORPUS, passes=1, min_count=2, threshold=0.0,
                          delimiter="+")
    model.save(tmp_path / "t.tsv")
    loaded = P.load_phrases(tmp_path / "t.tsv")
    assert loaded.delimiter == "+" and loaded.transform(["a", "b"]) == ["a+b"]


HEADER = f"{P.FILE_MAGIC}\t{P.FILE_VERSION}\tdelimiter=_\n"
PASS1 = "pass\t1\tscoring=word2vec\tthreshold=100.0\tmin_count=5\ttotal_words=99\tphrases=1\n"


@pytest.mark.parametrize("content, line", [
    ("", 1),
    ("hello\n", 1),
    (f"{P.FILE_MAGIC}\t99\tdelimiter=_\n", 1),
    (HEADER + "1\ta\tb\t200.0\t7\n", 2),                                   # no pass line
    (HEADER + PASS1 + "1\ta\tb\t200.0\n", 3),                             # 4 fields
    (HEADER + PASS1 + "1\ta\tb\tmany\t7\n", 3),                           # bad score
    (HEADER + PASS1 + "1\ta\tb\t200.0\t0\n", 3),                          # count 0
    (HEADER + PASS1 + "2\ta\tb\t200.0\t7\n", 3),                          # wrong pass
    (HEADER + "# comment\n" + PASS1.replace("phrases=1", "phrases=2")
     + "1\ta\tb\t200.0\t7\n1\ta\tb\t300.0\t7\n", 5),                      # duplicate
    (HEADER + PASS1.replace("phrases=1", "phrases=2") + "1\ta\tb\t200.0\t7\n", 4),
    (HEADER + PASS1.replace("scoring=word2vec", "scoring=magic"), 2),
    (HEADER + PASS1.replace("pass\t1", "pass\t2"), 2),
])
def test_load_errors_name_file_and_line(tmp_path, content, line):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        PhraseModel.load(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert "(expected" in str(info.value)


def test_load_missing_file(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        PhraseModel.load(tmp_path / "absent.tsv")


def test_save_refuses_tokens_with_tabs(tmp_path):
    model = PhraseModel([PhraseTable({("a\tb", "c"): (5.0, 9)})])
    with pytest.raises(FormatError, match="tabs"):
        model.save(tmp_path / "t.tsv")
    assert not (tmp_path / "t.tsv").exists()


# -- corpora and parameters -------------------------------------------------------------

def test_transform_corpus_is_restartable_and_reads_files(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in three_word_corpus()) + "\n")
    model = learn_phrases(str(path), passes=1, min_count=2, threshold=1.0)
    phrased = model.transform_corpus(str(path))
    first, second = list(phrased), list(phrased)
    assert first == second == [model.transform(s) for s in three_word_corpus()]


def test_one_shot_iterators_are_refused():
    with pytest.raises(CorpusError):
        Phrases().fit(iter(BOUNDARY_CORPUS))


@pytest.mark.parametrize("kwargs", [
    dict(min_count=0), dict(delimiter=""), dict(delimiter="a b"), dict(scoring="pmi"),
    dict(scoring="npmi", threshold=2.0), dict(threshold=math.nan), dict(max_pair_table=0),
])
def test_bad_parameters(kwargs):
    with pytest.raises(ParameterError, match=r"^parameter \w+="):
        Phrases(**kwargs).fit(BOUNDARY_CORPUS)


def test_unfitted_transform_says_so():
    with pytest.raises(AttributeError, match="fit"):
        Phrases().transform(["a"])


# -- command line -----------------------------------------------------------------------

def write_corpus(path, corpus):
    path.write_text("".join(" ".join(s) + "\n" for s in corpus), encoding="utf-8")


def test_cli_missing_corpus_exits_2(tmp_path, capsys):
    status = main(["phrases", str(tmp_path / "absent.txt"), "-o", str(tmp_path / "o.txt")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("w2v: error: ") and "Traceback" not in err
    assert not (tmp_path / "o.txt").exists()


def test_cli_unwritable_output_fails_before_counting(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    write_corpus(corpus, three_word_corpus())
    status = main(["phrases", str(corpus), "-o", str(tmp_path / "no" / "o.txt"), "--quiet"])
    assert status == 2 and "does not exist" in capsys.readouterr().err


def test_cli_writes_phrased_corpus_and_table(tmp_path, capsys):
    corpus_path, out, table = tmp_path / "c.txt", tmp_path / "o.txt", tmp_path / "t.tsv"
    corpus = three_word_corpus()
    write_corpus(corpus_path, corpus)
    status = main(["phrases", str(corpus_path), "-o", str(out), "--min-count", "2",
                   "--threshold", "1", "--save-table", str(table), "--show", "3",
                   "--quiet"])
    assert status == 0
    model = PhraseModel.load(table)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.split() for line in lines] == [model.transform(s) for s in corpus]
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == 4 and shown[0].split()[-1] == "phrase"
    assert shown[1].split()[-1] == model.top(1)[0].phrase

    # Applying the saved table to the same text gives the same output, without counting.
    again = tmp_path / "again.txt"
    assert main(["phrases", str(corpus_path), "-o", str(again), "--apply-table", str(table),
                 "--quiet"]) == 0
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_cli_bad_threshold_for_npmi(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    write_corpus(corpus, BOUNDARY_CORPUS)
    status = main(["phrases", str(corpus), "-o", str(tmp_path / "o.txt"), "--scoring",
                   "npmi", "--threshold", "100", "--quiet"])
    assert status == 2 and "threshold" in capsys.readouterr().err


# -- real data --------------------------------------------------------------------------

@pytest.mark.slow
def test_text8_style_corpus_finds_familiar_phrases():
    if not os.path.exists(TEXT8):
        pytest.skip(f"{TEXT8} not found")
    model = learn_phrases(TEXT8, passes=2)
    pass_one = model.tables[0]
    for pair in [("new", "york"), ("united", "states"), ("world", "war")]:
        assert pair in pass_one
    pass_two = model.tables[1]
    for pair in [("new_york", "times"), ("world_war", "ii")]:
        assert pair in pass_two
    assert model.transform("she read the new york times".split())[-1] == "new_york_times"


def test_cli_threshold_defaults_to_the_c_tools_100(tmp_path):
    # x y scores (3 - 1) / 3 / 3 * 10 = 2.2 with min_count 1: below 100, above 2.
    corpus, out = tmp_path / "c.txt", tmp_path / "o.txt"
    write_corpus(corpus, BOUNDARY_CORPUS)
    assert main(["phrases", str(corpus), "-o", str(out), "--min-count", "1", "--quiet"]) == 0
    assert out.read_text().split("\n")[0] == "x y z"
    assert main(["phrases", str(corpus), "-o", str(out), "--min-count", "1",
                 "--threshold", "2", "--quiet"]) == 0
    assert out.read_text().split("\n")[0] == "x_y z"
