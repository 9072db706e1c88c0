"""Tests of w2v.specialise: the generated negative-sampling kernels equal the NumPy
reference (and the generic kernel) on tiny problems, are chosen only where they apply,
and are generated once into the cache directory."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from test_kernels import ATOL, RTOL, make_problem, run_kernel, run_reference
from w2v import kernels, specialise


def run_specialised(p, *, arch, shrink=0, cbow_mean=1, rng_state=12345,
                    alpha_start=0.05, alpha_end=0.01):
    word_vectors = p.word_vectors.copy()
    context_vectors = p.context_vectors.copy()
    rng = np.array([rng_state], dtype=np.uint64)
    train_chunk = specialise.ns_kernel(arch, p.negative)
    max_hidden = 2 * p.window if arch == kernels.ARCH_SKIPGRAM else 1
    scratch = kernels.Scratch(dim=p.dim, window=p.window,
                              max_sentence_length=p.max_sentence_length,
                              max_targets=1 + p.negative, max_hidden=max_hidden)
    result = train_chunk(
        word_vectors, context_vectors, p.tokens, p.starts, p.keep_prob, arch, p.layer,
        cbow_mean, 1, p.window, shrink, p.negative, p.alias_threshold, p.alias_index,
        p.hs_points, p.hs_codes, p.hs_lengths, alpha_start, alpha_end, rng, *scratch.arrays())
    return word_vectors, context_vectors, result, int(rng[0])


CASES = [  # (arch, cbow_mean, negative): 30 negatives cross LOG_BATCH (24 factors per log)
    (kernels.ARCH_SKIPGRAM, 1, 1), (kernels.ARCH_SKIPGRAM, 1, 4), (kernels.ARCH_SKIPGRAM, 1, 30),
    (kernels.ARCH_CBOW, 1, 4), (kernels.ARCH_CBOW, 0, 4), (kernels.ARCH_CBOW, 1, 30),
]


@pytest.mark.parametrize("subsample,shrink", [(False, 0), (True, 1)],
                         ids=["plain", "subsample+shrink"])
@pytest.mark.parametrize("arch,cbow_mean,negative", CASES,
                         ids=[f"{'cbow' if a else 'sg'}-mean{m}-neg{n}" for a, m, n in CASES])
@pytest.mark.parametrize("vocab_size", [17, 2], ids=["V17", "V2"])
def test_specialised_kernel_matches_reference(arch, cbow_mean, negative, subsample, shrink,
                                              vocab_size):
    # V=2: half the negative draws hit the positive word, which must add nothing
    p = make_problem(kernels.LAYER_NS, seed=3, negative=negative, subsample=subsample,
                     vocab_size=vocab_size)
    w, c, (loss, examples, words), state = run_specialised(p, arch=arch, shrink=shrink,
                                                          cbow_mean=cbow_mean)
    rw, rc, (rloss, rexamples, rwords), rstate = run_reference(
        p, arch=arch, batch=1, shrink=shrink, cbow_mean=cbow_mean)
    assert (examples, words) == (rexamples, rwords)
    assert examples > 0
    assert state == rstate  # the same draws, in the same order
    np.testing.assert_allclose(w, rw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, rc, rtol=RTOL, atol=ATOL)
    assert loss == pytest.approx(rloss, rel=1e-5)
    assert not np.array_equal(w, p.word_vectors)  # it trained


@pytest.mark.parametrize("negative", [4, specialise.ONE_PASS_MAX_ROWS - 1,
                                      specialise.ONE_PASS_MAX_ROWS])
def test_cbow_output_step_matches_reference_with_distinct_and_repeated_rows(negative):
    # over 3,000 words most centre words draw k distinct output rows (CBOW's one-pass
    # output step) and some repeat one (the row-by-row passes); above ONE_PASS_MAX_ROWS
    # rows every word takes the passes
    p = make_problem(kernels.LAYER_NS, seed=7, negative=negative, vocab_size=3000,
                     n_sentences=30, max_len=40, window=3, dim=10)
    w, c, (loss, examples, words), state = run_specialised(p, arch=kernels.ARCH_CBOW, shrink=1)
    rw, rc, (rloss, rexamples, rwords), rstate = run_reference(
        p, arch=kernels.ARCH_CBOW, batch=1, shrink=1, cbow_mean=1)
    assert (examples, words, state) == (rexamples, rwords, rstate)
    np.testing.assert_allclose(w, rw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, rc, rtol=RTOL, atol=ATOL)
    assert loss == pytest.approx(rloss, rel=1e-5)


def test_all_distinct():
    rows = np.array([3, 1, 4, 1, 5], dtype=np.int32)
    assert kernels._all_distinct(rows, 3)
    assert not kernels._all_distinct(rows, 4)
    assert kernels._all_distinct(rows, 1) and kernels._all_distinct(rows, 0)


@pytest.mark.parametrize("window", [5, 7])
def test_specialised_kernel_matches_the_generic_kernel_on_a_longer_chunk(window):
    # window 5: every context count with generated one-pass code (specialise.
    # ONE_PASS_CONTEXTS) and odd counts near sentence ends; window 7: up to 14, the
    # general loops
    assert max(specialise.ONE_PASS_CONTEXTS) == 2 * 5
    p = make_problem(kernels.LAYER_NS, seed=5, vocab_size=50, n_sentences=40, max_len=30,
                     window=window, negative=5, subsample=True, dim=24)
    from test_kernels import run_kernel

    for arch in (kernels.ARCH_SKIPGRAM, kernels.ARCH_CBOW):
        w, c, result, state = run_specialised(p, arch=arch, shrink=1)
        gw, gc, gresult, gstate = run_kernel(p, arch=arch, batch=1, shrink=1)
        assert state == gstate and result[1:] == gresult[1:]
        np.testing.assert_allclose(w, gw, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(c, gc, rtol=RTOL, atol=ATOL)
        assert result[0] == pytest.approx(gresult[0], rel=1e-5)


@pytest.mark.parametrize("arch,layer,negative,batch,specialised", [
    (kernels.ARCH_SKIPGRAM, kernels.LAYER_NS, 5, True, True),
    (kernels.ARCH_CBOW, kernels.LAYER_NS, 5, False, True),
    (kernels.ARCH_SKIPGRAM, kernels.LAYER_NS, 5, False, False),   # classic per-pair order
    (kernels.ARCH_SKIPGRAM, kernels.LAYER_HS, 0, True, True),     # w2v.hs_kernel
    (kernels.ARCH_CBOW, kernels.LAYER_HS, 0, False, True),
    (kernels.ARCH_SKIPGRAM, kernels.LAYER_HS, 0, False, False),
    (kernels.ARCH_CBOW, kernels.LAYER_SOFTMAX, 0, False, False),
    (kernels.ARCH_SKIPGRAM, kernels.LAYER_NS, specialise.MAX_SPECIALISED_NEGATIVE + 1, True,
     False),
])
def test_kernel_for_picks_the_specialised_kernel_only_where_it_applies(
        arch, layer, negative, batch, specialised):
    chosen = specialise.kernel_for(arch=arch, layer=layer, negative=negative,
                                   batch_contexts=batch)
    assert (chosen is not kernels.train_chunk) == specialised


def test_generated_kernels_are_written_once_and_loaded_from_the_cache(tmp_path):
    """A fresh process generates the source into $W2V_KERNEL_CACHE and Numba caches the
    machine code beside it; a second process reuses both (no new files)."""
    env = dict(os.environ, W2V_KERNEL_CACHE=str(tmp_path))
    code = ("from w2v import Word2Vec; "
            "Word2Vec(arch='cbow', negative=2, dim=8, min_count=1, epochs=1, threads=1)"
            ".fit([['a', 'b', 'c', 'd', 'b', 'a']] * 20)")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    sources = sorted(p.name for p in tmp_path.glob("*.py"))
    assert len(sources) == 1 and sources[0].startswith("w2v_ns_cbow2_")
    cached = sorted(p.name for p in (tmp_path / "__pycache__").iterdir())
    assert any(name.endswith(".nbi") for name in cached)
    assert any(name.endswith(".nbc") for name in cached)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert after == before


def test_an_unwritable_cache_directory_falls_back_to_the_temporary_directory(
        tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    monkeypatch.setenv(specialise.CACHE_ENV, str(blocked / "kernels"))
    folder = specialise._writable_directory()
    assert folder != str(blocked / "kernels") and os.access(folder, os.W_OK)


def test_generated_source_is_valid_python_for_every_supported_count():
    for arch in (kernels.ARCH_SKIPGRAM, kernels.ARCH_CBOW):
        for negative in (1, 8, 16, specialise.MAX_SPECIALISED_NEGATIVE):
            compile(specialise.generate_source(arch, negative), "<generated>", "exec")


@pytest.mark.parametrize("arch,cbow_mean,negative", CASES,
                         ids=[f"{'cbow' if a else 'sg'}-mean{m}-neg{n}" for a, m, n in CASES])
def test_rows_with_saturated_scores_match_reference(arch, cbow_mean, negative):
    """Weights large enough that some scores fall beyond the sigmoid table (the exact
    sigmoid): the reference's updates, and the generic kernel's loss (the reference's
    differs there: 1 - sig(s) of a saturated score loses digits in float32)."""
    p = make_problem(kernels.LAYER_NS, seed=13, negative=negative, vocab_size=40,
                     n_sentences=20, max_len=20, window=3, dim=24)
    p.word_vectors *= 4.0
    p.context_vectors *= 4.0
    scores = np.abs(p.word_vectors @ p.context_vectors.T)
    assert 0.05 < np.mean(scores > kernels.SIGMOID_TABLE_RANGE) < 0.6
    w, c, (loss, examples, words), state = run_specialised(p, arch=arch, shrink=1,
                                                          cbow_mean=cbow_mean)
    rw, rc, (rloss, rexamples, rwords), rstate = run_reference(
        p, arch=arch, batch=1, shrink=1, cbow_mean=cbow_mean)
    assert (examples, words, state) == (rexamples, rwords, rstate)
    np.testing.assert_allclose(w, rw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c, rc, rtol=RTOL, atol=ATOL)
    _, _, (gloss, _, _), _ = run_kernel(p, arch=arch, batch=1, shrink=1, cbow_mean=cbow_mean)
    assert loss == pytest.approx(gloss, rel=1e-6)
