r"""The training kernels (Numba), compiled once and cached on disk.

Kernels take plain NumPy arrays and scalars only; the Python driver in
:mod:`w2v.model` validates parameters, owns epochs, the learning-rate schedule, threads
and progress, and hands each thread chunks of sentences (token ids).

The design follows the network the word2vec papers draw, with two weight matrices:

* ``word_vectors`` (``W_in``, V x D): row ``w`` is the *input* vector of word ``w``;
* ``context_vectors`` (``W_out``, V x D; for hierarchical softmax the (V - 1) x D
  inner-node vectors): row ``c`` is the *output* vector of ``c``.

Architectures and output layers compose. An **architecture** decides which input rows
form the hidden vector(s) ``h`` and who predicts whom:

* skip-gram: each context word's input vector ``h = W_in[c]`` predicts the centre word
  (the C tool's order; predicting context from centre is the same set of pairs);
* CBOW: ``h`` = mean (or sum) of the context words' input vectors predicts the centre.

An **output layer** turns "predict ``target`` from ``h``" into a set of output rows
``o_t`` with labels ``y_t`` and an error per row, all through one shared block update
(:func:`_output_block`):

* negative sampling: rows ``{target} + k`` words drawn from unigram^0.75, labels 1, 0..0;
* hierarchical softmax: the inner nodes on the target's Huffman path, labels
  ``1 - code``;
* full softmax: every word, label 1 for the target.

Gradients (derived here once, used by :func:`_output_block`). With score
``s_t = h . o_t``:

* sigmoid layers (NS, HS): the loss is ``L = -sum_t [y_t log sig(s_t) + (1 - y_t)
  log sig(-s_t)]``, so ``dL/ds_t = sig(s_t) - y_t``;
* softmax: ``L = -log p_target`` with ``p = softmax(s)``, so ``dL/ds_t = p_t - y_t``
  (``y`` one-hot) -- the seed documents' "error = target - output".

Either way, writing ``g_t = alpha * (y_t - out_t)`` (the negative gradient times the
learning rate), ``dL/dh = -sum_t g_t o_t / alpha`` and ``dL/do_t = -g_t h / alpha``, so
one SGD step is::

    grad_h = sum_t g_t * o_t          (with the *old* o_t, as the C tool)
    o_t   += g_t * h
    W_in[c] += grad_h                 for every input row c behind h

For CBOW-mean, ``h = mean(W_in[c])`` makes the exact gradient of each ``W_in[c]``
``grad_h / n``; like the C tool and gensim we add the full ``grad_h`` to each context
row (a larger effective learning rate for the input vectors). Tests check the kernels
against a NumPy reference of these formulas and the formulas against finite
differences.

**Batched skip-gram** (``batch_contexts=1``, Ji et al. 2016, "HogBatch"): all context
words of one centre share one draw of negatives, so their hidden vectors form a small
(n_contexts x D) block scored against the same (1 + k) output rows at once. For HS and
softmax the output rows are the same for every context anyway, so batching changes
only the order of updates; for NS it also shares the negatives.

Randomness: one xorshift64* generator per thread (state in a one-element uint64
array), all arithmetic in uint64.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.compiler import Compiler
from numba.extending import intrinsic

__all__ = [
    "ARCH_SKIPGRAM", "ARCH_CBOW", "LAYER_NS", "LAYER_HS", "LAYER_SOFTMAX",
    "train_chunk", "seed_rng", "Scratch", "padded_copy", "padded_width",
]

ARCH_SKIPGRAM = 0
ARCH_CBOW = 1
LAYER_NS = 0
LAYER_HS = 1
LAYER_SOFTMAX = 2

#: Scores are clipped to +-MAX_SCORE inside exp() so sigmoid/log never overflow;
#: sig(30) = 1 - 1e-13, far below float32 resolution.
MAX_SCORE = 30.0

#: Floor of a predicted probability inside log(): keeps the loss finite when the
#: sigmoid saturates. It caps one prediction's loss at 27.6 nats, reached only by
#: scores beyond -27.6 (sig(-27.6) = 1e-12), which trained models do not produce.
MIN_PROBABILITY = 1e-12
#: Probabilities multiplied before one log() in the loss: 24 factors >= 1e-12 stay
#: above 1e-288, inside float64's normal range (2.2e-308). log() was 6 % of the
#: skip-gram NS kernel's time (perf, one log per 6 factors); this takes 4x fewer.
LOG_BATCH = 24
#: Fast-math flags for the float loops: reassociation lets LLVM vectorise the dot
#: products over the dimension (measured: the kernel's main cost); no 'nnan'/'ninf',
#: so a diverging run still produces a NaN loss that the driver detects.
FASTMATH = {"reassoc", "contract", "arcp", "nsz", "afn"}


class KernelCompiler(Compiler):
    """Numba's compiler for the training kernels: no two array arguments share memory.

    Every array argument is marked ``noalias`` for LLVM. The driver allocates each
    matrix and scratch buffer separately. Without that promise LLVM must assume that a
    store into ``word_vectors[row]`` may change a row of ``context_vectors``, so before
    every vectorised update pass it checks at run time that the stored row overlaps none
    of the rows the pass reads, and the checks cost nearly as many instructions as the
    pass itself. Numba has no public option for this; its ``noalias`` flag (which
    parallel loops use internally) is set here. Measured in session 9 (``RESULTS.md``):
    instructions per word (``benchmarks/kernel_instructions.py``) skip-gram NS 5,491 ->
    4,630, CBOW NS 1,930 -> 1,826, skip-gram HS 12,593 -> 11,340, CBOW HS 3,482 -> 3,205;
    the kernels alone, one thread, 2M words, medians of 5 alternating: x1.064, x1.023,
    x1.051, x1.013; trained vectors bit-identical.

    Use it as ``@nb.njit(..., pipeline_class=KernelCompiler)``.
    """

    #: Whether Numba counts references to arrays (see :class:`UncountedKernelCompiler`).
    counts_references = True

    def __init__(self, typingctx, targetctx, library, args, return_type, flags, locals):
        flags.noalias = True
        if not self.counts_references:
            flags.nrt = False
        super().__init__(typingctx, targetctx, library, args, return_type, flags, locals)


class UncountedKernelCompiler(KernelCompiler):
    """:class:`KernelCompiler` without reference counting, for kernels that allocate
    no arrays (Numba's ``nrt`` flag off, as the jit option ``_nrt=False``).

    A kernel only reads and writes the arrays its caller passes, and the caller holds them
    for the whole call. With counting on, Numba increments and decrements an array's count
    each time the kernel passes it to an inlined helper, and LLVM's pruning of those pairs
    misses the ones around loops. The skip-gram HS kernel made about 29 such calls per
    corpus word and the CBOW one about 7.5; each is an atomic (``lock``-prefixed) add,
    which waits until the thread's pending stores have reached the cache. The
    negative-sampling kernels made almost none, and the generated skip-gram one allocates
    its block of negatives per chunk, so they keep counting. A kernel compiled with this
    class that allocated an array would fail to compile, not misbehave.

    Measured in session 11 (``RESULTS.md``), the HS kernels: calls per word skip-gram
    37.0 -> 8.4 and CBOW 10.3 -> 2.8 (what is left is ``memcpy``, ``memset`` and
    ``log``); instructions per word 9,676 -> 9,600 and 2,936 -> 2,920; the kernels
    alone (one thread, medians of 7 alternating) x1.09 (skip-gram, 1M words) and x1.015
    (CBOW, 2M words), each against the same code with counting; vectors bit-identical.
    """

    counts_references = False


_XS_A = np.uint64(12)
_XS_B = np.uint64(25)
_XS_C = np.uint64(27)
_XS_MUL = np.uint64(2685821657736338717)  # xorshift64* multiplier (Vigna 2016)
_SHIFT_53 = np.uint64(11)                  # keep 53 bits for a double in [0, 1)
_INV_2_53 = 1.0 / 9007199254740992.0
_SHIFT_32 = np.uint64(32)
_LOW_32 = np.uint64(0xFFFFFFFF)


@nb.njit(nogil=True, cache=True, inline="always")
def _advance(state):
    """One xorshift64* step on a state held in a local variable: ``(new state, 64-bit
    output)``. Loops that draw many numbers keep the state in a register this way and
    store it back to the thread's ``rng`` array once, instead of loading and storing
    ``rng[0]`` at every draw (with the kernels' float stores in between, the compiler
    cannot keep it in a register itself). Measured in the negative-sampling kernels'
    draws: about x1.01 (``w2v.specialise``)."""
    state ^= state >> _XS_A
    state ^= state << _XS_B
    state ^= state >> _XS_C
    return state, state * _XS_MUL


@nb.njit(nogil=True, cache=True, inline="always")
def _below(x, n):
    """Uniform integer in [0, n) for 0 < n < 2**32 from a 64-bit output ``x``
    (multiply-shift of its high half, no modulo bias to speak of)."""
    return np.int64(((x >> _SHIFT_32) * np.uint64(n)) >> _SHIFT_32)


@nb.njit(nogil=True, cache=True, inline="always")
def _alias_pick(x, alias_threshold, alias_index):
    """A word drawn from an alias table with one 64-bit output ``x``: its high half
    picks the column, its low half decides between the column and its alias."""
    column = _below(x, alias_threshold.shape[0])
    if (x & _LOW_32) < np.uint64(alias_threshold[column]):
        return column
    return np.int64(alias_index[column])


@nb.njit(nogil=True, cache=True)
def _next_u64(rng):
    state, x = _advance(rng[0])
    rng[0] = state
    return x


@nb.njit(nogil=True, cache=True, inline="always")
def _unit_float(x):
    """Uniform float64 in [0, 1) from a 64-bit output ``x`` (its high 53 bits)."""
    return (x >> _SHIFT_53) * _INV_2_53


@nb.njit(nogil=True, cache=True)
def _next_float(rng):
    """Uniform float64 in [0, 1)."""
    return _unit_float(_next_u64(rng))


@nb.njit(nogil=True, cache=True)
def _next_below(rng, n):
    """Uniform integer in [0, n) for 0 < n < 2**32."""
    return _below(_next_u64(rng), n)


@nb.njit(nogil=True, cache=True)
def _draw_negative(rng, alias_threshold, alias_index):
    return _alias_pick(_next_u64(rng), alias_threshold, alias_index)


def seed_rng(seed: int, stream: int = 0) -> np.ndarray:
    """A thread's generator state from a seed and a stream number (splitmix64, never 0)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + (int(stream) + 1) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
    z ^= z >> 31
    # on a cache line of its own: the state is written at every draw, and threads'
    # states made one after another could otherwise share a line
    state = aligned_zeros(1, 1, np.uint64)[0]
    state[0] = z or 0x2545F4914F6CDD1D
    return state


#: Bytes per cache line, the unit of a prefetch.
CACHE_LINE_BYTES = 64
#: ``llvm.prefetch`` locality of :func:`prefetch_row`: 2 brings the lines into the L2
#: cache (x86 ``prefetcht1``), not the L1. A row is 6-7 lines and a word prefetches
#: about seven rows, more lines than the L1 can have in flight; and the prefetched rows
#: are needed only after this word's arithmetic, which the L1 serves. Measured against
#: locality 3 (L1, ``prefetcht0``; kernels alone, 4M words, one thread, medians of 5):
#: skip-gram NS x1.07-1.11, CBOW NS x1.06-1.08; locality 1 measured the same as 2,
#: 0 (non-temporal) x0.99.
PREFETCH_LOCALITY = 2


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Ask the CPU to start loading ``matrix[row, :]`` (a C-contiguous 2-D array) into
    the caches, one ``llvm.prefetch`` per cache line; no effect on results. Used for the
    output rows the *next* centre word will need, so their memory latency overlaps
    this word's arithmetic."""
    sig = types.void(matrix, row)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        intp = context.get_value_type(types.intp)
        zero = context.get_constant(types.intp, 0)
        start = cgutils.get_item_pointer(context, builder, array_type, array,
                                         [context.cast(builder, args[1], signature.args[1],
                                                       types.intp), zero])
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]),
            "llvm.prefetch.p0")
        base = builder.bitcast(start, byte_ptr)
        row_bytes = builder.mul(builder.extract_value(array.shape, 1),
                                context.get_constant(types.intp, array_type.dtype.bitwidth // 8))
        step = context.get_constant(types.intp, CACHE_LINE_BYTES)
        with cgutils.for_range_slice(builder, zero, row_bytes, step, intp=intp) as (offset, _):
            # read (0), PREFETCH_LOCALITY, data cache (1)
            builder.call(prefetch, [builder.gep(base, [offset]), i32(0),
                                    i32(PREFETCH_LOCALITY), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


_MAX_SCORE_32 = np.float32(MAX_SCORE)
_ONE_32 = np.float32(1.0)

#: The sigmoid is read from a table, with linear interpolation, for scores in
#: (-SIGMOID_TABLE_RANGE, SIGMOID_TABLE_RANGE), where nearly all scores fall; outside it
#: is computed exactly. A call to expf (plus the division and the register spills around
#: the call) cost about 12 % of the skip-gram NS kernel's time; the table costs two loads
#: and a multiply-add. sig(8) = 0.99966, so the exact branch is for saturated scores.
SIGMOID_TABLE_RANGE = 8.0
#: Table intervals over the range: the step is 16 / 2048 = 0.0078, and linear
#: interpolation errs by at most step^2 / 8 * max|sig''| = 7.4e-7 (measured: under 1e-6
#: against float64, ``tests/test_kernels.py``), a few float32 ulps of a probability. The
#: table (8 KiB) stays in the L1 cache. The C tool's table (1000 entries over +-6, no
#: interpolation) errs by up to 3e-3 and clips the gradient to zero beyond 6.
SIGMOID_TABLE_INTERVALS = 2048
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(
    -(np.arange(SIGMOID_TABLE_INTERVALS + 2) * (2.0 * SIGMOID_TABLE_RANGE / SIGMOID_TABLE_INTERVALS)
      - SIGMOID_TABLE_RANGE)))).astype(np.float32)
_TABLE_RANGE_32 = np.float32(SIGMOID_TABLE_RANGE)
_TABLE_SCALE_32 = np.float32(SIGMOID_TABLE_INTERVALS / (2.0 * SIGMOID_TABLE_RANGE))


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _table_sigmoid(x, table):
    """sigmoid of a float32 score inside +-SIGMOID_TABLE_RANGE, interpolated from
    ``table``; the caller checks the range (:func:`_sigmoid`, :func:`_inside_table`)."""
    u = (x + _TABLE_RANGE_32) * _TABLE_SCALE_32
    i = np.int64(u)
    # u >= 0 here, so i is a valid index; as an unsigned one Numba leaves out the
    # wrap-around code for negative indices: 8 instructions fewer per score, skip-gram
    # HS 12,593 instructions per word against 13,063, kernel x1.015 against a control
    # at x0.987 (RESULTS.md, session 8)
    row = np.uint64(i)
    low = table[row]
    return low + (u - np.float32(i)) * (table[row + np.uint64(1)] - low)


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _inside_table(scores, r, n):
    """Whether ``scores[r, :n]`` all lie inside +-SIGMOID_TABLE_RANGE (not for NaN), so
    :func:`_table_sigmoid` alone computes their sigmoids. A loop without branches or
    calls, which LLVM vectorises: a few instructions per eight scores."""
    inside = 0
    for t in range(n):
        x = scores[r, t]
        inside += (x > -_TABLE_RANGE_32) & (x < _TABLE_RANGE_32)
    return inside == n


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH)
def _sigmoid(x, table):
    """sigmoid of a float32 score, in float32: interpolated from ``table`` (the calling
    thread's copy of SIGMOID_TABLE, see :class:`Scratch`) inside +-SIGMOID_TABLE_RANGE,
    exact (single-precision exp) outside and for NaN.

    Compiled once as a function of its own, not inlined by Numba: Numba types an
    ``inline="always"`` body again at every call, and the generated negative-sampling
    kernels call this once per output row (six times in the skip-gram kernel at
    negative 5), which took 0.8 s of the first training call (4.80 -> 4.02 s, medians
    of 3, session 10). LLVM still inlines it: instructions per word moved by 0.2 %
    and the vectors are bit-identical."""
    if x > -_TABLE_RANGE_32 and x < _TABLE_RANGE_32:
        return _table_sigmoid(x, table)
    if x >= 0.0:
        return _ONE_32 / (_ONE_32 + math.exp(-min(x, _MAX_SCORE_32)))
    e = math.exp(max(x, -_MAX_SCORE_32))
    return e / (_ONE_32 + e)


@nb.njit(nogil=True, cache=True, inline="always")
def private_row(row, hot_map):
    """The row of the output matrix this thread uses for output row ``row``: its private
    copy (``row + hot_map[2]``) when ``hot_map[0] <= row < hot_map[1]``, else ``row``.
    See :class:`Scratch` and ``w2v.model`` for why threads keep private copies of the
    most-updated output rows."""
    if row >= hot_map[0] and row < hot_map[1]:
        return row + hot_map[2]
    return row


@nb.njit(nogil=True, cache=True, inline="always")
def _all_distinct(rows, n):
    """Whether ``rows[:n]`` holds n different values."""
    for a in range(1, n):
        for b in range(a):
            if rows[a] == rows[b]:
                return False
    return True


@nb.njit(nogil=True, cache=True)
def merge_private_rows(matrix, hot_map, snapshot):
    """Fold one thread's private copies of the hot output rows into the shared rows and
    refresh the copies: ``shared += mine - snapshot; mine = snapshot = shared``.

    ``matrix`` is the enlarged output matrix (shared rows, then each thread's copies);
    ``snapshot`` holds the shared rows as this thread last copied them, so the difference
    is exactly this thread's updates since. The caller holds a lock: two merges must not
    interleave (the other threads keep training on their own copies meanwhile)."""
    lo, hi, shift = hot_map[0], hot_map[1], hot_map[2]
    for r in range(hi - lo):
        shared = lo + r
        mine = shared + shift
        for d in range(matrix.shape[1]):
            value = matrix[shared, d] + (matrix[mine, d] - snapshot[r, d])
            matrix[shared, d] = value
            matrix[mine, d] = value
            snapshot[r, d] = value


@nb.njit(nogil=True, cache=True)
def _output_targets(layer, target, negative, alias_threshold, alias_index, hs_points,
                    hs_codes, hs_lengths, n_rows, rng, targets, labels, hot_map):
    """Fill ``targets``/``labels`` with the output rows that "predict ``target``" trains
    (the thread's private copy of a hot row, see :func:`private_row`).

    Returns how many rows (for softmax: ``n_rows``, all of them, implicitly).
    """
    if layer == LAYER_NS:
        targets[0] = private_row(target, hot_map)
        labels[0] = 1.0
        n = 1
        for _ in range(negative):
            w = _draw_negative(rng, alias_threshold, alias_index)
            if w == target:   # as the C tool: a draw of the positive word is skipped
                continue
            targets[n] = private_row(w, hot_map)
            labels[n] = 0.0
            n += 1
        return n
    if layer == LAYER_HS:
        length = hs_lengths[target]
        for k in range(length):
            targets[k] = private_row(hs_points[target, k], hot_map)
            labels[k] = 1.0 - hs_codes[target, k]
        return length
    # softmax: all rows; the label is 1 at the target only
    return n_rows


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _update_one_hidden(context_vectors, hidden, grad_hidden, targets, n_targets, scores,
                       softmax):
    """Steps 3 and 4 for one hidden vector in one pass over each output row (two rows
    per pass): read o_t once for ``grad_h += g_t o_t`` and ``o_t += g_t h``. Rows are
    ``targets[t]``, or ``t`` itself for ``softmax``. Only where the rows are distinct (HS
    path nodes, softmax words): a row that came twice would give grad_h its new value."""
    dim = hidden.shape[1]
    t = 0
    while t + 1 < n_targets:
        row_a = t if softmax else targets[t]
        row_b = t + 1 if softmax else targets[t + 1]
        g_a = scores[0, t]
        g_b = scores[0, t + 1]
        for d in range(dim):
            o_a = context_vectors[row_a, d]
            o_b = context_vectors[row_b, d]
            h = hidden[0, d]
            grad_hidden[0, d] += g_a * o_a + g_b * o_b
            context_vectors[row_a, d] = o_a + g_a * h
            context_vectors[row_b, d] = o_b + g_b * h
        t += 2
    if t < n_targets:
        row_a = t if softmax else targets[t]
        g_a = scores[0, t]
        for d in range(dim):
            o_a = context_vectors[row_a, d]
            grad_hidden[0, d] += g_a * o_a
            context_vectors[row_a, d] = o_a + g_a * hidden[0, d]


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH)
def _output_block(layer, context_vectors, hidden, n_hidden, grad_hidden, target, targets,
                  labels, n_targets, scores, alpha, sigmoid_table):
    """One SGD step of the output layer for ``n_hidden`` hidden vectors that all predict
    ``target`` through the same output rows. Accumulates ``grad_hidden`` (alpha-scaled
    negative gradient w.r.t. each hidden vector), updates the output rows in place and
    returns the loss summed over the hidden vectors (float64)."""
    dim = hidden.shape[1]
    loss = 0.0
    softmax = layer == LAYER_SOFTMAX
    # 1. scores s[r, t] = h_r . o_t, two output rows per pass over the dimension (each
    #    h_r[d] is loaded once for both; row indices are scalars, so LLVM vectorises)
    for r in range(n_hidden):
        t = 0
        while t + 1 < n_targets:
            row_a = t if softmax else targets[t]
            row_b = t + 1 if softmax else targets[t + 1]
            s_a = np.float32(0.0)
            s_b = np.float32(0.0)
            for d in range(dim):
                h = hidden[r, d]
                s_a += h * context_vectors[row_a, d]
                s_b += h * context_vectors[row_b, d]
            scores[r, t] = s_a
            scores[r, t + 1] = s_b
            t += 2
        if t < n_targets:
            row_a = t if softmax else targets[t]
            s_a = np.float32(0.0)
            for d in range(dim):
                s_a += hidden[r, d] * context_vectors[row_a, d]
            scores[r, t] = s_a
    # 2. errors g[r, t] = alpha * (y_t - out_t), and the loss
    product = 1.0   # sigmoid layers: probabilities not yet logged, over all rows
    pending = 0
    for r in range(n_hidden):
        if softmax:
            top = scores[r, 0]
            for t in range(1, n_targets):
                top = max(top, scores[r, t])
            # p_t = exp(s_t - top) / total, one float32 exp per word; the loss is
            # -log p_target = log(total) + top - s_target
            target_score = scores[r, target]
            total = 0.0
            for t in range(n_targets):
                e = math.exp(scores[r, t] - top)
                scores[r, t] = e
                total += e
            loss += math.log(total) + top - target_score
            scale = alpha / total
            for t in range(n_targets):
                g = -scale * scores[r, t]
                if t == target:
                    g += alpha
                scores[r, t] = np.float32(g)
        else:
            # -log sig(s) for label 1, -log sig(-s) = -log(1 - sig(s)) for label 0; the
            # probability is floored so a saturated sigmoid costs a finite loss. One log
            # per LOG_BATCH probabilities (log of their product): same sum, fewer logs.
            for t in range(n_targets):
                s = scores[r, t]
                out = _sigmoid(s, sigmoid_table)
                p_label = out if labels[t] > 0.5 else 1.0 - out
                product *= max(p_label, MIN_PROBABILITY)
                pending += 1
                if pending == LOG_BATCH:
                    loss -= math.log(product)
                    product = 1.0
                    pending = 0
                scores[r, t] = np.float32(alpha * (labels[t] - out))
    loss -= math.log(product)
    if n_hidden == 1 and layer != LAYER_NS:
        _update_one_hidden(context_vectors, hidden, grad_hidden, targets, n_targets,
                           scores, softmax)
        return loss
    # 3. grad_h += g . o (old output rows), two output rows per pass
    for r in range(n_hidden):
        t = 0
        while t + 1 < n_targets:
            row_a = t if softmax else targets[t]
            row_b = t + 1 if softmax else targets[t + 1]
            g_a = scores[r, t]
            g_b = scores[r, t + 1]
            for d in range(dim):
                grad_hidden[r, d] += g_a * context_vectors[row_a, d] + \
                    g_b * context_vectors[row_b, d]
            t += 2
        if t < n_targets:
            row_a = t if softmax else targets[t]
            g_a = scores[r, t]
            for d in range(dim):
                grad_hidden[r, d] += g_a * context_vectors[row_a, d]
    # 4. o += g^T . h, two hidden vectors per pass
    for t in range(n_targets):
        row = t if softmax else targets[t]
        r = 0
        while r + 1 < n_hidden:
            g_a = scores[r, t]
            g_b = scores[r + 1, t]
            for d in range(dim):
                context_vectors[row, d] += g_a * hidden[r, d] + g_b * hidden[r + 1, d]
            r += 2
        if r < n_hidden:
            g_a = scores[r, t]
            for d in range(dim):
                context_vectors[row, d] += g_a * hidden[r, d]
    return loss


@nb.njit(nogil=True, cache=True)
def _subsample(tokens, start, stop, keep_prob, rng, kept):
    """Copy the words of ``tokens[start:stop]`` that survive subsampling into ``kept``
    (one draw per word whose keep-probability is below 1); returns how many."""
    n = 0
    state = rng[0]
    for pos in range(start, stop):
        w = tokens[pos]
        p = keep_prob[w]
        if p < 1.0:
            state, x = _advance(state)
            if _unit_float(x) >= p:
                continue
        kept[n] = w
        n += 1
    rng[0] = state
    return n


@nb.njit(nogil=True, cache=True)
def _alpha_at(alpha_start, alpha_end, start, stop, i, n, span):
    """Learning rate of kept word ``i`` of ``n`` in the sentence ``[start, stop)``: linear
    in the word's position among the chunk's raw tokens (``span`` = their count - 1)."""
    frac = (start + (stop - start) * i / n) / span
    return alpha_start + (alpha_end - alpha_start) * frac


@nb.njit(nogil=True, cache=True)
def _gather_contexts(kept, n, i, reach, contexts):
    """The kept words within ``reach`` of position ``i`` (not ``i`` itself) into
    ``contexts``; returns how many."""
    n_ctx = 0
    for j in range(max(0, i - reach), min(n, i + reach + 1)):
        if j != i:
            contexts[n_ctx] = kept[j]
            n_ctx += 1
    return n_ctx


@nb.njit(nogil=True, cache=True)
def _window(kept, n, i, window, shrink_windows, rng, contexts):
    """Word ``i``'s window: its reach (``window``, or drawn from 1..window when
    ``shrink_windows``, as the C tool), and the kept words within it gathered into
    ``contexts``; returns how many."""
    reach = window
    if shrink_windows:
        reach = window - _next_below(rng, window)
    return _gather_contexts(kept, n, i, reach, contexts)


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, pipeline_class=UncountedKernelCompiler)
def train_chunk(word_vectors, context_vectors, tokens, sentence_starts, keep_prob,
                arch, layer, cbow_mean, batch_contexts, window, shrink_windows, negative,
                alias_threshold, alias_index, hs_points, hs_codes, hs_lengths,
                alpha_start, alpha_end, rng,
                kept, contexts, targets, labels, hidden, grad_hidden, scores, hot_map,
                sigmoid_table):
    """Train on one chunk of sentences; returns ``(loss, examples, words)``.

    Parameters (all plain arrays/scalars)
    -------------------------------------
    tokens : int32[n]
        Word ids of the chunk's sentences, back to back.
    sentence_starts : int64[m + 1]
        Sentence ``i`` is ``tokens[sentence_starts[i]:sentence_starts[i + 1]]``.
    keep_prob : float32[V]
        Subsampling keep-probabilities; a word is dropped before windows are formed.
    alpha_start, alpha_end : float
        Learning rate at the chunk's first and last token (linear in between).
    rng : uint64[1]
        The calling thread's generator state (advanced in place).
    kept, contexts, targets, labels, hidden, grad_hidden, scores :
        The calling thread's scratch buffers (see :class:`Scratch`).
    hot_map : int64[3]
        ``(lo, hi, shift)``: output rows ``lo <= row < hi`` are read and written at
        ``row + shift``, this thread's private copies (:func:`private_row`); ``lo == hi``
        for none. Ignored by softmax, which trains every row.
    sigmoid_table : float32[SIGMOID_TABLE_INTERVALS + 2]
        The calling thread's copy of :data:`SIGMOID_TABLE` (see :class:`Scratch`).

    No two array arguments may share memory: the kernel is compiled with
    :class:`UncountedKernelCompiler`, a :class:`KernelCompiler`, which tells LLVM so.

    Returns
    -------
    loss : float64
        Sum of the loss over all examples of the chunk.
    examples : int64
        Number of predictions trained (skip-gram: (context, centre) pairs; CBOW: centres).
    words : int64
        Number of tokens read (before subsampling).
    """
    n_tokens = tokens.shape[0]
    n_rows = context_vectors.shape[0]
    dim = word_vectors.shape[1]
    loss = 0.0
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
            if arch == ARCH_CBOW:
                # context rows outer, dimension inner: contiguous, vectorised loads
                row = contexts[0]
                for d in range(dim):
                    hidden[0, d] = word_vectors[row, d]
                    grad_hidden[0, d] = 0.0
                for c in range(1, n_ctx):
                    row = contexts[c]
                    for d in range(dim):
                        hidden[0, d] += word_vectors[row, d]
                if cbow_mean:
                    for d in range(dim):
                        hidden[0, d] = hidden[0, d] / n_ctx
                n_t = _output_targets(layer, centre, negative, alias_threshold, alias_index,
                                      hs_points, hs_codes, hs_lengths, n_rows, rng, targets,
                                      labels, hot_map)
                loss += _output_block(layer, context_vectors, hidden, 1, grad_hidden,
                                      centre, targets, labels, n_t, scores, alpha,
                                      sigmoid_table)
                for c in range(n_ctx):
                    row = contexts[c]
                    for d in range(dim):
                        word_vectors[row, d] += grad_hidden[0, d]
                examples += 1
            else:
                block = n_ctx if batch_contexts else 1
                for first in range(0, n_ctx, block):
                    for r in range(block):
                        row = contexts[first + r]
                        for d in range(dim):
                            hidden[r, d] = word_vectors[row, d]
                            grad_hidden[r, d] = 0.0
                    n_t = _output_targets(layer, centre, negative, alias_threshold,
                                          alias_index, hs_points, hs_codes, hs_lengths,
                                          n_rows, rng, targets, labels, hot_map)
                    loss += _output_block(layer, context_vectors, hidden, block, grad_hidden,
                                          centre, targets, labels, n_t, scores, alpha,
                                          sigmoid_table)
                    for r in range(block):
                        row = contexts[first + r]
                        for d in range(dim):
                            word_vectors[row, d] += grad_hidden[r, d]
                examples += n_ctx
    return loss, examples, n_tokens


#: The trainer pads each matrix row to a multiple of this many floats (one 32-byte AVX2
#: vector), so with an aligned first row every row starts on a vector boundary and no
#: vector load or store of a row straddles two cache lines. At dim 100 rows become 104
#: floats; the 4 extra columns are zeros and stay zeros (every update adds multiples
#: of other rows), so the kernels may run over them and train exactly the same model.
ROW_MULTIPLE_FLOATS = 8
#: Byte alignment of a padded matrix's first row (a cache line).
MATRIX_ALIGN_BYTES = 64


def padded_width(dim: int) -> int:
    """``dim`` rounded up to a multiple of :data:`ROW_MULTIPLE_FLOATS`."""
    return -(-dim // ROW_MULTIPLE_FLOATS) * ROW_MULTIPLE_FLOATS


def aligned_zeros(rows: int, width: int, dtype=np.float32) -> np.ndarray:
    """A C-contiguous (rows, width) array of zeros whose first element sits on a
    :data:`MATRIX_ALIGN_BYTES` boundary (NumPy only promises 16 bytes), with at least a
    cache line of its own allocation after the last element: no other array's data
    shares its cache lines (see :class:`Scratch`)."""
    itemsize = np.dtype(dtype).itemsize
    raw = np.zeros(rows * width + 2 * MATRIX_ALIGN_BYTES // itemsize, dtype=dtype)
    skip = (-raw.ctypes.data % MATRIX_ALIGN_BYTES) // itemsize
    return raw[skip:skip + rows * width].reshape(rows, width)


def padded_copy(matrix: np.ndarray, *, rows: int | None = None) -> np.ndarray:
    """``matrix`` copied into :func:`aligned_zeros` of ``rows`` (default: as many)
    rows and :func:`padded_width` columns: the kernels' layout while training.

    Measured with the specialised kernels, one thread, 2M words (dim 100, medians of 3,
    against rows of 100 floats): rows of 104 floats from a 64-byte boundary x1.056 for
    both skip-gram and CBOW; the same rows starting 16 bytes past a boundary (as NumPy
    allocates large arrays) x0.92 and x0.89."""
    n, dim = matrix.shape
    out = aligned_zeros(n if rows is None else rows, padded_width(dim))
    out[:n, :dim] = matrix
    return out


class Scratch:
    """One thread's scratch buffers for :func:`train_chunk`, sized once.

    Each thread owns its own instance: every buffer is a separate allocation and the
    1-D ones are padded by a cache line, so no two threads write the same cache line.
    """

    _CACHE_LINE_FLOATS = 16  # 64-byte cache line / 4-byte float32

    def __init__(self, *, dim: int, window: int, max_sentence_length: int,
                 max_targets: int, max_hidden: int):
        pad = self._CACHE_LINE_FLOATS
        self.kept = np.zeros(max_sentence_length + pad, dtype=np.int32)
        self.contexts = np.zeros(2 * window + pad, dtype=np.int32)
        self.targets = np.zeros(max_targets + pad, dtype=np.int32)
        self.labels = np.zeros(max_targets + pad, dtype=np.float32)
        self.hidden = aligned_zeros(max_hidden, dim)
        self.grad_hidden = aligned_zeros(max_hidden, dim)
        self.scores = np.zeros((max_hidden, max_targets + pad), dtype=np.float32)
        # (lo, hi, shift) of the private output rows (see train_chunk); none by default
        self.hot_map = np.zeros(3 + pad, dtype=np.int64)
        # each thread reads its own copy of the sigmoid table. As a module-level array
        # compiled into the kernels as a constant, the table made two-thread training
        # 14-19 % slower than the exact sigmoid (CBOW NS, fresh processes, cached
        # kernels; faster in one thread, cause not found); with per-thread copies two
        # threads ran x1.20 (CBOW) and x1.17 (skip-gram) the exact sigmoid's speed.
        self.sigmoid_table = np.concatenate([SIGMOID_TABLE, np.zeros(pad, np.float32)])

    def use_private_rows(self, lo: int, hi: int, first_copy: int) -> None:
        """Read and write output rows ``lo..hi-1`` at ``first_copy..`` instead."""
        self.hot_map[:3] = (lo, hi, first_copy - lo)

    def arrays(self):
        return (self.kept, self.contexts, self.targets, self.labels, self.hidden,
                self.grad_hidden, self.scores, self.hot_map, self.sigmoid_table)
