"""Tests of w2v.hs_kernel: the register-blocked hierarchical-softmax kernel trains as the
NumPy reference and the generic kernel do, on paths and context counts that exercise
every tile and every remainder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from test_kernels import ATOL, RTOL, make_problem, run_kernel, run_reference
from w2v import hs_kernel, kernels
from w2v.sampling import HuffmanTree


def run_blocked(p, *, arch, shrink=0, cbow_mean=1, rng_state=12345, alpha_start=0.05,
                alpha_end=0.01):
    word_vectors = p.word_vectors.copy()
    context_vectors = p.context_vectors.copy()
    rng = np.array([rng_state], dtype=np.uint64)
    scratch = kernels.Scratch(dim=p.dim, window=p.window,
                              max_sentence_length=p.max_sentence_length,
                              max_targets=p.max_targets(), max_hidden=2 * p.window)
    result = hs_kernel.train_chunk_for(arch)(
        word_vectors, context_vectors, p.tokens, p.starts, p.keep_prob, arch, p.layer,
        cbow_mean, 1, p.window, shrink, 0, p.alias_threshold, p.alias_index,
        p.hs_points, p.hs_codes, p.hs_lengths, alpha_start, alpha_end, rng, *scratch.arrays())
    return word_vectors, context_vectors, result, int(rng[0])


CASES = [(kernels.ARCH_SKIPGRAM, 1), (kernels.ARCH_CBOW, 1), (kernels.ARCH_CBOW, 0)]
IDS = ["sg", "cbow-mean", "cbow-sum"]


@pytest.mark.parametrize("subsample,shrink", [(False, 0), (True, 1)],
                         ids=["plain", "subsample+shrink"])
@pytest.mark.parametrize("arch,cbow_mean", CASES, ids=IDS)
@pytest.mark.parametrize("vocab_size", [17, 2], ids=["V17", "V2"])
def test_blocked_kernel_matches_reference(arch, cbow_mean, subsample, shrink, vocab_size):
    # V=2: a one-node tree (every path has length 1: only the remainder loops run)
    p = make_problem(kernels.LAYER_HS, seed=3, subsample=subsample, vocab_size=vocab_size)
    w, c, (loss, examples, words), state = run_blocked(p, arch=arch, shrink=shrink,
                                                      cbow_mean=cbow_mean)
    rw, rc, (rloss, rexamples, rwords), rstate = run_reference(
        p, arch=arch, batch=1, shrink=shrink, cbow_mean=cbow_mean)
    assert (examples, words) == (rexamples, rwords) and examples > 0
    assert state == rstate
    np.testing.assert_allclose(w, rw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, rc, rtol=RTOL, atol=ATOL)
    assert loss == pytest.approx(rloss, rel=1e-5)
    assert not np.array_equal(w, p.word_vectors)


@pytest.mark.parametrize("window", [3, 5, 7])
@pytest.mark.parametrize("arch,cbow_mean", CASES, ids=IDS)
def test_blocked_kernel_matches_the_generic_kernel_on_a_longer_chunk(arch, cbow_mean, window):
    """50 words (paths of 4 to 8 nodes: full tiles of four and remainders), windows up to
    14 contexts (odd counts near sentence ends), and a small vocabulary so a word often
    stands twice in one window (the two-row input update must fall back to one row)."""
    p = make_problem(kernels.LAYER_HS, seed=5, vocab_size=50, n_sentences=40, max_len=30,
                     window=window, subsample=True, dim=24)
    assert set(np.unique(p.hs_lengths)) >= {4, 5, 6, 7}
    w, c, result, state = run_blocked(p, arch=arch, shrink=1, cbow_mean=cbow_mean)
    gw, gc, gresult, gstate = run_kernel(p, arch=arch, batch=1, shrink=1, cbow_mean=cbow_mean)
    assert state == gstate and result[1:] == gresult[1:]
    np.testing.assert_allclose(w, gw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, gc, rtol=RTOL, atol=ATOL)
    assert result[0] == pytest.approx(gresult[0], rel=1e-5)


def test_a_word_twice_in_the_window_gets_both_updates():
    """Skip-gram contexts (a, a, b, b) around one centre: the two-row input update gets
    the same row twice and must add both contributions to it, as the generic kernel
    does (one row per pass)."""
    p = make_problem(kernels.LAYER_HS, seed=7, vocab_size=6, n_sentences=3, max_len=5,
                     window=2, dim=8)
    p.tokens = np.array([1, 1, 0, 2, 2], dtype=np.int32)
    p.starts = np.array([0, 5, 5, 5], dtype=np.int64)
    w, c, result, _ = run_blocked(p, arch=kernels.ARCH_SKIPGRAM)
    gw, gc, gresult, _ = run_kernel(p, arch=kernels.ARCH_SKIPGRAM, batch=1)
    np.testing.assert_allclose(w, gw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, gc, rtol=RTOL, atol=ATOL)
    assert result[0] == pytest.approx(gresult[0], rel=1e-5)


@pytest.mark.parametrize("arch,cbow_mean", CASES, ids=IDS)
def test_saturated_scores_and_paths_longer_than_a_log_batch_train_as_the_generic_kernel(
        arch, cbow_mean):
    """Rows with a score beyond the sigmoid table, and paths longer than LOG_BATCH, leave
    the kernel's fast error loop (no calls) for the exact one; both must give the generic
    kernel's updates and loss."""
    p = make_problem(kernels.LAYER_HS, seed=11, vocab_size=30, n_sentences=30, max_len=20,
                     window=3, dim=24)
    # counts 2^29 .. 2^0: the Huffman tree is a chain, paths of 1 to 29 nodes
    tree = HuffmanTree(2 ** np.arange(29, -1, -1, dtype=np.int64))
    p.hs_points, p.hs_codes, p.hs_lengths = tree.points, tree.codes, tree.code_lengths
    p.tokens = np.random.default_rng(2).integers(0, 30, p.tokens.size).astype(np.int32)
    p.word_vectors *= 4.0
    p.context_vectors *= 4.0
    scores = np.abs(p.word_vectors @ p.context_vectors.T)
    assert 0.05 < np.mean(scores > kernels.SIGMOID_TABLE_RANGE) < 0.6
    assert p.hs_lengths.max() > kernels.LOG_BATCH
    w, c, result, state = run_blocked(p, arch=arch, shrink=1, cbow_mean=cbow_mean)
    gw, gc, gresult, gstate = run_kernel(p, arch=arch, batch=1, shrink=1, cbow_mean=cbow_mean)
    assert state == gstate and result[1:] == gresult[1:]
    np.testing.assert_allclose(w, gw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, gc, rtol=RTOL, atol=ATOL)
    assert np.isfinite(result[0]) and result[0] == pytest.approx(gresult[0], rel=1e-5)



@pytest.mark.parametrize("arch,cbow_mean", CASES, ids=IDS)
def test_loss_stays_finite_when_most_predictions_are_confidently_wrong(arch, cbow_mean):
    """Weights so large that nearly every score saturates and about half the labels get
    a probability at the floor (MIN_PROBABILITY): the running product of probabilities
    must be logged before it leaves float64's range (hs_kernel._PRODUCT_FLOOR), so the
    loss is finite and equals the generic kernel's, which logs every LOG_BATCH factors."""
    p = make_problem(kernels.LAYER_HS, seed=5, vocab_size=30, n_sentences=30, max_len=20,
                     window=3, dim=24)
    tree = HuffmanTree(2 ** np.arange(29, -1, -1, dtype=np.int64))   # paths of 1-29 nodes
    p.hs_points, p.hs_codes, p.hs_lengths = tree.points, tree.codes, tree.code_lengths
    p.tokens = np.random.default_rng(4).integers(0, 30, p.tokens.size).astype(np.int32)
    p.word_vectors *= 400.0
    p.context_vectors *= 400.0
    scores = np.abs(p.word_vectors @ p.context_vectors.T)
    assert np.mean(scores > -np.log(kernels.MIN_PROBABILITY)) > 0.8
    w, c, (loss, examples, words), state = run_blocked(p, arch=arch, shrink=1,
                                                      cbow_mean=cbow_mean)
    gw, gc, (gloss, gexamples, gwords), gstate = run_kernel(p, arch=arch, batch=1, shrink=1,
                                                            cbow_mean=cbow_mean)
    assert np.isfinite(loss) and loss == pytest.approx(gloss, rel=1e-5)
    assert loss / examples > 20.0   # nats per prediction: many factors at the floor

CACHE_CHILD = r"""
import json, sys
import numpy as np
from w2v import Word2Vec, hs_kernel
sentences = [[f"w{(i * 7 + j * 3) % 23}" for j in range(12)] for i in range(40)]
out = {}
for arch in ("skipgram", "cbow"):
    model = Word2Vec(arch=arch, loss="hs", dim=8, window=2, min_count=1, sample=0,
                     epochs=1, threads=1, seed=4).fit(sentences, progress=False)
    out[arch] = float(np.abs(model.word_vectors_).sum())
kernels = (hs_kernel.train_chunk_skipgram, hs_kernel.train_chunk_cbow)
out["hits"] = [sum(k.stats.cache_hits.values()) for k in kernels]
out["misses"] = [sum(k.stats.cache_misses.values()) for k in kernels]
print(json.dumps(out))
"""


def test_each_architecture_kernel_is_cached_apart(tmp_path):
    """The two kernels are closures of one function (one cache index file): a fresh
    process must load each architecture's own machine code, not the other's."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               W2V_KERNEL_CACHE=str(tmp_path / "kernels"))

    def child():
        done = subprocess.run([sys.executable, "-c", CACHE_CHILD], env=env, check=True,
                              capture_output=True, text=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = child(), child()
    assert first["misses"] == [1, 1] and first["hits"] == [0, 0]
    assert second["hits"] == [1, 1] and second["misses"] == [0, 0]
    assert (second["skipgram"], second["cbow"]) == (first["skipgram"], first["cbow"])
    assert first["skipgram"] != first["cbow"]
