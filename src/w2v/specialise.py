r"""Negative-sampling kernels specialised per setting: generated, compiled once, cached.

:func:`w2v.kernels.train_chunk` is one loop for every architecture and output layer; its
inner loops run over runtime counts. For negative sampling the number of output rows is
fixed by the settings (``k = 1 + negative``), and a kernel that knows it can keep the k
row indices and the k errors in registers and fuse its loops:

* the k scores of a hidden vector come from **one** pass over the dimension with k
  accumulators (the hidden vector is loaded once, not k times); batched skip-gram
  scores two context rows per pass (2k accumulators), so each output row loaded feeds
  two multiply-adds, and applies the sigmoid to all of them afterwards;
* the input-vector step ``W_in[c] += sum_t g_t o_t`` is **one** pass with k terms
  (``W_in[c]`` is loaded and stored once, not k times), with no ``grad_hidden`` buffer;
  skip-gram updates two context rows per pass, for the same reason;
* the output-row step adds two hidden vectors per pass; CBOW's, when the k output rows
  are distinct (nearly always: a negative repeats another or the positive a few times
  in a hundred words), is one pass with grad_hidden: each row is loaded once, feeds
  ``grad_h += g_t o_t`` and is stored as ``o_t + g_t h``. With a repeated row that pass
  would lose one of its two updates, so it takes the k + 1 passes instead.

Numba cannot unroll over a runtime count, and index arrays read inside a loop that
stores to another array defeat LLVM's vectoriser (it must assume they may alias), so
the unrolled statements are written out as source text with scalar locals ``t0..tK``
and ``g0..gK``. This module writes that source to a file in a cache directory (one per
``(architecture, negative)``; the dimension stays a runtime value: baking it in measured
no faster) and imports it, so Numba's on-disk cache works as for any module: the first
use of a setting compiles (about 2-4 s), later processes load the machine code.

Measured single-thread on 2M words of the 17M-word corpus (dim 100, window 5,
negative 5; ``benchmarks/specialised_kernels.py``, medians of 3): skip-gram 1.12M words/s
against the generic kernel's 0.81M (x1.38), CBOW 2.52M against 1.70M (x1.48), both
with the exact sigmoid; the table sigmoid and two more prefetches (the next centre's
output row, the input row entering the window) then measured x1.145 (skip-gram) and
x1.067 (CBOW) side by side. Two context rows per pass in skip-gram's score and
input-row steps then measured x1.07 (4M words, one thread, medians of 5; 1.49M ->
1.59M words/s) for 0.4 s more compile time. In session 6 (4M words, one thread,
medians of 5, alternating): CBOW's one-pass output step x1.025; keeping the generator's
state in a register while a sentence draws its windows and negatives x1.01 (skip-gram)
and x1.01 (CBOW) more; prefetching into L2 rather than L1
(:data:`w2v.kernels.PREFETCH_LOCALITY`) x1.07-1.11 and x1.06-1.08.

The generated kernels have the same signature as :func:`w2v.kernels.train_chunk` (the
baked-in ``arch``, ``layer``, ``negative`` and ``batch_contexts`` arguments are
ignored) and the same semantics: the same random draws in the same order, so the same
negatives; a negative that equals the positive word is kept in the block with a zero
error instead of being skipped, which adds nothing to either gradient or the loss.
Only the order of float additions differs, so results equal the generic kernel's to
rounding (``tests/test_specialise.py``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

import numba

from . import hs_kernel, kernels

__all__ = ["ns_kernel", "kernel_for", "cache_directory", "MAX_SPECIALISED_NEGATIVE"]

#: Above this many negatives the generic kernel is used: the generated source grows
#: linearly with the count (compile time with it), and with that many output rows the
#: per-row work, not loop overhead, dominates anyway.
MAX_SPECIALISED_NEGATIVE = 32

#: Environment variable that overrides where generated kernels (and Numba's cache of
#: them) are written.
CACHE_ENV = "W2V_KERNEL_CACHE"

_loaded: dict[tuple[int, int], object] = {}
_lock = threading.Lock()


def cache_directory() -> str:
    """Where generated kernel sources live: ``$W2V_KERNEL_CACHE``, else
    ``$XDG_CACHE_HOME/w2v/kernels`` (``~/.cache/w2v/kernels``), else a per-user folder
    in the temporary directory when the home cache cannot be written."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return override
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "w2v", "kernels")


def _writable_directory() -> str:
    for folder in (cache_directory(),
                   os.path.join(tempfile.gettempdir(), f"w2v-kernels-{os.getuid()}")):
        try:
            os.makedirs(folder, exist_ok=True)
            if os.access(folder, os.W_OK | os.X_OK):
                return folder
        except OSError:
            continue
    raise OSError("no writable directory for generated kernels")


def kernel_for(*, arch: int, layer: int, negative: int, batch_contexts: bool):
    """The fastest kernel for a setting: for negative sampling a specialised one, for
    hierarchical softmax the architecture's register-blocked one
    (:func:`w2v.hs_kernel.train_chunk_for`; both with batched contexts for skip-gram),
    else :func:`w2v.kernels.train_chunk`."""
    if layer == kernels.LAYER_HS and (arch == kernels.ARCH_CBOW or batch_contexts):
        return hs_kernel.train_chunk_for(arch)
    if (layer == kernels.LAYER_NS and 1 <= negative <= MAX_SPECIALISED_NEGATIVE
            and (arch == kernels.ARCH_CBOW or batch_contexts)):
        try:
            return ns_kernel(arch, negative)
        except OSError:  # no writable cache anywhere: the generic kernel still works
            return kernels.train_chunk
    return kernels.train_chunk


def ns_kernel(arch: int, negative: int):
    """The specialised negative-sampling ``train_chunk`` for ``arch`` and ``negative``."""
    key = (int(arch), int(negative))
    with _lock:
        if key not in _loaded:
            _loaded[key] = _load(*key)
        return _loaded[key]


def _load(arch: int, negative: int):
    source = generate_source(arch, negative)
    # The name hashes the source and the generic kernel module it imports from, so a new
    # w2v (or Numba) never loads a stale cached kernel: it gets a new file.
    with open(kernels.__file__, "rb") as f:
        base = f.read()
    digest = hashlib.sha256(source.encode() + base + numba.__version__.encode()).hexdigest()
    name = f"w2v_ns_{'cbow' if arch == kernels.ARCH_CBOW else 'sg'}{negative}_{digest[:16]}"
    folder = _writable_directory()
    path = os.path.join(folder, name + ".py")
    if not os.path.exists(path):
        # write-then-rename: a concurrent process sees no file or the whole file, and the
        # file is never rewritten (Numba's cache index is keyed by its modification time)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".py")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(source)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.train_chunk


# -- source generation ---------------------------------------------------------------------

#: Context counts with code generated for one pass over the rows: batched skip-gram
#: adds every context's contribution to an output row in one pass, and CBOW sums the
#: context rows in one pass. A word away from the sentence's ends with its window
#: shrunk to reach r has 2r contexts, so these cover nearly every word at the default
#: window 5; other counts take two rows per pass (skip-gram) or one (CBOW). Output rows
#: of frequent words are written by every thread, and each pass over a row another
#: thread has just written must fetch it again. Every count costs compile time: all of
#: 1..10 made the first call 1.7 s slower (3.7 -> 5.5 s).
ONE_PASS_CONTEXTS = (2, 4, 6, 8, 10)

#: CBOW's output step takes one pass over the rows (see the module docstring) for up to
#: this many output rows (negative <= 10). Measured only at negative 5 (x1.025); the cap
#: bounds the generated code and the check for repeats (k(k-1)/2 comparisons a word)
#: where nothing was measured; above it every word takes the row-by-row passes.
ONE_PASS_MAX_ROWS = 11

def _lines(template: str, k: int, sep: str = "; ") -> str:
    """``template`` formatted for t = 0..k-1, joined (``{t}`` is the row number)."""
    return sep.join(template.format(t=t) for t in range(k))


def generate_source(arch: int, negative: int) -> str:
    """Python source of a ``train_chunk`` for negative sampling with ``negative`` draws."""
    k = 1 + negative
    i12, i16 = " " * 12, " " * 16
    draw = "\n".join(
        [f"{' ' * 12}t0 = private_row(centre, hot_map)"]
        + [f"{' ' * 12}t{t} = negatives[i, {t - 1}]" for t in range(1, k)]
        + [f"{' ' * 12}{_lines('targets[{t}] = t{t}', k)}"])

    def score_pass(rows: list[str], names: list[str], indent: str) -> list[str]:
        # k scores of each hidden[row] in one pass over the dimension, into locals
        # {name}0..{name}k-1: every output row loaded feeds each of the hidden rows
        out = [indent + _lines(name + "{t} = _ZERO", k) for name in names]
        out += [f"{indent}for d in range(dim):"]
        out += [f"{indent}    h{j} = hidden[{row}, d]" for j, row in enumerate(rows)]
        for t in range(k):
            if len(rows) == 1:
                out += [f"{indent}    {names[0]}{t} += h0 * context_vectors[t{t}, d]"]
            else:
                out += [f"{indent}    row_t = context_vectors[t{t}, d]"]
                out += [f"{indent}    {name}{t} += h{j} * row_t" for j, name in enumerate(names)]
        return out

    def errors(row: str, score, indent: str) -> list[str]:
        # the errors g_t = alpha (y_t - sig(s_t)) of the scores score(t), stored in
        # scores[row, t]; the loss -log sig(s_0) - sum log sig(-s_t) with one log per
        # LOG_BATCH factors. A negative equal to the positive gets g = 0, no loss.
        out = [f"{indent}o0 = _sigmoid({score(0)}, sigmoid_table)",
               f"{indent}product *= max(o0, MIN_PROBABILITY)",
               f"{indent}scores[{row}, 0] = np.float32(alpha * (_ONE - o0))"]
        for t in range(1, k):
            if t % kernels.LOG_BATCH == 0:  # only when k > LOG_BATCH
                out += [f"{indent}loss -= math.log(product)", f"{indent}product = 1.0"]
            out += [f"{indent}if t{t} != t0:",
                    f"{indent}    o{t} = _sigmoid({score(t)}, sigmoid_table)",
                    f"{indent}    product *= max(1.0 - o{t}, MIN_PROBABILITY)",
                    f"{indent}    scores[{row}, {t}] = np.float32(alpha * -o{t})",
                    f"{indent}else:",
                    f"{indent}    scores[{row}, {t}] = _ZERO"]
        if k > kernels.LOG_BATCH:
            out += [f"{indent}loss -= math.log(product)", f"{indent}product = 1.0"]
        else:  # the product carries over rows (and centre words): one log per ROWS_PER_LOG
            out += [f"{indent}pending += 1",
                    f"{indent}if pending == ROWS_PER_LOG:",
                    f"{indent}    loss -= math.log(product)",
                    f"{indent}    product = 1.0",
                    f"{indent}    pending = 0"]
        return out

    def dots(row: str, indent: str) -> str:
        # the k scores and errors of one hidden row
        return "\n".join(score_pass([row], ["s"], indent)
                         + errors(row, lambda t: f"s{t}", indent))

    def stored_scores(rows: list[str], indent: str) -> str:
        # the k scores of each of rows in one pass, stored in scores[row, t]
        names = ["s", "u"][:len(rows)]
        out = score_pass(rows, names, indent)
        for row, name in zip(rows, names):
            out += [indent + _lines(f"scores[{row}, {{t}}] = {name}{{t}}", k)]
        return "\n".join(out)

    fused = " + ".join(f"g{t} * context_vectors[t{t}, d]" for t in range(k))
    def by_count(indent: str, locals_: str, statement) -> str:
        # "if n_ctx == n: <locals for t < n>; for d: <statement(n)>" for each count of
        # ONE_PASS_CONTEXTS, chained with elif (the caller adds the else branch)
        out = []
        for n in ONE_PASS_CONTEXTS:
            out += [f"{indent}{'elif' if out else 'if'} n_ctx == {n}:",
                    f"{indent}    {_lines(locals_, n)}",
                    f"{indent}    for d in range(dim):",
                    f"{indent}        {statement(n)}"]
        return "\n".join(out)

    one_pass_updates = by_count(i16, "a{t} = scores[{t}, t]", lambda n: (
        "context_vectors[o, d] += " + " + ".join(f"a{r} * hidden[{r}, d]" for r in range(n))))
    one_pass_sums = by_count(i12, "c{t} = contexts[{t}]", lambda n: (
        "hidden[0, d] = (" + " + ".join(f"word_vectors[c{r}, d]" for r in range(n))
        + ") * scale"))
    def cbow_passes(indent: str) -> str:
        # CBOW's grad_h = sum_t g_t o_t (old output rows), then o_t += g_t h, row by row
        return "\n".join(indent + line for line in [
            "for d in range(dim):",
            f"    grad_hidden[0, d] = {fused}",
            "for t in range(K):",
            "    o = targets[t]",
            "    g = scores[0, t]",
            "    for d in range(dim):",
            "        context_vectors[o, d] += g * hidden[0, d]"])

    cbow_errors = _lines("g{t} = scores[0, {t}]", k)
    if k <= ONE_PASS_MAX_ROWS:
        cbow_output_step = f"""\
            # grad_h = sum_t g_t o_t with the old output rows, then o_t += g_t h: in one
            # pass when the k rows are distinct (each row loaded once feeds both; see the
            # module docstring), else in k + 1 passes, which add a repeated row's updates
            # one after the other
            {cbow_errors}
            if _all_distinct(targets, K):
                for d in range(dim):
                    h = hidden[0, d]
                    {_lines("o{t} = context_vectors[t{t}, d]", k)}
                    grad_hidden[0, d] = {" + ".join(f"g{t} * o{t}" for t in range(k))}
                    {_lines("context_vectors[t{t}, d] = o{t} + g{t} * h", k)}
            else:
{cbow_passes(i16)}"""
    else:
        cbow_output_step = f"""\
            {cbow_errors}
{cbow_passes(i12)}"""
    if arch == kernels.ARCH_CBOW:
        body = f"""\
            # hidden = sum (or mean) of the context rows, in one pass (see ONE_PASS_CONTEXTS)
            scale = _ONE / np.float32(n_ctx) if cbow_mean else _ONE
{one_pass_sums}
            else:  # more contexts: one pass per context row
                row = contexts[0]
                for d in range(dim):
                    hidden[0, d] = word_vectors[row, d]
                for c in range(1, n_ctx):
                    row = contexts[c]
                    for d in range(dim):
                        hidden[0, d] += word_vectors[row, d]
                for d in range(dim):
                    hidden[0, d] *= scale
{dots("0", i12)}
{cbow_output_step}
            for c in range(n_ctx):
                row = contexts[c]
                for d in range(dim):
                    word_vectors[row, d] += grad_hidden[0, d]
            examples += 1"""
    else:
        body = f"""\
            # HogBatch: every context row predicts the centre through the same k rows
            for r in range(n_ctx):
                row = contexts[r]
                for d in range(dim):
                    hidden[r, d] = word_vectors[row, d]
            # the scores of two context rows per pass over the dimension (each output row
            # loaded feeds both; an odd row left over is paired with itself), then all
            # their errors
            r = 0
            while r < n_ctx:
                pair = min(r + 1, n_ctx - 1)
{stored_scores(["r", "pair"], i16)}
                r += 2
            for r in range(n_ctx):
{chr(10).join(errors("r", lambda t: f"scores[r, {t}]", i16))}
            # W_in[c] += sum_t g_t o_t (old output rows), one fused pass per two contexts
            # (each output row loaded feeds both; a word twice in the window is one row
            # twice, and the second += reads the first's result); an odd row left over
            # is paired with itself, adding zero the second time
            r = 0
            while r < n_ctx:
                row = contexts[r]
                {_lines("g{t} = scores[r, {t}]", k)}
                if r + 1 < n_ctx:
                    pair = contexts[r + 1]
                    {_lines("q{t} = scores[r + 1, {t}]", k)}
                else:
                    pair = row
                    {_lines("q{t} = _ZERO", k)}
                for d in range(dim):
                    {_lines("o{t} = context_vectors[t{t}, d]", k)}
                    word_vectors[row, d] += {" + ".join(f"g{t} * o{t}" for t in range(k))}
                    word_vectors[pair, d] += {" + ".join(f"q{t} * o{t}" for t in range(k))}
                r += 2
            # o_t += sum_r g_rt h_r: one pass over each output row (see ONE_PASS_CONTEXTS)
            for t in range(K):
                o = targets[t]
{one_pass_updates}
                else:  # more contexts: two hidden rows per pass
                    r = 0
                    while r + 1 < n_ctx:
                        ga = scores[r, t]
                        gb = scores[r + 1, t]
                        for d in range(dim):
                            context_vectors[o, d] += ga * hidden[r, d] + gb * hidden[r + 1, d]
                        r += 2
                    if r < n_ctx:
                        ga = scores[r, t]
                        for d in range(dim):
                            context_vectors[o, d] += ga * hidden[r, d]
            examples += n_ctx"""
    return f'''\
# Generated by w2v.specialise: negative sampling, {"CBOW" if arch == kernels.ARCH_CBOW
                                                  else "skip-gram (batched)"}, negative={negative}.
# Do not edit: the file name hashes this source, so a change gets a new file.
import math

import numba as nb
import numpy as np

from w2v.kernels import (FASTMATH, MIN_PROBABILITY, KernelCompiler, _advance,
                         _alias_pick, _all_distinct, _alpha_at, _below, _gather_contexts,
                         _sigmoid, _subsample, prefetch_row, private_row)

K = {k}
NEGATIVE = {negative}
ROWS_PER_LOG = {max(1, kernels.LOG_BATCH // k)}
_ZERO = np.float32(0.0)
_ONE = np.float32(1.0)


@nb.njit(nogil=True, cache=True, fastmath=FASTMATH, pipeline_class=KernelCompiler)
def train_chunk(word_vectors, context_vectors, tokens, sentence_starts, keep_prob,
                arch, layer, cbow_mean, batch_contexts, window, shrink_windows, negative,
                alias_threshold, alias_index, hs_points, hs_codes, hs_lengths,
                alpha_start, alpha_end, rng,
                kept, contexts, targets, labels, hidden, grad_hidden, scores, hot_map,
                sigmoid_table):
    n_tokens = tokens.shape[0]
    dim = word_vectors.shape[1]
    longest = min(kept.shape[0], n_tokens)  # no sentence is longer than the chunk
    negatives = np.empty((longest, NEGATIVE), dtype=np.int32)
    reaches = np.empty(longest, dtype=np.int64)
    loss = 0.0
    product = 1.0   # probabilities not yet logged (see LOG_BATCH)
    pending = 0     # rows in product
    examples = 0
    span = max(n_tokens - 1, 1)
    for sent in range(sentence_starts.shape[0] - 1):
        start = sentence_starts[sent]
        stop = sentence_starts[sent + 1]
        n = _subsample(tokens, start, stop, keep_prob, rng, kept)
        if n < 2:
            continue
        # The sentence's random draws up front, in the order the words use them (each
        # word: its window, then its negatives; with n >= 2 every word has a context,
        # so every word draws), so the next word's output rows can be prefetched.
        # The generator's state stays in a local variable meanwhile (see _advance).
        state = rng[0]
        for i in range(n):
            reach = window
            if shrink_windows:
                state, x = _advance(state)
                reach = window - _below(x, window)
            reaches[i] = reach
            for t in range(NEGATIVE):  # stored as the rows this thread uses
                state, x = _advance(state)
                negatives[i, t] = private_row(_alias_pick(x, alias_threshold, alias_index),
                                              hot_map)
        rng[0] = state
        for t in range(NEGATIVE):
            prefetch_row(context_vectors, negatives[0, t])
        for i in range(n):
            if i + 1 < n:
                # the next word's output rows (its negatives and itself), and the input
                # row that enters the window next (the others are in cache already)
                for t in range(NEGATIVE):
                    prefetch_row(context_vectors, negatives[i + 1, t])
                prefetch_row(context_vectors, private_row(kept[i + 1], hot_map))
                if i + 1 + window < n:
                    prefetch_row(word_vectors, kept[i + 1 + window])
            alpha = _alpha_at(alpha_start, alpha_end, start, stop, i, n, span)
            centre = kept[i]
            n_ctx = _gather_contexts(kept, n, i, reaches[i], contexts)
            if n_ctx == 0:
                continue
{draw}
{body}
    loss -= math.log(product)
    return loss, examples, n_tokens
'''

