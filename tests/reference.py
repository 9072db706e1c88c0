"""A plain NumPy/Python reference of :func:`w2v.kernels.train_chunk`, for the tests.

It re-implements the kernel from the formulas in the kernel module's docstring, written
for clarity, not speed: whole-matrix NumPy algebra in float64 where the kernel loops in
float32. It walks a chunk exactly as the kernel does, so that, given the same starting
generator state, it makes the same random choices bit for bit:

* per sentence, subsampling first: one uniform draw per token whose keep-probability is
  below 1 (a token is dropped when the draw is ``>= keep_prob``); sentences with fewer than
  2 kept tokens are skipped;
* per kept position ``i`` (of ``n``) of a sentence spanning raw tokens ``[start, stop)``
  of a chunk of ``N`` tokens: the learning rate is interpolated at
  ``frac = (start + (stop - start) * i / n) / max(N - 1, 1)``; then, with shrinking
  windows, one draw ``reach = window - below(window)``; the contexts are the kept tokens
  within ``reach`` on either side, in sentence order;
* CBOW: ``h`` = mean (or sum) of the contexts' input vectors predicts the centre; the full
  ``grad_h`` is added to each context row (duplicates get it once per occurrence);
* skip-gram: each context's input vector predicts the centre, one context at a time, or
  (``batch_contexts``) all contexts of a centre as one block sharing one set of output
  rows (one negative draw);
* an output step draws the negatives (NS; a draw equal to the positive word is skipped),
  computes the errors with the *old* output rows, then ``grad_h = G @ O_old`` and
  ``o_t += sum_r G[r, t] h_r`` (sequentially, so repeated rows accumulate).

The generator is a Python replica of the kernel's xorshift64* (Vigna 2016) with its
``_next_float``, ``_next_below`` and alias-table ``_draw_negative``.

Only the interface constants (architecture/layer codes, the score clip and the
probability floor) are taken from :mod:`w2v.kernels`; no kernel code is reused.
"""

from __future__ import annotations

import numpy as np

from w2v.kernels import (ARCH_CBOW, ARCH_SKIPGRAM, LAYER_HS, LAYER_NS, LAYER_SOFTMAX,
                         MAX_SCORE, MIN_PROBABILITY)

__all__ = ["XorShift64Star", "output_step", "train_chunk", "sigmoid_loss",
           "softmax_loss"]

_MASK_64 = (1 << 64) - 1
_LOW_32 = (1 << 32) - 1
_MULTIPLIER = 2685821657736338717     # xorshift64* multiplier (Vigna 2016)
_TWO_POW_53 = float(1 << 53)          # a double has 53 significant bits


class XorShift64Star:
    """Python replica of the kernel's generator; ``state`` is the kernel's ``rng[0]``."""

    def __init__(self, state: int):
        self.state = int(state)

    def next_u64(self) -> int:
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & _MASK_64
        x ^= x >> 27
        self.state = x
        return (x * _MULTIPLIER) & _MASK_64

    def next_float(self) -> float:
        """Uniform in [0, 1): the top 53 bits over 2**53."""
        return (self.next_u64() >> 11) / _TWO_POW_53

    def next_below(self, n: int) -> int:
        """Uniform integer in [0, n): the top 32 bits scaled by n."""
        return ((self.next_u64() >> 32) * int(n)) >> 32

    def draw_negative(self, alias_threshold: np.ndarray, alias_index: np.ndarray) -> int:
        """One alias-table draw: high 32 bits pick the column, low 32 bits keep it or alias."""
        x = self.next_u64()
        column = ((x >> 32) * int(alias_threshold.shape[0])) >> 32
        if (x & _LOW_32) < int(alias_threshold[column]):
            return column
        return int(alias_index[column])


def _sigmoid(s: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(s, -MAX_SCORE, MAX_SCORE)))


def sigmoid_loss(scores: np.ndarray, labels: np.ndarray) -> float:
    """``-sum [y log sig(s) + (1 - y) log sig(-s)]`` (float64), probability floored."""
    out = _sigmoid(scores)
    p_label = np.where(labels > 0.5, out, 1.0 - out)
    return float(-np.log(np.maximum(p_label, MIN_PROBABILITY)).sum())


def softmax_loss(scores: np.ndarray, target: int) -> float:
    """``sum_r -log softmax(scores[r])[target]`` (float64) for a (n_hidden, V) block."""
    scores = np.atleast_2d(scores)
    top = scores.max(axis=1, keepdims=True)
    log_total = np.log(np.exp(scores - top).sum(axis=1)) + top[:, 0]
    return float((log_total - scores[:, target]).sum())


def output_step(context_vectors: np.ndarray, hidden: np.ndarray, rows: np.ndarray,
                labels: np.ndarray | None, target: int, alpha: float, softmax: bool):
    """One SGD step of the output layer for the hidden block ``hidden`` (n_h x D).

    ``rows`` are the output rows (for softmax: all of them, ``labels`` unused). Updates
    ``context_vectors`` (float32) in place; returns ``(grad_h, loss)`` with ``grad_h`` the
    alpha-scaled negative gradient w.r.t. each hidden row, computed with the old rows.
    """
    h = np.asarray(hidden, dtype=np.float64)
    old = context_vectors[rows].astype(np.float64)          # (T, D), the *old* rows
    scores = h @ old.T                                       # (n_h, T)
    if softmax:
        loss = softmax_loss(scores, target)
        top = scores.max(axis=1, keepdims=True)
        p = np.exp(scores - top)
        p /= p.sum(axis=1, keepdims=True)
        y = np.zeros_like(p)
        y[:, target] = 1.0
        errors = alpha * (y - p)
    else:
        y = np.broadcast_to(np.asarray(labels, dtype=np.float64), scores.shape)
        loss = sigmoid_loss(scores, y)
        errors = alpha * (y - _sigmoid(scores))
    errors = errors.astype(np.float32).astype(np.float64)    # the kernel stores them in float32
    grad_h = errors @ old
    for t, row in enumerate(rows):                           # sequential: repeats accumulate
        step = errors[:, t] @ h
        context_vectors[row] = (context_vectors[row].astype(np.float64) + step).astype(np.float32)
    return grad_h, loss


def _add_rows(word_vectors: np.ndarray, row: int, delta: np.ndarray) -> None:
    word_vectors[row] = (word_vectors[row].astype(np.float64) + delta).astype(np.float32)


def train_chunk(word_vectors, context_vectors, tokens, sentence_starts, keep_prob, *,
                arch, layer, cbow_mean, batch_contexts, window, shrink_windows, negative,
                alias_threshold, alias_index, hs_points, hs_codes, hs_lengths,
                alpha_start, alpha_end, rng: XorShift64Star):
    """Reference of :func:`w2v.kernels.train_chunk`: same arguments (no scratch; ``rng``
    an :class:`XorShift64Star`), same in-place updates; returns ``(loss, examples, words)``.
    """
    if arch not in (ARCH_SKIPGRAM, ARCH_CBOW) or layer not in (LAYER_NS, LAYER_HS, LAYER_SOFTMAX):
        raise ValueError(f"unknown arch/layer {arch}/{layer}")
    n_tokens = len(tokens)
    n_rows = context_vectors.shape[0]
    span = max(n_tokens - 1, 1)
    softmax = layer == LAYER_SOFTMAX
    loss = 0.0
    examples = 0

    def output_rows(centre):
        """The rows and labels of "predict ``centre``" (draws the negatives for NS)."""
        if layer == LAYER_NS:
            rows, labels = [centre], [1.0]
            for _ in range(negative):
                w = rng.draw_negative(alias_threshold, alias_index)
                if w != centre:
                    rows.append(w)
                    labels.append(0.0)
            return np.array(rows), np.array(labels)
        if layer == LAYER_HS:
            length = int(hs_lengths[centre])
            return (hs_points[centre, :length].astype(np.int64),
                    1.0 - hs_codes[centre, :length].astype(np.float64))
        return np.arange(n_rows), None

    for sent in range(len(sentence_starts) - 1):
        start, stop = int(sentence_starts[sent]), int(sentence_starts[sent + 1])
        kept = []
        for w in tokens[start:stop]:
            p = float(keep_prob[w])
            if p < 1.0 and rng.next_float() >= p:
                continue
            kept.append(int(w))
        n = len(kept)
        if n < 2:
            continue
        for i, centre in enumerate(kept):
            frac = (start + (stop - start) * i / n) / span
            alpha = alpha_start + (alpha_end - alpha_start) * frac
            reach = window - rng.next_below(window) if shrink_windows else window
            contexts = [kept[j] for j in range(max(0, i - reach), min(n, i + reach + 1)) if j != i]
            if arch == ARCH_CBOW:
                total = word_vectors[contexts].astype(np.float64).sum(axis=0)
                hidden = (total / len(contexts) if cbow_mean else total).astype(np.float32)
                rows, labels = output_rows(centre)
                grad_h, step_loss = output_step(context_vectors, hidden[None, :], rows, labels,
                                                centre, alpha, softmax)
                loss += step_loss
                for c in contexts:                     # the full grad_h to every context
                    _add_rows(word_vectors, c, grad_h[0])
                examples += 1
            else:
                block = len(contexts) if batch_contexts else 1
                for first in range(0, len(contexts), block):
                    group = contexts[first:first + block]
                    hidden = word_vectors[group].copy()
                    rows, labels = output_rows(centre)
                    grad_h, step_loss = output_step(context_vectors, hidden, rows, labels,
                                                    centre, alpha, softmax)
                    loss += step_loss
                    for r, c in enumerate(group):
                        _add_rows(word_vectors, c, grad_h[r])
                examples += len(contexts)
    return loss, examples, n_tokens
