"""Tests of w2v.sampling: subsampling keep-probabilities, the alias table (also drawn
through the kernel's ``_draw_negative``) and the Huffman tree of hierarchical softmax."""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np
import pytest
from scipy import stats

from w2v import kernels
from w2v.errors import ParameterError
from w2v.sampling import AliasTable, HuffmanTree, keep_probabilities

#: A chi-square test fails by chance with this probability; small enough never to flake.
CHI2_FALSE_ALARM = 1e-6


# -- keep_probabilities -----------------------------------------------------------------

def c_tool_keep(count: float, sample: float, total: float) -> float:
    """word2vec.c: ``ran = (sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn``."""
    threshold = sample * total
    return min(1.0, (math.sqrt(count / threshold) + 1.0) * threshold / count)


def test_keep_probabilities_by_hand():
    # total 100, sample 0.1: t = 10; keep(90) = (sqrt(9) + 1) * 10 / 90 = 4/9,
    # keep(10) = (1 + 1) * 10 / 10 = 2, clipped to 1
    keep = keep_probabilities(np.array([90, 10]), 0.1)
    assert keep.dtype == np.float32
    np.testing.assert_allclose(keep, [4 / 9, 1.0], rtol=1e-7)


@pytest.mark.parametrize("sample", [1e-5, 1e-3, 0.05])
def test_keep_probabilities_follow_the_c_tool_formula(sample):
    counts = np.array([100_000, 20_000, 5_000, 700, 50, 3, 1])
    keep = keep_probabilities(counts, sample)
    expected = [c_tool_keep(c, sample, counts.sum()) for c in counts]
    np.testing.assert_allclose(keep, expected, rtol=1e-6)
    assert np.all(keep <= 1.0) and np.all(keep > 0.0)
    assert np.all(np.diff(keep) >= 0)             # rarer words are kept at least as often
    if sample == 1e-5:
        assert keep[0] < 0.05                      # the frequent word really is subsampled


def test_keep_probabilities_sample_zero_keeps_everything():
    keep = keep_probabilities(np.array([10**6, 5, 1]), 0.0)
    assert keep.dtype == np.float32
    assert np.array_equal(keep, np.ones(3, dtype=np.float32))


def test_keep_probabilities_rejects_a_negative_sample():
    with pytest.raises(ParameterError, match="sample"):
        keep_probabilities(np.array([3, 2]), -0.1)


# -- AliasTable -------------------------------------------------------------------------

WEIGHT_CASES = {
    "zipf": 1.0 / np.arange(1, 40),
    "uniform": np.ones(16),
    "with_zeros": np.array([0.0, 5.0, 0.0, 1.0, 2.0, 0.0, 0.5]),
    "one_dominant": np.array([1000.0, 1.0, 1.0, 1.0]),
    "single": np.array([3.0]),
    "random": np.random.default_rng(0).random(100) ** 3,
}


@pytest.mark.parametrize("name", list(WEIGHT_CASES))
def test_alias_columns_reproduce_the_distribution(name):
    weights = WEIGHT_CASES[name]
    table = AliasTable(weights)
    assert table.threshold.dtype == np.uint32 and table.alias.dtype == np.int32
    assert len(table) == weights.size
    np.testing.assert_allclose(table.probabilities, weights / weights.sum(), rtol=1e-12)
    np.testing.assert_allclose(table.column_probabilities(), table.probabilities, atol=1e-6)
    assert np.all((table.alias >= 0) & (table.alias < weights.size))
    # a zero-weight word can never be drawn: never kept in its column, never the alias
    # of a column that is not always kept
    zero = weights == 0
    assert np.all(table.threshold[zero] == 0)
    sometimes_aliased = table.threshold < np.iinfo(np.uint32).max
    assert not np.any(zero[table.alias[sometimes_aliased]])


def test_for_negative_sampling_uses_the_power_of_the_counts():
    counts = np.array([81, 16, 1, 0])
    table = AliasTable.for_negative_sampling(counts, 0.75)
    np.testing.assert_allclose(table.probabilities, np.array([27, 8, 1, 0]) / 36, rtol=1e-12)
    uniform = AliasTable.for_negative_sampling(np.array([81, 16, 1]), 0.0)
    np.testing.assert_allclose(uniform.probabilities, np.full(3, 1 / 3), rtol=1e-12)


@pytest.mark.parametrize("weights", [np.array([]), np.array([0.0, 0.0]),
                                     np.array([1.0, -1.0]), np.array([1.0, np.nan])],
                         ids=["empty", "all_zero", "negative", "nan"])
def test_alias_table_rejects_bad_weights(weights):
    with pytest.raises(ValueError):
        AliasTable(weights)


@pytest.mark.parametrize("name", ["zipf", "with_zeros", "one_dominant"])
def test_kernel_draws_follow_the_table(name):
    weights = WEIGHT_CASES[name]
    table = AliasTable(weights)
    rng = kernels.seed_rng(5, 1)
    draws_n = 200_000
    draws = np.array([kernels._draw_negative(rng, table.threshold, table.alias)
                      for _ in range(draws_n)])
    frequencies = np.bincount(draws, minlength=weights.size)
    assert frequencies.size == weights.size
    assert np.all(frequencies[weights == 0] == 0)
    live = weights > 0
    expected = draws_n * table.probabilities[live]
    chi2 = ((frequencies[live] - expected) ** 2 / expected).sum()
    assert chi2 < stats.chi2.ppf(1 - CHI2_FALSE_ALARM, live.sum() - 1)
    # and per word within 5 binomial standard deviations
    p = table.probabilities
    assert np.all(np.abs(frequencies - draws_n * p) <= 5 * np.sqrt(draws_n * p * (1 - p)) + 1)


# -- HuffmanTree ------------------------------------------------------------------------

def test_huffman_tree_by_hand():
    """Counts [5, 3, 2, 1]: merge 1+2 -> node 0 (weight 3), then node 0 + word 1 (3, ties
    go to the inner node first) -> node 1 (6), then word 0 + node 1 -> node 2 = the root
    (V - 2). The second node picked at a merge is branch 1. From the root:
    word 0 = "0"; word 1 = root->1 (1), node 1->word 1 (1); word 2 = 1, 0 (node 1->node 0),
    1 (node 0->word 2, picked second); word 3 = 1, 0, 0."""
    tree = HuffmanTree(np.array([5, 3, 2, 1]))
    assert tree.max_depth == 3 and len(tree) == 4
    assert tree.code_lengths.tolist() == [1, 2, 3, 3]
    assert tree.points[0, :1].tolist() == [2]
    assert tree.points[1, :2].tolist() == [2, 1]
    assert tree.points[2].tolist() == [2, 1, 0]
    assert tree.points[3].tolist() == [2, 1, 0]
    assert tree.codes[0, :1].tolist() == [0]
    assert tree.codes[1, :2].tolist() == [1, 1]
    assert tree.codes[2].tolist() == [1, 0, 1]
    assert tree.codes[3].tolist() == [1, 0, 0]
    assert tree.points.dtype == np.int32 and tree.codes.dtype == np.uint8
    assert tree.code_lengths.dtype == np.int32


def test_huffman_tree_does_not_need_sorted_counts():
    """The same counts in another order give each word the same path."""
    counts = np.array([5, 3, 2, 1])
    perm = np.array([2, 0, 3, 1])
    sorted_tree, shuffled = HuffmanTree(counts), HuffmanTree(counts[perm])
    for new, old in enumerate(perm):
        L = sorted_tree.code_lengths[old]
        assert shuffled.code_lengths[new] == L
        assert shuffled.points[new, :L].tolist() == sorted_tree.points[old, :L].tolist()
        assert shuffled.codes[new, :L].tolist() == sorted_tree.codes[old, :L].tolist()


def test_huffman_tree_of_two_words():
    tree = HuffmanTree(np.array([1, 7]))
    assert tree.code_lengths.tolist() == [1, 1]
    assert tree.points[:, 0].tolist() == [0, 0]
    assert sorted(tree.codes[:, 0].tolist()) == [0, 1]


@pytest.mark.parametrize("counts", [np.array([]), np.array([4])], ids=["empty", "one"])
def test_huffman_tree_needs_two_words(counts):
    with pytest.raises(ValueError):
        HuffmanTree(counts)


def heapq_huffman_lengths(counts) -> list[int]:
    """Code lengths of a textbook Huffman code (merge the two lightest, any tie order)."""
    heap = [(int(c), i, [i]) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    lengths = [0] * len(counts)
    tie = len(counts)
    while len(heap) > 1:
        wa, _, a = heapq.heappop(heap)
        wb, _, b = heapq.heappop(heap)
        for leaf in a + b:
            lengths[leaf] += 1
        heapq.heappush(heap, (wa + wb, tie, a + b))
        tie += 1
    return lengths


COUNT_CASES = {
    "zipf": (10_000 / np.arange(1, 300)).astype(np.int64) + 1,
    "ties": np.array([4] * 9 + [2] * 5 + [1] * 7),
    "equal": np.full(16, 3),
    "random": np.random.default_rng(1).integers(1, 1000, size=200),
    "geometric": 2 ** np.arange(20)[::-1],      # a maximally unbalanced (path) tree
}


@pytest.mark.parametrize("name", list(COUNT_CASES))
def test_huffman_tree_is_an_optimal_prefix_code(name):
    counts = COUNT_CASES[name]
    V = counts.size
    tree = HuffmanTree(counts)
    lengths = tree.code_lengths
    assert np.all(lengths >= 1) and tree.max_depth == lengths.max()
    codes = ["".join(str(b) for b in tree.codes[w, :lengths[w]]) for w in range(V)]
    # prefix-free (sorted strings: a prefix sorts right before its extensions)
    ordered = sorted(codes)
    assert len(set(codes)) == V
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    # complete: Kraft equality
    assert sum(2.0 ** -int(L) for L in lengths) == pytest.approx(1.0, abs=1e-12)
    # more frequent words never have longer codes
    for a, b in itertools.combinations(range(V), 2):
        if counts[a] > counts[b]:
            assert lengths[a] <= lengths[b]
        elif counts[b] > counts[a]:
            assert lengths[b] <= lengths[a]
    # optimal: the expected code length of a textbook Huffman code
    assert int(counts @ lengths) == int(counts @ np.array(heapq_huffman_lengths(counts)))
    # points: inner-node rows in [0, V - 2], the root first, one node per code prefix
    for w in range(V):
        used = tree.points[w, :lengths[w]]
        assert used.min() >= 0 and used.max() <= V - 2
        assert used[0] == V - 2
    node_of_prefix = {}
    for w in range(V):
        for k in range(lengths[w]):
            prefix = codes[w][:k]
            assert node_of_prefix.setdefault(prefix, tree.points[w, k]) == tree.points[w, k]
    assert sorted(node_of_prefix.values()) == list(range(V - 1))   # each inner node once
