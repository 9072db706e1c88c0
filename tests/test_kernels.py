"""Tests of w2v.kernels: the Numba kernels against the NumPy reference (tests/reference.py),
the output-layer gradients against finite differences, the CBOW convention, the random
generator, reproducibility, and that training learns something on a toy corpus.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

import reference
from w2v import kernels
from w2v.sampling import AliasTable, HuffmanTree

ARCHS = {"skipgram": kernels.ARCH_SKIPGRAM, "cbow": kernels.ARCH_CBOW}
LAYERS = {"ns": kernels.LAYER_NS, "hs": kernels.LAYER_HS, "softmax": kernels.LAYER_SOFTMAX}

#: Kernel vs reference tolerances: the kernel sums in float32 under fastmath (reassociated),
#: the reference in float64, and a chunk compounds a few hundred updates.
RTOL = 1e-4
ATOL = 1e-6
#: Finite differences in float64: the step, and the tolerance of the comparison with the
#: kernel's float32 updates.
FD_STEP = 1e-6
FD_RTOL = 1e-3
FD_ATOL = 1e-5


# -- a tiny problem ---------------------------------------------------------------------

@dataclass
class Problem:
    word_vectors: np.ndarray
    context_vectors: np.ndarray
    tokens: np.ndarray
    starts: np.ndarray
    keep_prob: np.ndarray
    layer: int
    window: int
    negative: int
    alias_threshold: np.ndarray
    alias_index: np.ndarray
    hs_points: np.ndarray
    hs_codes: np.ndarray
    hs_lengths: np.ndarray
    max_sentence_length: int

    @property
    def dim(self) -> int:
        return self.word_vectors.shape[1]

    def max_targets(self) -> int:
        if self.layer == kernels.LAYER_NS:
            return 1 + self.negative
        if self.layer == kernels.LAYER_HS:
            return self.hs_points.shape[1]
        return self.context_vectors.shape[0]


def make_problem(layer: int, *, seed: int = 0, vocab_size: int = 17, dim: int = 6,
                 n_sentences: int = 6, max_len: int = 9, window: int = 2, negative: int = 4,
                 subsample: bool = False) -> Problem:
    """Random sentences over a Zipf-ish vocabulary, random (non-zero) weights of both
    matrices so every gradient term is live from the first step."""
    gen = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocab_size + 1)
    lengths = gen.integers(0, max_len + 1, size=n_sentences)
    lengths[:3] = [max_len, 1, 0]             # a full-length, a 1-word and an empty sentence
    tokens = gen.choice(vocab_size, size=int(lengths.sum()), p=weights / weights.sum())
    counts = np.bincount(tokens, minlength=vocab_size) + 1
    starts = np.zeros(n_sentences + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    if subsample:   # a mix of always-kept words (no draw) and words kept 40-95 % of the time
        keep = gen.uniform(0.4, 0.95, size=vocab_size)
        keep[gen.random(vocab_size) < 0.3] = 1.0
    else:
        keep = np.ones(vocab_size)
    table = AliasTable.for_negative_sampling(counts)
    tree = HuffmanTree(counts)
    rows = vocab_size - 1 if layer == kernels.LAYER_HS else vocab_size
    return Problem(
        word_vectors=gen.uniform(-0.5, 0.5, (vocab_size, dim)).astype(np.float32),
        context_vectors=gen.uniform(-0.5, 0.5, (rows, dim)).astype(np.float32),
        tokens=tokens.astype(np.int32), starts=starts, keep_prob=keep.astype(np.float32),
        layer=layer, window=window, negative=negative,
        alias_threshold=table.threshold, alias_index=table.alias,
        hs_points=tree.points, hs_codes=tree.codes, hs_lengths=tree.code_lengths,
        max_sentence_length=max_len)


def run_kernel(p: Problem, *, arch: int, batch: int = 0, shrink: int = 0, cbow_mean: int = 1,
               rng_state: int = 12345, alpha_start: float = 0.05, alpha_end: float = 0.01):
    """``train_chunk`` on copies of the problem's weights; returns the weights, the
    returned triple and the generator state after."""
    word_vectors = p.word_vectors.copy()
    context_vectors = p.context_vectors.copy()
    rng = np.array([rng_state], dtype=np.uint64)
    max_hidden = 2 * p.window if (arch == kernels.ARCH_SKIPGRAM and batch) else 1
    scratch = kernels.Scratch(dim=p.dim, window=p.window,
                              max_sentence_length=p.max_sentence_length,
                              max_targets=p.max_targets(), max_hidden=max_hidden)
    result = kernels.train_chunk(
        word_vectors, context_vectors, p.tokens, p.starts, p.keep_prob, arch, p.layer,
        cbow_mean, batch, p.window, shrink, p.negative, p.alias_threshold, p.alias_index,
        p.hs_points, p.hs_codes, p.hs_lengths, alpha_start, alpha_end, rng, *scratch.arrays())
    return word_vectors, context_vectors, result, int(rng[0])


def run_reference(p: Problem, *, arch: int, batch: int = 0, shrink: int = 0,
                  cbow_mean: int = 1, rng_state: int = 12345, alpha_start: float = 0.05,
                  alpha_end: float = 0.01):
    word_vectors = p.word_vectors.copy()
    context_vectors = p.context_vectors.copy()
    rng = reference.XorShift64Star(rng_state)
    result = reference.train_chunk(
        word_vectors, context_vectors, p.tokens, p.starts, p.keep_prob, arch=arch,
        layer=p.layer, cbow_mean=cbow_mean, batch_contexts=batch, window=p.window,
        shrink_windows=shrink, negative=p.negative, alias_threshold=p.alias_threshold,
        alias_index=p.alias_index, hs_points=p.hs_points, hs_codes=p.hs_codes,
        hs_lengths=p.hs_lengths, alpha_start=alpha_start, alpha_end=alpha_end, rng=rng)
    return word_vectors, context_vectors, result, rng.state


# -- kernel == reference ----------------------------------------------------------------

CASES = [
    # (arch, layer, batch, cbow_mean)
    *[(a, l, b, 1) for a, l, b in itertools.product(ARCHS, LAYERS, (0, 1))],
    *[("cbow", l, 0, 0) for l in LAYERS],       # CBOW with the sum instead of the mean
]


@pytest.mark.parametrize("subsample,shrink", [(False, 0), (True, 1)],
                         ids=["plain", "subsample+shrink"])
@pytest.mark.parametrize("arch,layer,batch,cbow_mean", CASES,
                         ids=[f"{a}-{l}-batch{b}-mean{m}" for a, l, b, m in CASES])
def test_train_chunk_matches_reference(arch, layer, batch, cbow_mean, subsample, shrink):
    p = make_problem(LAYERS[layer], seed=len(arch) * 10 + LAYERS[layer], subsample=subsample)
    kw = dict(arch=ARCHS[arch], batch=batch, shrink=shrink, cbow_mean=cbow_mean)
    wv, cv, (loss, examples, words), state = run_kernel(p, **kw)
    ref_wv, ref_cv, (ref_loss, ref_examples, ref_words), ref_state = run_reference(p, **kw)

    assert state == ref_state, "the kernel made a different number/order of random draws"
    assert (examples, words) == (ref_examples, ref_words)
    assert words == p.tokens.size
    assert examples > 0
    np.testing.assert_allclose(loss, ref_loss, rtol=RTOL)
    np.testing.assert_allclose(wv, ref_wv, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(cv, ref_cv, rtol=RTOL, atol=ATOL)
    # not vacuous: both matrices moved well beyond the tolerance
    assert np.abs(wv - p.word_vectors).max() > 1e-3
    assert np.abs(cv - p.context_vectors).max() > 1e-3


def test_examples_count_pairs_for_skipgram_and_centres_for_cbow():
    """Without subsampling or shrinking, the counts follow from the sentence lengths:
    skip-gram trains one example per (centre, context) pair, CBOW one per centre."""
    p = make_problem(kernels.LAYER_NS, seed=3, window=2)
    lengths = np.diff(p.starts)
    pairs = sum(sum(min(i, 2) + min(n - 1 - i, 2) for i in range(n)) for n in lengths if n >= 2)
    centres = sum(n for n in lengths if n >= 2)
    assert run_kernel(p, arch=kernels.ARCH_SKIPGRAM)[2][1:] == (pairs, p.tokens.size)
    assert run_kernel(p, arch=kernels.ARCH_SKIPGRAM, batch=1)[2][1:] == (pairs, p.tokens.size)
    assert run_kernel(p, arch=kernels.ARCH_CBOW)[2][1:] == (centres, p.tokens.size)


def test_zero_learning_rate_leaves_weights_unchanged_and_reports_the_loss():
    p = make_problem(kernels.LAYER_SOFTMAX, seed=4)
    wv, cv, (loss, _, _), _ = run_kernel(p, arch=kernels.ARCH_CBOW, alpha_start=0.0,
                                         alpha_end=0.0)
    assert np.array_equal(wv, p.word_vectors) and np.array_equal(cv, p.context_vectors)
    _, _, (ref_loss, _, _), _ = run_reference(p, arch=kernels.ARCH_CBOW, alpha_start=0.0,
                                              alpha_end=0.0)
    assert loss > 0
    np.testing.assert_allclose(loss, ref_loss, rtol=RTOL)


def test_fully_subsampled_chunk_trains_nothing():
    p = make_problem(kernels.LAYER_NS, seed=5)
    p.keep_prob[:] = 0.0
    wv, cv, (loss, examples, words), _ = run_kernel(p, arch=kernels.ARCH_SKIPGRAM)
    assert (loss, examples, words) == (0.0, 0, p.tokens.size)
    assert np.array_equal(wv, p.word_vectors) and np.array_equal(cv, p.context_vectors)


# -- _output_block against finite differences -------------------------------------------

def block_loss(layer, context_vectors, hidden, target, targets, labels):
    """The loss formula in float64: sigmoid cross-entropy per (hidden row, target row), or
    softmax cross-entropy per hidden row."""
    scores_all = hidden @ context_vectors.T
    if layer == kernels.LAYER_SOFTMAX:
        return reference.softmax_loss(scores_all, target)
    scores = scores_all[:, targets]
    return reference.sigmoid_loss(scores, np.broadcast_to(labels, scores.shape))


def numeric_gradient(f, x):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + FD_STEP
        up = f()
        x[index] = saved - FD_STEP
        down = f()
        x[index] = saved
        grad[index] = (up - down) / (2 * FD_STEP)
    return grad


def call_output_block(layer, context_vectors, hidden, target, targets, labels, alpha):
    """Run the kernel's ``_output_block``; returns (grad_hidden, updated rows, loss)."""
    n_hidden = hidden.shape[0]
    n_targets = context_vectors.shape[0] if layer == kernels.LAYER_SOFTMAX else len(targets)
    pad = 4
    targets32 = np.zeros(n_targets + pad, dtype=np.int32)
    labels32 = np.zeros(n_targets + pad, dtype=np.float32)
    targets32[:len(targets)] = targets
    labels32[:len(labels)] = labels
    grad_hidden = np.zeros_like(hidden)
    scores = np.zeros((n_hidden, n_targets + pad), dtype=np.float32)
    updated = context_vectors.copy()
    loss = kernels._output_block(layer, updated, hidden.copy(), n_hidden, grad_hidden, target,
                                 targets32, labels32, n_targets, scores, alpha,
                                 kernels.SIGMOID_TABLE)
    return grad_hidden, updated, loss


BLOCK_CASES = {
    # name: (layer, number of output rows, targets, labels); row 5 appears twice in NS (a
    # negative drawn twice), and the HS labels are 1 - code along a path.
    "ns": (kernels.LAYER_NS, 9, [2, 5, 7, 5, 0], [1, 0, 0, 0, 0]),
    "hs": (kernels.LAYER_HS, 8, [7, 3, 1, 6], [0, 1, 1, 0]),
    "softmax": (kernels.LAYER_SOFTMAX, 9, [], []),
}


@pytest.mark.parametrize("n_hidden", [1, 3])
@pytest.mark.parametrize("name", list(BLOCK_CASES))
def test_output_block_updates_are_minus_alpha_times_the_gradient(name, n_hidden):
    layer, n_rows, targets, labels = BLOCK_CASES[name]
    gen = np.random.default_rng(n_hidden)
    dim, alpha, target = 5, 0.5, 2
    context_vectors = gen.normal(0, 0.6, (n_rows, dim)).astype(np.float32)
    hidden = gen.normal(0, 0.6, (n_hidden, dim)).astype(np.float32)

    grad_hidden, updated, loss = call_output_block(layer, context_vectors, hidden, target,
                                                   targets, labels, alpha)

    h64 = hidden.astype(np.float64)
    o64 = context_vectors.astype(np.float64)
    labels64 = np.asarray(labels, dtype=np.float64)
    f = lambda: block_loss(layer, o64, h64, target, targets, labels64)  # noqa: E731
    np.testing.assert_allclose(loss, f(), rtol=1e-5)
    np.testing.assert_allclose(grad_hidden, -alpha * numeric_gradient(f, h64),
                               rtol=FD_RTOL, atol=FD_ATOL)
    output_gradient = numeric_gradient(f, o64)
    np.testing.assert_allclose(updated - context_vectors, -alpha * output_gradient,
                               rtol=FD_RTOL, atol=FD_ATOL)
    # rows outside the block are untouched, bit for bit
    untouched = np.all(output_gradient == 0.0, axis=1)
    if layer != kernels.LAYER_SOFTMAX:
        assert untouched.any()
    assert np.array_equal(updated[untouched], context_vectors[untouched])
    assert np.abs(grad_hidden).max() > 1e-2   # a real step, far above the tolerance


def test_output_block_loss_stays_finite_when_the_sigmoid_saturates():
    """Huge scores with the 'wrong' label: the loss is large but finite (probability floor)."""
    context_vectors = np.full((2, 4), 10.0, dtype=np.float32)
    hidden = np.full((1, 4), 10.0, dtype=np.float32)          # score 400, label 0
    _, updated, loss = call_output_block(kernels.LAYER_NS, context_vectors, hidden, 0, [0, 1],
                                         [1, 0], 0.1)
    assert np.isfinite(loss) and loss > 20
    assert np.all(np.isfinite(updated))


def test_sigmoid_table_matches_the_exact_sigmoid():
    """The interpolated table inside +-SIGMOID_TABLE_RANGE and the exact branch outside
    agree with float64 to under 1e-6 everywhere (a few float32 ulps), are monotone, and
    stay in [0, 1]; NaN propagates so the driver's divergence check still sees it."""
    edge = kernels.SIGMOID_TABLE_RANGE
    xs = np.concatenate([np.linspace(-40, 40, 20001), np.linspace(-edge - 0.01, -edge + 0.01, 201),
                         np.linspace(edge - 0.01, edge + 0.01, 201),
                         np.nextafter(np.float32([-edge, edge]), np.float32(0))]).astype(np.float32)
    xs.sort()
    table = kernels.SIGMOID_TABLE
    got = np.array([kernels._sigmoid(x, table) for x in xs], dtype=np.float64)
    exact = 1.0 / (1.0 + np.exp(-xs.astype(np.float64)))
    assert np.abs(got - exact).max() < 1e-6
    assert np.all(np.diff(got) >= -1e-7)  # monotone up to float32 rounding
    assert got.min() >= 0.0 and got.max() <= 1.0
    assert np.isnan(kernels._sigmoid(np.float32("nan"), table))


# -- CBOW: every context row receives the full grad_h -----------------------------------

@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_cbow_adds_the_full_hidden_gradient_to_each_context_row(cbow_mean):
    """The C tool's (and gensim's) convention: for ``h = mean(W_in[c])`` the exact
    gradient of each context row is ``grad_h / n``, but each row receives all of ``grad_h``.

    Sentence ``[a, b, c]``, window 1, NS without negatives (no randomness): ``a`` and ``c``
    are contexts only of the middle example (centre ``b``), so their input rows change by
    exactly that example's ``grad_h``; being centres only updates output rows.
    """
    gen = np.random.default_rng(7)
    V, dim, alpha = 5, 4, 0.25
    a, b, c = 1, 3, 4
    word_vectors = gen.normal(0, 0.5, (V, dim)).astype(np.float32)
    context_vectors = gen.normal(0, 0.5, (V, dim)).astype(np.float32)
    before = word_vectors.copy()
    rng = np.array([99], dtype=np.uint64)
    scratch = kernels.Scratch(dim=dim, window=1, max_sentence_length=3, max_targets=1,
                              max_hidden=1)
    table = AliasTable(np.ones(V))
    kernels.train_chunk(
        word_vectors, context_vectors.copy(), np.array([a, b, c], np.int32),
        np.array([0, 3], np.int64), np.ones(V, np.float32), kernels.ARCH_CBOW,
        kernels.LAYER_NS, cbow_mean, 0, 1, 0, 0, table.threshold, table.alias,
        np.zeros((1, 1), np.int32), np.zeros((1, 1), np.uint8), np.zeros(1, np.int32),
        alpha, alpha, rng, *scratch.arrays())
    assert int(rng[0]) == 99                      # no draws were needed

    delta_a = word_vectors[a] - before[a]
    delta_c = word_vectors[c] - before[c]
    # the same vector to each context row (up to the float32 rounding of row + step)
    rounding = 2 * np.finfo(np.float32).eps * np.abs(word_vectors[[a, c]]).max()
    np.testing.assert_allclose(delta_a, delta_c, rtol=0, atol=rounding)

    # that vector is -alpha * dL/dh at h = mean (or sum) of the two context rows ...
    w = before.astype(np.float64)
    o_b = context_vectors[b].astype(np.float64)   # b's output row is untouched before
    scale = 0.5 if cbow_mean else 1.0

    def loss_of_rows():
        h = scale * (w[a] + w[c])
        return reference.sigmoid_loss(np.array([h @ o_b]), np.array([1.0]))

    h = scale * (w[a] + w[c])
    loss_of_hidden = lambda: reference.sigmoid_loss(np.array([h @ o_b]), np.array([1.0]))  # noqa: E731
    grad_h = -alpha * numeric_gradient(loss_of_hidden, h)
    np.testing.assert_allclose(delta_a, grad_h, rtol=FD_RTOL, atol=FD_ATOL)
    # ... which for the mean is n = 2 times the exact gradient of the row itself
    exact_row_step = -alpha * numeric_gradient(loss_of_rows, w)[a]
    np.testing.assert_allclose(delta_a, exact_row_step / scale, rtol=FD_RTOL, atol=FD_ATOL)


# -- the generator ----------------------------------------------------------------------

_SPLITMIX_A = 0x9E3779B97F4A7C15
_SPLITMIX_B = 0xBF58476D1CE4E5B9


def test_seed_rng_is_never_zero_even_for_the_seed_that_mixes_to_zero():
    # splitmix's finaliser is a bijection fixing 0, so the state is 0 exactly when
    # seed * A + (stream + 1) * B == 0 (mod 2**64); A is odd, so such a seed exists.
    bad_seed = (-_SPLITMIX_B * pow(_SPLITMIX_A, -1, 2**64)) % 2**64
    state = kernels.seed_rng(bad_seed, 0)
    assert state.dtype == np.uint64 and state.shape == (1,)
    assert int(state[0]) != 0
    for seed, stream in itertools.product(range(50), range(8)):
        assert int(kernels.seed_rng(seed, stream)[0]) != 0


def test_seed_rng_streams_differ_and_are_deterministic():
    states = {int(kernels.seed_rng(1, stream)[0]) for stream in range(256)}
    assert len(states) == 256
    assert int(kernels.seed_rng(1, 3)[0]) == int(kernels.seed_rng(1, 3)[0])
    assert int(kernels.seed_rng(1, 3)[0]) != int(kernels.seed_rng(2, 3)[0])
    one, two = kernels.seed_rng(1, 0), kernels.seed_rng(1, 1)
    draws_one = [kernels._next_u64(one) for _ in range(20)]
    draws_two = [kernels._next_u64(two) for _ in range(20)]
    assert set(draws_one).isdisjoint(draws_two)


def test_each_generator_state_has_a_cache_line_to_itself():
    states = [kernels.seed_rng(1, stream) for stream in range(4)]
    lines = {state.ctypes.data // kernels.MATRIX_ALIGN_BYTES for state in states}
    assert len(lines) == 4
    assert all(state.ctypes.data % kernels.MATRIX_ALIGN_BYTES == 0 for state in states)
    assert all(state.shape == (1,) and state.dtype == np.uint64 for state in states)


def test_generator_matches_the_python_replica():
    state = int(kernels.seed_rng(42, 5)[0])
    rng = np.array([state], dtype=np.uint64)
    replica = reference.XorShift64Star(state)
    for _ in range(300):
        assert int(kernels._next_u64(rng)) == replica.next_u64()
        assert kernels._next_float(rng) == replica.next_float()
        assert kernels._next_below(rng, 1_000_003) == replica.next_below(1_000_003)
        assert int(rng[0]) == replica.state


@pytest.mark.parametrize("n", [1, 2, 3, 7, 1000, 2**31 + 11, 2**32 - 1])
def test_next_below_stays_in_range(n):
    rng = kernels.seed_rng(11, n % 5)
    draws = np.array([kernels._next_below(rng, n) for _ in range(5000)])
    assert draws.min() >= 0 and draws.max() < n
    if n > 1:
        assert len(np.unique(draws)) > 1


#: A chi-square test fails by chance with this probability; small enough never to flake.
CHI2_FALSE_ALARM = 1e-6


def test_next_below_and_next_float_are_roughly_uniform():
    rng = kernels.seed_rng(2024, 0)
    bins, draws = 10, 100_000
    counts = np.bincount([kernels._next_below(rng, bins) for _ in range(draws)], minlength=bins)
    chi2 = ((counts - draws / bins) ** 2 / (draws / bins)).sum()
    assert chi2 < stats.chi2.ppf(1 - CHI2_FALSE_ALARM, bins - 1)
    floats = np.array([kernels._next_float(rng) for _ in range(20_000)])
    assert floats.min() >= 0.0 and floats.max() < 1.0
    counts = np.histogram(floats, bins=bins, range=(0.0, 1.0))[0]
    chi2 = ((counts - floats.size / bins) ** 2 / (floats.size / bins)).sum()
    assert chi2 < stats.chi2.ppf(1 - CHI2_FALSE_ALARM, bins - 1)


# -- reproducibility --------------------------------------------------------------------

@pytest.mark.parametrize("arch,layer,batch", [("skipgram", "ns", 1), ("cbow", "hs", 0),
                                              ("skipgram", "softmax", 0)])
def test_equal_inputs_and_rng_state_give_bit_identical_results(arch, layer, batch):
    p = make_problem(LAYERS[layer], seed=8, subsample=True)
    kw = dict(arch=ARCHS[arch], batch=batch, shrink=1, rng_state=777)
    first = run_kernel(p, **kw)
    second = run_kernel(p, **kw)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert first[2] == second[2] and first[3] == second[3]
    other = run_kernel(p, **{**kw, "rng_state": 778})   # another stream: other choices
    assert not np.array_equal(first[0], other[0])


# -- training learns --------------------------------------------------------------------

TOY_SENTENCES = ["the cat sat", "the dog sat", "a car drove", "a bus drove"]
TOY_GROUPS = [("the", "cat", "dog", "sat"), ("a", "car", "bus", "drove")]
#: How much closer (cosine) the interchangeable words must be than any cross-group pair.
PAIR_MARGIN = 0.3


def cosine_matrix(vectors):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit.T


@pytest.mark.parametrize("arch,layer", list(itertools.product(ARCHS, LAYERS)))
def test_training_brings_words_with_shared_contexts_together(arch, layer):
    words = sorted({w for s in TOY_SENTENCES for w in s.split()})
    index = {w: i for i, w in enumerate(words)}
    V, dim, chunks = len(words), 8, 300
    gen = np.random.default_rng(0)
    order = gen.permutation(np.tile(np.arange(len(TOY_SENTENCES)), 5))
    sentences = [[index[w] for w in TOY_SENTENCES[k].split()] for k in order]
    tokens = np.array([t for s in sentences for t in s], dtype=np.int32)
    starts = np.zeros(len(sentences) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sentences], out=starts[1:])
    counts = np.bincount(tokens, minlength=V)
    table = AliasTable.for_negative_sampling(counts)
    tree = HuffmanTree(counts)
    p = Problem(
        word_vectors=((gen.random((V, dim)) - 0.5) / dim).astype(np.float32),
        context_vectors=np.zeros((V - 1 if layer == "hs" else V, dim), dtype=np.float32),
        tokens=tokens, starts=starts, keep_prob=np.ones(V, np.float32), layer=LAYERS[layer],
        window=2, negative=3, alias_threshold=table.threshold, alias_index=table.alias,
        hs_points=tree.points, hs_codes=tree.codes, hs_lengths=tree.code_lengths,
        max_sentence_length=3)
    rng = kernels.seed_rng(0, 0)
    scratch = kernels.Scratch(dim=dim, window=p.window, max_sentence_length=3,
                              max_targets=p.max_targets(), max_hidden=1)
    start_alpha, end_alpha = 0.05, 0.0001
    losses = []
    for k in range(chunks):
        a0 = start_alpha + (end_alpha - start_alpha) * k / chunks
        a1 = start_alpha + (end_alpha - start_alpha) * (k + 1) / chunks
        loss, examples, _ = kernels.train_chunk(
            p.word_vectors, p.context_vectors, p.tokens, p.starts, p.keep_prob, ARCHS[arch],
            p.layer, 1, 0, p.window, 1, p.negative, p.alias_threshold, p.alias_index,
            p.hs_points, p.hs_codes, p.hs_lengths, a0, a1, rng, *scratch.arrays())
        losses.append(loss / examples)
    assert np.mean(losses[-20:]) < np.mean(losses[:20])

    cos = cosine_matrix(p.word_vectors.astype(np.float64))
    members = [[index[w] for w in g] for g in TOY_GROUPS]
    within = [cos[i, j] for g in members for i, j in itertools.combinations(g, 2)]
    across = [cos[i, j] for i in members[0] for j in members[1]]
    # the interchangeable pairs (same contexts: cat/dog, car/bus) end up much closer than
    # any cross-group pair (measured: cosine ~1.0 against at most ~0.6), and on average a
    # group is tighter than the cross pairs
    for x, y in [("cat", "dog"), ("car", "bus")]:
        assert cos[index[x], index[y]] > max(across) + PAIR_MARGIN, (x, y, max(across))
    assert np.mean(within) > np.mean(across)


# -- private copies of hot output rows (threads >= 2) -------------------------------------

def test_merge_private_rows_adds_this_threads_changes_to_the_shared_rows():
    gen = np.random.default_rng(5)
    matrix = gen.normal(size=(10, 4)).astype(np.float32)     # rows 0-5 shared, 6-9 copies
    lo, hi, first = 2, 4, 8
    snapshot = gen.normal(size=(2, 4)).astype(np.float32)    # shared rows when copied
    expected = matrix[lo:hi] + (matrix[first:first + 2] - snapshot)
    others = matrix[[0, 1, 4, 5, 6, 7]].copy()
    scratch = kernels.Scratch(dim=4, window=1, max_sentence_length=1, max_targets=1,
                              max_hidden=1)
    scratch.use_private_rows(lo, hi, first)
    kernels.merge_private_rows(matrix, scratch.hot_map, snapshot)
    np.testing.assert_allclose(matrix[lo:hi], expected, rtol=1e-6)
    assert np.array_equal(matrix[first:first + 2], matrix[lo:hi])
    assert np.array_equal(snapshot, matrix[lo:hi])
    assert np.array_equal(matrix[[0, 1, 4, 5, 6, 7]], others)


PRIVATE_CASES = [("generic", "ns", a) for a in ARCHS] + [("generic", "hs", a) for a in ARCHS] \
    + [("specialised", "ns", a) for a in ARCHS] + [("specialised", "hs", a) for a in ARCHS]


def fast_kernel(kernel: str, layer: str, arch: int, negative: int):
    """The generic kernel, or the one :func:`w2v.specialise.kernel_for` picks for the
    layer (the generated NS kernel, the register-blocked HS kernel)."""
    from w2v import specialise

    if kernel == "generic":
        return kernels.train_chunk
    chosen = specialise.kernel_for(arch=arch, layer=LAYERS[layer], negative=negative,
                                   batch_contexts=True)
    assert chosen is not kernels.train_chunk
    return chosen


@pytest.mark.parametrize("kernel,layer,arch", PRIVATE_CASES,
                         ids=[f"{k}-{a}-{l}" for k, l, a in PRIVATE_CASES])
def test_private_copies_of_hot_rows_train_like_the_shared_rows(kernel, layer, arch):
    """One thread training on private copies of half the output rows, merged after the
    chunk, ends where training on the shared rows does: the copies are read and written
    instead of the shared rows (the same draws, the same arithmetic), and the merge adds
    exactly their changes."""
    p = make_problem(LAYERS[layer], seed=11, vocab_size=17, subsample=True)
    code = ARCHS[arch]
    train = fast_kernel(kernel, layer, code, p.negative)
    batch = 1
    rows = p.context_vectors.shape[0]
    half = rows // 2
    lo, hi = (0, half) if layer == "ns" else (rows - half, rows)   # as the trainer picks

    def run(private):
        word_vectors = p.word_vectors.copy()
        matrix = np.vstack([p.context_vectors, p.context_vectors[lo:hi]]) if private \
            else p.context_vectors.copy()
        scratch = kernels.Scratch(dim=p.dim, window=p.window,
                                  max_sentence_length=p.max_sentence_length,
                                  max_targets=p.max_targets(), max_hidden=2 * p.window)
        if private:
            scratch.use_private_rows(lo, hi, rows)
        snapshot = p.context_vectors[lo:hi].copy()
        rng = np.array([777], dtype=np.uint64)
        result = train(word_vectors, matrix, p.tokens, p.starts, p.keep_prob, code,
                       p.layer, 1, batch, p.window, 1, p.negative, p.alias_threshold,
                       p.alias_index, p.hs_points, p.hs_codes, p.hs_lengths, 0.05, 0.01,
                       rng, *scratch.arrays())
        if private:
            untouched = matrix[lo:hi].copy()
            assert np.array_equal(untouched, p.context_vectors[lo:hi])  # only copies moved
            kernels.merge_private_rows(matrix, scratch.hot_map, snapshot)
        return word_vectors, matrix[:rows], result, int(rng[0])

    w, c, (loss, examples, _), state = run(private=False)
    pw, pc, (ploss, pexamples, _), pstate = run(private=True)
    assert (pexamples, pstate) == (examples, state)
    assert not np.allclose(c[lo:hi], p.context_vectors[lo:hi])   # the hot rows did train
    np.testing.assert_allclose(pw, w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pc, c, rtol=1e-5, atol=1e-6)
    assert ploss == pytest.approx(loss, rel=1e-6)


# -- padded, aligned matrices (the trainer's layout) -------------------------------------

@pytest.mark.parametrize("dim,width", [(1, 8), (6, 8), (8, 8), (100, 104), (101, 104)])
def test_padded_copy_is_aligned_and_zero_padded(dim, width):
    matrix = np.random.default_rng(dim).standard_normal((5, dim)).astype(np.float32)
    padded = kernels.padded_copy(matrix, rows=7)
    assert kernels.padded_width(dim) == width
    assert padded.shape == (7, width) and padded.dtype == np.float32
    assert padded.flags.c_contiguous
    assert padded.ctypes.data % kernels.MATRIX_ALIGN_BYTES == 0
    assert np.array_equal(padded[:5, :dim], matrix)
    assert not padded[5:].any() and not padded[:, dim:].any()
    assert padded.base.size * 4 - (padded.ctypes.data - padded.base.ctypes.data) \
        - padded.nbytes >= kernels.MATRIX_ALIGN_BYTES    # a cache line of its own at the end


PADDED_CASES = [("generic", l, a) for l in LAYERS for a in ARCHS] \
    + [("specialised", l, a) for l in ("ns", "hs") for a in ARCHS]


@pytest.mark.parametrize("kernel,layer,arch", PADDED_CASES,
                         ids=[f"{k}-{a}-{l}" for k, l, a in PADDED_CASES])
def test_kernels_on_padded_matrices_train_the_same_model(kernel, layer, arch):
    """The trainer runs the kernels on padded copies (rows of 8 floats at dim 6): the
    zero columns stay zero and the real columns train as on the plain matrices."""
    p = make_problem(LAYERS[layer], seed=5, vocab_size=17, subsample=True)
    code = ARCHS[arch]
    train = fast_kernel(kernel, layer, code, p.negative)

    def run(pad):
        word_vectors, matrix = p.word_vectors.copy(), p.context_vectors.copy()
        if pad:
            word_vectors, matrix = kernels.padded_copy(word_vectors), kernels.padded_copy(matrix)
        scratch = kernels.Scratch(dim=word_vectors.shape[1], window=p.window,
                                  max_sentence_length=p.max_sentence_length,
                                  max_targets=p.max_targets(), max_hidden=2 * p.window)
        rng = np.array([99], dtype=np.uint64)
        result = train(word_vectors, matrix, p.tokens, p.starts, p.keep_prob, code,
                       p.layer, 1, 1, p.window, 1, p.negative, p.alias_threshold,
                       p.alias_index, p.hs_points, p.hs_codes, p.hs_lengths, 0.05, 0.01,
                       rng, *scratch.arrays())
        return word_vectors, matrix, result, int(rng[0])

    w, c, (loss, examples, _), state = run(pad=False)
    pw, pc, (ploss, pexamples, _), pstate = run(pad=True)
    assert pw.shape[1] == 8 and (pexamples, pstate) == (examples, state)
    assert not pw[:, p.dim:].any() and not pc[:, p.dim:].any()
    assert not np.allclose(c, p.context_vectors)     # it did train
    np.testing.assert_allclose(pw[:, :p.dim], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pc[:, :p.dim], c, rtol=1e-5, atol=1e-6)
    assert ploss == pytest.approx(loss, rel=1e-6)


# -- distinct arrays (noalias) -------------------------------------------------------------

def test_kernel_compiler_marks_array_arguments_noalias():
    """The flag reaches LLVM on this Numba: without it the kernels fall back to runtime
    overlap checks before every vectorised pass (correct, but slower)."""
    import numba as nb

    def add_rows(a, b):
        for i in range(a.shape[0]):
            a[i] += b[i]

    plain = nb.njit(add_rows)
    distinct = nb.njit(pipeline_class=kernels.KernelCompiler)(add_rows)
    a, b = np.zeros(4, np.float32), np.ones(4, np.float32)
    plain(a, b)
    distinct(a, b)
    np.testing.assert_array_equal(a, 2.0)

    def defines(dispatcher):
        ir = next(iter(dispatcher.inspect_llvm().values()))
        line = next(s for s in ir.splitlines()
                    if s.startswith("define") and "add_rows" in s and "cpython" not in s)
        return line.count("noalias")

    # both mark the return and exception pointers; only the flag marks the arrays'
    assert defines(distinct) > defines(plain)


def test_every_training_kernel_is_compiled_with_distinct_arrays():
    from w2v import hs_kernel, specialise
    uncounted = [kernels.train_chunk, hs_kernel.train_chunk_skipgram,
                 hs_kernel.train_chunk_cbow]
    counted = [specialise.ns_kernel(kernels.ARCH_SKIPGRAM, 5),
               specialise.ns_kernel(kernels.ARCH_CBOW, 5)]
    for kernel in uncounted + counted:
        assert issubclass(kernel._compiler.pipeline_class, kernels.KernelCompiler)
    for kernel in uncounted:
        assert kernel._compiler.pipeline_class is kernels.UncountedKernelCompiler


def test_uncounted_compiler_leaves_out_reference_counting():
    """Passing an array to an inlined helper inside a loop, as the kernels do: with
    reference counting Numba calls NRT_incref/NRT_decref around it (atomic adds) and
    LLVM keeps them; without it there are none, and the result is the same."""
    import numba as nb

    @nb.njit(inline="always")
    def add_row(a, b, i):
        for k in range(a.shape[1]):
            a[i, k] += b[i, k]

    def add_rows(a, b):
        for i in range(a.shape[0]):
            add_row(a, b, i)

    counted = nb.njit(pipeline_class=kernels.KernelCompiler)(add_rows)
    uncounted = nb.njit(pipeline_class=kernels.UncountedKernelCompiler)(add_rows)
    a, b = np.zeros((3, 4), np.float32), np.ones((3, 4), np.float32)
    counted(a, b)
    uncounted(a, b)
    np.testing.assert_array_equal(a, 2.0)

    def refcount_calls(dispatcher):
        ir = next(iter(dispatcher.inspect_llvm().values()))
        return sum(1 for line in ir.splitlines()
                   if "call" in line and ("NRT_incref" in line or "NRT_decref" in line))

    assert refcount_calls(counted) > 0
    assert refcount_calls(uncounted) == 0


def test_uncounted_compiler_refuses_a_kernel_that_allocates():
    """Without reference counting an allocation cannot compile: a kernel that allocated
    fails loudly at its first call rather than leaking or freeing early."""
    import numba as nb
    from numba.core.errors import TypingError

    def scratch_sum(n):
        return np.zeros(n).sum()

    with pytest.raises(TypingError):
        nb.njit(pipeline_class=kernels.UncountedKernelCompiler)(scratch_sum)(3)
