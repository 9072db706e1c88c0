r"""The hierarchical-softmax training kernel, register-blocked.

Hierarchical softmax trains, for each centre word, the inner nodes on its Huffman path:
about 12 per kept word on the 17M-word corpus (frequent words have short paths, but
subsampling thins them), twice the 1 + 5 rows of negative sampling. For batched
skip-gram one centre's work is three small matrix products of the block ``H`` of its
n context rows (n x D) with the block ``O`` of its L path nodes (L x D)::

    S = H O^T                      scores, n x L
    G = alpha * (Y - sig(S))       errors (Y: labels 1 - code, the same for every row)
    W_in[c_r] += (G O)[r]          with the old O, as the C tool
    O += G^T H                     with the old H

(the same SGD step as :mod:`w2v.kernels` derives: ``dL/ds = sig(s) - y``). The generic
kernel computes these one or two rows at a time, so every output row loaded from memory
feeds one or two multiply-adds per float. This kernel tiles each product: a pass over
the dimension handles two context rows against four path nodes (eight accumulators for
the scores; two input rows updated from four path nodes; two path nodes updated from
four context rows), so each loaded vector feeds two to four multiply-adds and the
loads, not the arithmetic, stop being the limit. CBOW has one hidden vector: its
scores take four path nodes per pass and its update two (read each node once for
``grad_h += g o`` and ``o += g h``), and its sum of the context rows takes two rows per
pass, the first pass writing the sum: instructions per word 2,920 -> 2,824 (session 11).

:func:`train_chunk_skipgram` and :func:`train_chunk_cbow` are :func:`w2v.kernels.train_chunk`
restricted to hierarchical softmax with batched skip-gram or with CBOW, with the same
signature (the architecture, the negative-sampling arguments and ``layer`` /
``batch_contexts`` are ignored) and the same semantics: the same random draws in the
same order and the same updates; only the order of float additions differs, so results
equal the generic kernel's to rounding (``tests/test_hs_kernel.py``).

They are one body compiled twice (:func:`_make_kernel`), each with its architecture as
a constant, because one kernel for both made every first call compile both: 7.7 s
(skip-gram) and 7.8 s (CBOW) against 5.4 s and 3.5 s now (medians of 3, empty caches,
in a slow spell of the machine where the generated skip-gram NS kernel took 5.6 s;
session 10, ``RESULTS.md``). Their machine code is the same as before to within 2 % of
instructions, and the vectors they train are bit-identical.

Measured on the 2-core machine against the generic kernel: in the trainer (17M words,
one epoch, two threads, medians of 3, ``benchmarks/fast_kernels.py``) skip-gram HS x1.47
(1.08M -> 1.58M words/s) and CBOW HS x1.26 (3.28M -> 4.12M); kernels called directly
on plain matrices (2M words, one thread, ``benchmarks/specialised_kernels.py``) x1.35
and x1.22. Prefetching the next centre's path measured no faster: the nodes near the
root, on every path, stay in cache anyway.

The error step (sigmoid, loss, ``g``) takes a loop with no calls for each row whose scores
all lie inside the sigmoid table (:func:`w2v.kernels._inside_table`, a vectorised check)
and whose path is at most LOG_BATCH nodes: that is nearly every row. The loop behind it,
which handles saturated scores (``expf``) and may log the loss at any score, makes calls,
so LLVM reloaded its constants and spilled registers at every score. The call-free loop
LLVM vectorises, eight scores a pass (the rest one at a time): skip-gram HS's error step
went from 45 instructions per score to about 20. Row indices are read as unsigned, which
drops Numba's wrap-around code for negative indices. Both changes leave the trained vectors
bit-identical; the loss differs in the last bits, from the order of its products. Measured
in session 9 (``RESULTS.md``):
instructions per word skip-gram HS 11,340 -> 9,966 and CBOW HS 3,205 -> 2,954; the
kernels alone (2M words, one thread, medians of 5) x1.073 and x1.050, against x0.979
and x0.993 for an unchanged copy.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .kernels import (ARCH_CBOW, FASTMATH, LOG_BATCH, MIN_PROBABILITY,
                      UncountedKernelCompiler, _alpha_at, _inside_table, _sigmoid, _subsample,
                      _table_sigmoid, _update_one_hidden, _window, private_row)

__all__ = ["train_chunk_skipgram", "train_chunk_cbow", "train_chunk_for"]

#: The loss multiplies the predicted probabilities of the labels and takes one log of
#: the product once it falls below this floor, before the next factor. A row's factors
#: number at most LOG_BATCH (longer paths take the other loop, which checks before each
#: factor) and each is at least MIN_PROBABILITY, so they multiply to at least 1e-288 and
#: the product never drops under 1e-303, inside float64's normal range (2.2e-308). An
#: HS row's probabilities multiply to about 1e-3..1e-6, so the kernel takes one log per
#: three to five rows, where counting LOG_BATCH factors took one per 1.4 (skip-gram HS:
#: 3.2 calls of ``log`` per corpus word -> under 1; kernel alone x1.02 and x1.048 against
#: x0.992 for an unchanged copy, session 11). Only the loss's rounding changes.
_PRODUCT_FLOOR = 1e-15
_ZERO = np.float32(0.0)
_ONE = np.float32(1.0)


#: Row indices are read as unsigned (never negative here): Numba then leaves out the
#: wrap-around code for negative indices at every use. A plain conversion, not
#: a helper: every call of an ``inline="always"`` function is typed again when the kernel
#: compiles (18 of them cost about 0.2 s of the first call).
_U = np.uint64


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _scores(hidden, r, pair, context_vectors, targets, n_targets, scores):
    """``scores[r, t]`` and ``scores[pair, t]`` = hidden row . node ``targets[t]`` for
    every t: four nodes per pass over the dimension, each loaded node used for both
    hidden rows (``pair == r`` computes one row, twice)."""
    dim = hidden.shape[1]
    t = 0
    while t + 3 < n_targets:
        a, b, c, e = _U(targets[t]), _U(targets[t + 1]), _U(targets[t + 2]), _U(targets[t + 3])
        sa = _ZERO
        sb = _ZERO
        sc = _ZERO
        se = _ZERO
        ua = _ZERO
        ub = _ZERO
        uc = _ZERO
        ue = _ZERO
        for d in range(dim):
            h = hidden[r, d]
            k = hidden[pair, d]
            oa = context_vectors[a, d]
            ob = context_vectors[b, d]
            oc = context_vectors[c, d]
            oe = context_vectors[e, d]
            sa += h * oa
            sb += h * ob
            sc += h * oc
            se += h * oe
            ua += k * oa
            ub += k * ob
            uc += k * oc
            ue += k * oe
        scores[r, t] = sa
        scores[r, t + 1] = sb
        scores[r, t + 2] = sc
        scores[r, t + 3] = se
        scores[pair, t] = ua
        scores[pair, t + 1] = ub
        scores[pair, t + 2] = uc
        scores[pair, t + 3] = ue
        t += 4
    while t < n_targets:
        a = _U(targets[t])
        sa = _ZERO
        ua = _ZERO
        for d in range(dim):
            oa = context_vectors[a, d]
            sa += hidden[r, d] * oa
            ua += hidden[pair, d] * oa
        scores[r, t] = sa
        scores[pair, t] = ua
        t += 1


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _single_scores(hidden, context_vectors, targets, n_targets, scores):
    """``scores[0, t]`` for CBOW's one hidden vector: four nodes per pass."""
    dim = hidden.shape[1]
    t = 0
    while t + 3 < n_targets:
        a, b, c, e = _U(targets[t]), _U(targets[t + 1]), _U(targets[t + 2]), _U(targets[t + 3])
        sa = _ZERO
        sb = _ZERO
        sc = _ZERO
        se = _ZERO
        for d in range(dim):
            h = hidden[0, d]
            sa += h * context_vectors[a, d]
            sb += h * context_vectors[b, d]
            sc += h * context_vectors[c, d]
            se += h * context_vectors[e, d]
        scores[0, t] = sa
        scores[0, t + 1] = sb
        scores[0, t + 2] = sc
        scores[0, t + 3] = se
        t += 4
    while t < n_targets:
        a = _U(targets[t])
        sa = _ZERO
        for d in range(dim):
            sa += hidden[0, d] * context_vectors[a, d]
        scores[0, t] = sa
        t += 1


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _input_rows_update(word_vectors, row, other, r, context_vectors, targets, n_targets,
                       scores):
    """``W_in[row] += sum_t scores[r, t] o_t`` and ``W_in[other] += sum_t
    scores[r + 1, t] o_t`` (old nodes): four nodes per pass, each used for both rows
    (``other == row`` adds both sums to the row)."""
    dim = word_vectors.shape[1]
    row = _U(row)
    other = _U(other)
    t = 0
    while t + 3 < n_targets:
        a, b, c, e = _U(targets[t]), _U(targets[t + 1]), _U(targets[t + 2]), _U(targets[t + 3])
        ga, gb, gc, ge = scores[r, t], scores[r, t + 1], scores[r, t + 2], scores[r, t + 3]
        ka, kb = scores[r + 1, t], scores[r + 1, t + 1]
        kc, ke = scores[r + 1, t + 2], scores[r + 1, t + 3]
        for d in range(dim):
            oa = context_vectors[a, d]
            ob = context_vectors[b, d]
            oc = context_vectors[c, d]
            oe = context_vectors[e, d]
            word_vectors[row, d] += ga * oa + gb * ob + gc * oc + ge * oe
            word_vectors[other, d] += ka * oa + kb * ob + kc * oc + ke * oe
        t += 4
    while t < n_targets:
        a = _U(targets[t])
        ga = scores[r, t]
        ka = scores[r + 1, t]
        for d in range(dim):
            oa = context_vectors[a, d]
            word_vectors[row, d] += ga * oa
            word_vectors[other, d] += ka * oa
        t += 1


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _input_row_update(word_vectors, row, r, context_vectors, targets, n_targets, scores):
    """``W_in[row] += sum_t scores[r, t] o_t`` (old nodes), four nodes per pass."""
    dim = word_vectors.shape[1]
    row = _U(row)
    t = 0
    while t + 3 < n_targets:
        a, b, c, e = _U(targets[t]), _U(targets[t + 1]), _U(targets[t + 2]), _U(targets[t + 3])
        ga, gb, gc, ge = scores[r, t], scores[r, t + 1], scores[r, t + 2], scores[r, t + 3]
        for d in range(dim):
            word_vectors[row, d] += (ga * context_vectors[a, d] + gb * context_vectors[b, d]
                                     + gc * context_vectors[c, d] + ge * context_vectors[e, d])
        t += 4
    while t < n_targets:
        a = _U(targets[t])
        ga = scores[r, t]
        for d in range(dim):
            word_vectors[row, d] += ga * context_vectors[a, d]
        t += 1


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _node_update(context_vectors, node, other, t, hidden, n_hidden, scores):
    """``o_node += sum_r scores[r, t] h_r`` and ``o_other += sum_r scores[r, t + 1] h_r``
    (two different nodes of one path): four hidden rows per pass (then two, then one),
    each used for both nodes."""
    dim = hidden.shape[1]
    node_row = _U(node)
    other_row = _U(other)
    u = t + 1
    r = 0
    while r + 3 < n_hidden:
        ga, gb, gc, ge = scores[r, t], scores[r + 1, t], scores[r + 2, t], scores[r + 3, t]
        ka, kb, kc, ke = scores[r, u], scores[r + 1, u], scores[r + 2, u], scores[r + 3, u]
        for d in range(dim):
            h0 = hidden[r, d]
            h1 = hidden[r + 1, d]
            h2 = hidden[r + 2, d]
            h3 = hidden[r + 3, d]
            context_vectors[node_row, d] += ga * h0 + gb * h1 + gc * h2 + ge * h3
            context_vectors[other_row, d] += ka * h0 + kb * h1 + kc * h2 + ke * h3
        r += 4
    # two rows left (2, 6 or 10 contexts: most windows, as shrunk windows hold 2b
    # contexts): one pass for both, not one each
    if r + 1 < n_hidden:
        ga, gb = scores[r, t], scores[r + 1, t]
        ka, kb = scores[r, u], scores[r + 1, u]
        for d in range(dim):
            h0 = hidden[r, d]
            h1 = hidden[r + 1, d]
            context_vectors[node_row, d] += ga * h0 + gb * h1
            context_vectors[other_row, d] += ka * h0 + kb * h1
        r += 2
    if r < n_hidden:
        ga = scores[r, t]
        ka = scores[r, u]
        for d in range(dim):
            h0 = hidden[r, d]
            context_vectors[node_row, d] += ga * h0
            context_vectors[other_row, d] += ka * h0


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _last_node_update(context_vectors, node, t, hidden, n_hidden, scores):
    """``o_node += sum_r scores[r, t] h_r`` for the last node of an odd path: four
    hidden rows per pass (then two, then one), as :func:`_node_update` for one node. A
    function of its own rather than a runtime flag in that one, which made the kernel
    inline and compile both variants at both calls."""
    dim = hidden.shape[1]
    node_row = _U(node)
    r = 0
    while r + 3 < n_hidden:
        ga, gb, gc, ge = scores[r, t], scores[r + 1, t], scores[r + 2, t], scores[r + 3, t]
        for d in range(dim):
            context_vectors[node_row, d] += (ga * hidden[r, d] + gb * hidden[r + 1, d]
                                             + gc * hidden[r + 2, d] + ge * hidden[r + 3, d])
        r += 4
    if r + 1 < n_hidden:
        ga, gb = scores[r, t], scores[r + 1, t]
        for d in range(dim):
            context_vectors[node_row, d] += ga * hidden[r, d] + gb * hidden[r + 1, d]
        r += 2
    if r < n_hidden:
        ga = scores[r, t]
        for d in range(dim):
            context_vectors[node_row, d] += ga * hidden[r, d]


def _make_kernel(cbow):
    """The kernel for one architecture: ``cbow`` is a constant of the closure, so Numba
    prunes the other architecture's branches before it types and compiles the body, and
    a first call compiles only what its architecture runs (see the module's doc). Numba's
    disk cache keys each kernel by its closure's contents as well, so both are cached."""

    @nb.njit(nogil=True, cache=True, fastmath=FASTMATH,
             pipeline_class=UncountedKernelCompiler)
    def train_chunk(word_vectors, context_vectors, tokens, sentence_starts, keep_prob,
                    arch, layer, cbow_mean, batch_contexts, window, shrink_windows, negative,
                    alias_threshold, alias_index, hs_points, hs_codes, hs_lengths,
                    alpha_start, alpha_end, rng,
                    kept, contexts, targets, labels, hidden, grad_hidden, scores, hot_map,
                    sigmoid_table):
        """Train hierarchical softmax on one chunk of sentences; returns ``(loss, examples,
        words)``. Arguments as :func:`w2v.kernels.train_chunk` (``arch``, ``layer``,
        ``batch_contexts`` and the negative-sampling ones are ignored: the architecture
        is the kernel's own, and skip-gram is always batched)."""
        n_tokens = tokens.shape[0]
        dim = word_vectors.shape[1]
        loss = 0.0
        product = 1.0   # probabilities not yet logged, over words (see _PRODUCT_FLOOR)
        examples = 0
        span = max(n_tokens - 1, 1)
        for sent in range(sentence_starts.shape[0] - 1):
            start = sentence_starts[sent]
            stop = sentence_starts[sent + 1]
            n = _subsample(tokens, start, stop, keep_prob, rng, kept)
            if n < 2:
                continue
            for i in range(n):
                alpha = _alpha_at(alpha_start, alpha_end, start, stop, i, n, span)
                centre = kept[i]
                n_ctx = _window(kept, n, i, window, shrink_windows, rng, contexts)
                if n_ctx == 0:
                    continue
                # the centre's path: nodes (this thread's copies of hot ones) and labels
                n_t = hs_lengths[centre]
                for t in range(n_t):
                    targets[t] = private_row(hs_points[centre, t], hot_map)
                    labels[t] = _ONE - hs_codes[centre, t]
                if cbow:
                    # h = the sum of the context rows, two rows per pass (the first pass
                    # writes h, so there is no copy of the first row and no zeroing)
                    n_hidden = 1
                    row = _U(contexts[0])
                    if n_ctx == 1:
                        for d in range(dim):
                            hidden[0, d] = word_vectors[row, d]
                        c = 1
                    else:
                        other = _U(contexts[1])
                        for d in range(dim):
                            hidden[0, d] = word_vectors[row, d] + word_vectors[other, d]
                        c = 2
                    while c + 1 < n_ctx:
                        row = _U(contexts[c])
                        other = _U(contexts[c + 1])
                        for d in range(dim):
                            hidden[0, d] += word_vectors[row, d] + word_vectors[other, d]
                        c += 2
                    if c < n_ctx:
                        row = _U(contexts[c])
                        for d in range(dim):
                            hidden[0, d] += word_vectors[row, d]
                    if cbow_mean:
                        scale = _ONE / np.float32(n_ctx)
                        for d in range(dim):
                            hidden[0, d] *= scale
                    _single_scores(hidden, context_vectors, targets, n_t, scores)
                else:
                    n_hidden = n_ctx
                    for r in range(n_ctx):
                        row = _U(contexts[r])
                        for d in range(dim):
                            hidden[r, d] = word_vectors[row, d]
                    r = 0
                    while r < n_ctx:
                        _scores(hidden, r, min(r + 1, n_ctx - 1), context_vectors, targets, n_t,
                                scores)
                        r += 2
                # errors g = alpha (y - sig(s)); loss -log sig(s) (label 1) or -log
                # sig(-s), the probabilities' product logged once it falls below
                # _PRODUCT_FLOOR. Kept in the kernel: as a helper shared by both kernels it
                # measured x0.87. A row whose scores all lie inside the sigmoid table
                # (nearly every row) takes a loop with no calls: no expf for saturated
                # scores and no log inside it, so LLVM keeps its constants in registers and
                # vectorises it (see the module's doc).
                for r in range(n_hidden):
                    if n_t <= LOG_BATCH and _inside_table(scores, r, n_t):
                        if product < _PRODUCT_FLOOR:
                            loss -= math.log(product)
                            product = 1.0
                        for t in range(n_t):
                            out = _table_sigmoid(scores[r, t], sigmoid_table)
                            p_label = out if labels[t] > 0.5 else _ONE - out
                            product *= max(p_label, MIN_PROBABILITY)
                            scores[r, t] = np.float32(alpha * (labels[t] - out))
                        continue
                    for t in range(n_t):   # a saturated score, a NaN, or a very long path
                        out = _sigmoid(scores[r, t], sigmoid_table)
                        p_label = out if labels[t] > 0.5 else _ONE - out
                        if product < _PRODUCT_FLOOR:
                            loss -= math.log(product)
                            product = 1.0
                        product *= max(p_label, MIN_PROBABILITY)
                        scores[r, t] = np.float32(alpha * (labels[t] - out))
                if cbow:
                    # grad_h += g_t o_t (old o_t) and o_t += g_t h, one pass per two nodes
                    for d in range(dim):
                        grad_hidden[0, d] = 0.0
                    _update_one_hidden(context_vectors, hidden, grad_hidden, targets, n_t,
                                       scores, False)
                    for c in range(n_ctx):
                        row = _U(contexts[c])
                        for d in range(dim):
                            word_vectors[row, d] += grad_hidden[0, d]
                    examples += 1
                else:
                    # W_in[c_r] += sum_t g_rt o_t (old nodes): two context rows per pass (a
                    # word twice in the window is the same row twice: the second += reads
                    # the first's result, as two separate passes would)
                    r = 0
                    while r + 1 < n_ctx:
                        _input_rows_update(word_vectors, contexts[r], contexts[r + 1], r,
                                           context_vectors, targets, n_t, scores)
                        r += 2
                    while r < n_ctx:
                        _input_row_update(word_vectors, contexts[r], r, context_vectors,
                                          targets, n_t, scores)
                        r += 1
                    # o_t += sum_r g_rt h_r (old input rows, kept in hidden): two nodes per pass
                    t = 0
                    while t + 1 < n_t:
                        _node_update(context_vectors, targets[t], targets[t + 1], t, hidden,
                                     n_ctx, scores)
                        t += 2
                    if t < n_t:
                        _last_node_update(context_vectors, targets[t], t, hidden, n_ctx, scores)
                    examples += n_ctx
        loss -= math.log(product)
        return loss, examples, n_tokens
    return train_chunk


#: Batched skip-gram with hierarchical softmax.
train_chunk_skipgram = _make_kernel(False)
#: CBOW with hierarchical softmax.
train_chunk_cbow = _make_kernel(True)


def train_chunk_for(arch):
    """The kernel for architecture ``arch`` (``kernels.ARCH_SKIPGRAM`` or ``ARCH_CBOW``)."""
    return train_chunk_cbow if arch == ARCH_CBOW else train_chunk_skipgram
