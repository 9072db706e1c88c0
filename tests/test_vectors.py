"""KeyedVectors queries, checked against gensim's KeyedVectors on the same vectors."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ParameterError, VocabularyError
from w2v.vectors import COSMUL_EPSILON, KeyedVectors

gensim_models = pytest.importorskip("gensim.models")

N_WORDS, DIM = 400, 24
# float32 cosines computed in a different order differ in the last bits.
TOL = 1e-5
GENSIM_COSMUL_EPSILON = 1e-6  # the constant in gensim's most_similar_cosmul


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(1234)
    vectors = rng.standard_normal((N_WORDS, DIM)).astype(np.float32)
    words = [f"w{i}" for i in range(N_WORDS)]
    ours = KeyedVectors(words, vectors)
    theirs = gensim_models.KeyedVectors(DIM)
    theirs.add_vectors(words, vectors)
    return ours, theirs


def assert_same_results(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=TOL)


@pytest.mark.parametrize("positive,negative", [
    (["w1"], []),
    (["w1", "w2"], ["w3"]),
    (["w5", "w6", "w7"], ["w8", "w9"]),
    ([], ["w10"]),
])
def test_most_similar_matches_gensim(pair, positive, negative):
    ours, theirs = pair
    assert_same_results(ours.most_similar(positive, negative, topn=15),
                        theirs.most_similar(positive, negative, topn=15))


def test_most_similar_single_word_and_restrict_vocab_match_gensim(pair):
    ours, theirs = pair
    assert_same_results(ours.most_similar("w4", topn=5, restrict_vocab=50),
                        theirs.most_similar("w4", topn=5, restrict_vocab=50))
    assert all(ours.index[w] < 50 for w, _ in ours.most_similar("w4", restrict_vocab=50))


def test_most_similar_unit_vector_input_matches_gensim(pair):
    ours, theirs = pair
    query = ours.get_vector("w11", norm=True) - ours.get_vector("w12", norm=True)
    query /= np.linalg.norm(query)
    assert_same_results(ours.most_similar([query, "w13"], topn=8),
                        theirs.most_similar([query, "w13"], topn=8))
    assert_same_results(ours.similar_by_vector(query, topn=8),
                        theirs.similar_by_vector(query, topn=8))


def test_most_similar_topn_none_returns_every_cosine(pair):
    ours, theirs = pair
    scores = ours.most_similar(["w1", "w2"], ["w3"], topn=None)
    assert scores.shape == (N_WORDS,)
    np.testing.assert_allclose(scores, theirs.most_similar(["w1", "w2"], ["w3"], topn=None),
                               atol=TOL)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim calls its own init_sims
def test_most_similar_cosmul_matches_gensim(pair):
    ours, theirs = pair
    assert_same_results(
        ours.most_similar_cosmul(["w1", "w2"], ["w3"], topn=10,
                                 epsilon=GENSIM_COSMUL_EPSILON),
        theirs.most_similar_cosmul(["w1", "w2"], ["w3"], topn=10))


def test_doesnt_match_similarity_n_similarity_rank_match_gensim(pair):
    ours, theirs = pair
    rng = np.random.default_rng(5)
    for _ in range(20):
        group = [f"w{i}" for i in rng.choice(N_WORDS, size=5, replace=False)]
        assert ours.doesnt_match(group) == theirs.doesnt_match(group)
        a, b = group[:2]
        assert ours.similarity(a, b) == pytest.approx(float(theirs.similarity(a, b)), abs=TOL)
        assert ours.distance(a, b) == pytest.approx(float(theirs.distance(a, b)), abs=TOL)
        assert ours.n_similarity(group[:2], group[2:]) == pytest.approx(
            float(theirs.n_similarity(group[:2], group[2:])), abs=TOL)
        assert ours.rank(a, b) == theirs.rank(a, b)
        assert sorted(ours.words_closer_than(a, b)) == sorted(theirs.closer_than(a, b))


def test_analogy_finds_the_planted_answer():
    rng = np.random.default_rng(7)
    dim = 50
    base = {w: rng.standard_normal(dim) for w in ("man", "woman", "royal")}
    table = {"man": base["man"], "woman": base["woman"],
             "king": base["man"] + base["royal"],
             "queen": base["woman"] + base["royal"] + 0.05 * rng.standard_normal(dim)}
    for i in range(40):
        table[f"filler{i}"] = rng.standard_normal(dim) * 2
    kv = KeyedVectors(list(table), np.array(list(table.values())))
    for method in ("3cosadd", "3cosmul"):
        answers = kv.analogy("man", "king", "woman", method=method, topn=3)
        assert answers[0][0] == "queen"
        assert not {"man", "king", "woman"} & {w for w, _ in answers}


def test_analogy_3cosadd_is_most_similar_b_plus_c_minus_a(pair):
    ours, theirs = pair
    assert_same_results(ours.analogy("w1", "w2", "w3", topn=5),
                        theirs.most_similar(positive=["w2", "w3"], negative=["w1"], topn=5))


def test_analogy_3cosmul_scores_follow_the_formula(pair):
    ours, _ = pair
    unit = ours.vectors / np.linalg.norm(ours.vectors, axis=1, keepdims=True)
    shifted = (unit @ unit[[ours.index[w] for w in ("w1", "w2", "w3")]].T + 1) / 2
    expected = shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + COSMUL_EPSILON)
    expected[[1, 2, 3]] = -np.inf  # a, b, c are never answers
    best = np.argsort(-expected)[:5]
    answers = ours.analogy("w1", "w2", "w3", method="3cosmul", topn=5)
    assert [w for w, _ in answers] == [ours.words[i] for i in best]
    np.testing.assert_allclose([s for _, s in answers], expected[best], rtol=1e-5)


def test_input_words_are_excluded_and_ties_go_to_the_earlier_row():
    vectors = np.array([[1, 0], [1, 0.01], [0.5, 0.5], [0.5, 0.5], [0, 1]], dtype=np.float32)
    kv = KeyedVectors(["a", "b", "c", "d", "e"], vectors)
    result = kv.most_similar("a", topn=4)
    assert [w for w, _ in result] == ["b", "c", "d", "e"]
    assert result[1][1] == result[2][1]
    assert [w for w, _ in kv.most_similar("a", topn=2)] == ["b", "c"]
    assert len(kv.most_similar("a", topn=100)) == 4


def test_zero_vectors_do_not_produce_nan():
    kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [0, 0], [0, 1]], dtype=np.float32))
    scores = kv.most_similar("a", topn=None)
    assert np.all(np.isfinite(scores))


@pytest.mark.parametrize("call", [
    lambda kv: kv.most_similar("nope"),
    lambda kv: kv.most_similar(["w1"], ["nope"]),
    lambda kv: kv.analogy("w1", "w2", "nope"),
    lambda kv: kv.doesnt_match(["w1", "nope"]),
    lambda kv: kv.similarity("w1", "nope"),
    lambda kv: kv.most_similar_cosmul(["nope"]),
])
def test_unknown_words_raise_vocabulary_error(pair, call):
    with pytest.raises(VocabularyError, match="'nope' is not in the vocabulary"):
        call(pair[0])


@pytest.mark.parametrize("call", [
    lambda kv: kv.most_similar(),
    lambda kv: kv.most_similar([], []),
    lambda kv: kv.most_similar("w1", topn=0),
    lambda kv: kv.most_similar("w1", topn=2.5),
    lambda kv: kv.most_similar("w1", restrict_vocab=0),
    lambda kv: kv.most_similar(np.zeros(DIM + 1)),
    lambda kv: kv.most_similar(np.full(DIM, np.nan)),
    lambda kv: kv.most_similar(42),
    lambda kv: kv.similar_by_vector(np.zeros((2, DIM))),
    lambda kv: kv.most_similar_cosmul([], ["w1"]),
    lambda kv: kv.most_similar_cosmul(["w1"], epsilon=0.0),
    lambda kv: kv.analogy("w1", "w2", "w3", method="3cosfoo"),
    lambda kv: kv.doesnt_match("w1"),
    lambda kv: kv.doesnt_match([]),
    lambda kv: kv.n_similarity([], ["w1"]),
])
def test_bad_parameters_raise_parameter_error(pair, call):
    with pytest.raises(ParameterError, match="parameter "):
        call(pair[0])
