r"""``lab pmi``: skip-gram with negative sampling as an implicit PMI factorisation.

Levy & Goldberg (2014) showed that, at its optimum, skip-gram with ``k`` negative
samples sets ``w . c = PMI(w, c) - log k`` for every word/context pair, with the
contexts' probability taken from the negative-sampling distribution. This module:

* counts co-occurrences of the ``top`` most frequent words over a corpus with a Numba
  kernel over the encoded ids (:func:`cooccurrence_counts`), with the model's window
  and, when the model shrinks windows, word2vec's expected weighting of a context at
  distance ``d``: ``(window - d + 1) / window`` (the probability that a reach drawn
  uniformly from 1..window covers ``d``); otherwise every context in the window counts 1;
* builds the PMI matrix (:func:`pmi_matrix`), optionally with the contexts' counts
  raised to a power (0.75: the smoothing of Levy, Goldberg & Dagan 2015, which is also
  word2vec's negative-sampling distribution);
* correlates ``W_in[w] . W_out[c]`` with ``PMI(w, c) - log k`` over the pairs seen at
  least once (:func:`pmi_study`);
* builds the explicit PPMI vectors and their truncated SVD (eigenvalue weighting 0.5,
  context smoothing 0.75; :func:`svd_embeddings`), with a randomised SVD in plain NumPy
  (Halko, Martinsson & Tropp 2011), so no SciPy is needed.

Known differences from what the model saw: the model subsamples frequent words (the
counts here do not), and a finite corpus and a finite number of epochs leave the
model short of the optimum the theorem describes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba as nb
import numpy as np

from .. import _validation as V
from ..corpus import as_corpus
from ..errors import ParameterError
from ..evaluation import evaluate_analogies, evaluate_similarity, pearson, spearman
from ..vectors import KeyedVectors

__all__ = ["encode_corpus", "cooccurrence_counts", "pmi_matrix", "ppmi_matrix",
           "svd_embeddings", "randomized_svd", "PMIStudy", "pmi_study",
           "DEFAULT_TOP_WORDS", "SIMILARITY_BENCHMARKS"]

#: Words (rows and contexts) of the co-occurrence matrix: a dense 5000 x 5000 float64
#: matrix is 200 MB, and 5000 words cover most benchmark pairs of a text8-size corpus.
DEFAULT_TOP_WORDS = 5000
#: Levy, Goldberg & Dagan (2015): singular values raised to 0.5 when forming the SVD
#: embeddings, and contexts' counts raised to 0.75 in PPMI.
EIGENVALUE_WEIGHT = 0.5
CONTEXT_SMOOTHING = 0.75
#: Randomised SVD: extra random directions and power iterations (Halko et al. 2011 advise
#: 5-10 extra and a few iterations for slowly decaying spectra such as PPMI's).
SVD_OVERSAMPLING = 10
SVD_POWER_ITERATIONS = 4
#: Pairs drawn for the Spearman correlation (ranking every pair of a 5000-word matrix
#: is slow; a million pairs fix the coefficient to about 1e-3) and for the scatter plot.
SPEARMAN_SAMPLE = 1_000_000
SCATTER_SAMPLE = 20_000
#: The similarity benchmarks every lab report shows.
SIMILARITY_BENCHMARKS = ("simlex999", "ws353_similarity", "ws353_relatedness", "men")


def encode_corpus(corpus, vocabulary, *, max_sentence_length: int = 10_000):
    """The corpus as word ids (words outside ``vocabulary`` dropped, as the model drops
    them): ``(tokens int32[n], sentence_starts int64[m + 1])``."""
    corpus = as_corpus(corpus, max_sentence_length=max_sentence_length)
    pieces = []
    lengths = [0]
    for sentence in corpus:
        ids = vocabulary.encode(sentence)
        if len(ids):
            pieces.append(ids)
            lengths.append(len(ids))
    tokens = np.concatenate(pieces).astype(np.int32) if pieces else np.zeros(0, np.int32)
    return tokens, np.cumsum(lengths, dtype=np.int64)


@nb.njit(nogil=True, cache=True)
def _count_pairs(tokens, starts, n_top, window, dynamic, counts):
    for s in range(starts.shape[0] - 1):
        lo = starts[s]
        hi = starts[s + 1]
        for i in range(lo, hi):
            w = tokens[i]
            if w >= n_top:
                continue
            for j in range(max(lo, i - window), min(hi, i + window + 1)):
                c = tokens[j]
                if j == i or c >= n_top:
                    continue
                if dynamic:
                    counts[w, c] += (window - abs(i - j) + 1) / window
                else:
                    counts[w, c] += 1.0


def cooccurrence_counts(tokens: np.ndarray, sentence_starts: np.ndarray, *, top: int,
                        window: int, dynamic: bool = True) -> np.ndarray:
    """Weighted co-occurrence counts of the words with id < ``top`` (float64, top x top).

    ``counts[w, c]`` sums, over every occurrence of ``w`` and every ``c`` at distance
    ``1 <= d <= window`` in the same sentence, the weight ``(window - d + 1) / window``
    if ``dynamic`` (word2vec's shrinking windows, in expectation) or 1.
    """
    top = V.check_int("top", top, min=1)
    window = V.check_int("window", window, min=1)
    dynamic = V.check_bool("dynamic", dynamic)
    counts = np.zeros((top, top), dtype=np.float64)
    _count_pairs(np.ascontiguousarray(tokens, dtype=np.int32),
                 np.ascontiguousarray(sentence_starts, dtype=np.int64), top, window,
                 dynamic, counts)
    return counts


def pmi_matrix(counts: np.ndarray, *, context_smoothing: float = 1.0) -> np.ndarray:
    """``PMI(w, c) = log(#(w, c) * D / (#w * #c))``, ``-inf`` where ``#(w, c) = 0``.

    ``#w`` and ``#c`` are the row and column sums, ``D`` the total. With
    ``context_smoothing`` alpha != 1, ``#c / D`` is replaced by ``#c^alpha / sum #c^alpha``.
    """
    alpha = V.check_float("context_smoothing", context_smoothing, min=0.0, max=1.0)
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    row = counts.sum(axis=1)
    col = counts.sum(axis=0) ** alpha
    p_context = col / col.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts) - np.log(row[:, None] / total) - np.log(p_context[None, :]) \
            - math.log(total)
    pmi[counts <= 0] = -np.inf
    return pmi


def ppmi_matrix(counts: np.ndarray, *,
                context_smoothing: float = CONTEXT_SMOOTHING) -> np.ndarray:
    """``max(PMI, 0)`` (float32), zero where the pair never occurs."""
    pmi = pmi_matrix(counts, context_smoothing=context_smoothing)
    return np.maximum(pmi, 0.0).astype(np.float32)


def randomized_svd(matrix: np.ndarray, rank: int, *, seed: int = 0):
    """Top ``rank`` singular triplets ``(U, s, Vt)`` of a dense matrix, by randomised
    range finding with power iterations (Halko, Martinsson & Tropp 2011, alg. 4.4)."""
    rank = V.check_int("rank", rank, min=1, max=min(matrix.shape))
    gen = np.random.default_rng(seed)
    width = min(rank + SVD_OVERSAMPLING, min(matrix.shape))
    q, _ = np.linalg.qr(matrix @ gen.standard_normal((matrix.shape[1], width))
                        .astype(matrix.dtype))
    for _ in range(SVD_POWER_ITERATIONS):
        q, _ = np.linalg.qr(matrix.T @ q)
        q, _ = np.linalg.qr(matrix @ q)
    u_small, s, vt = np.linalg.svd(q.T @ matrix, full_matrices=False)
    return (q @ u_small)[:, :rank], s[:rank], vt[:rank]


def svd_embeddings(counts: np.ndarray, dim: int, *,
                   eigenvalue_weight: float = EIGENVALUE_WEIGHT,
                   context_smoothing: float = CONTEXT_SMOOTHING, seed: int = 0) -> np.ndarray:
    """Word vectors ``U_d * S_d^p`` of the PPMI matrix (Levy, Goldberg & Dagan 2015)."""
    p = V.check_float("eigenvalue_weight", eigenvalue_weight, min=0.0, max=1.0)
    ppmi = ppmi_matrix(counts, context_smoothing=context_smoothing)
    u, s, _ = randomized_svd(ppmi, dim, seed=seed)
    return (u * s[None, :] ** p).astype(np.float32)


@dataclass
class PMIStudy:
    """How closely a skip-gram NS model's ``W_in . W_out^T`` follows shifted PMI.

    Attributes
    ----------
    words : list of str
        The ``top`` most frequent words (rows and contexts).
    negative : int
        The model's ``k``.
    window : int
    dynamic : bool
        Whether counts were weighted as shrinking windows.
    pairs : int
        Pairs with a non-zero count (the pairs correlated).
    pearson, spearman : float
        Correlation of ``W_in[w] . W_out[c]`` with ``PMI(w, c) - log k``.
    pearson_smoothed, spearman_smoothed : float
        The same with contexts' counts raised to the model's ``ns_exponent`` (the
        negative-sampling distribution: what the optimum really refers to).
    scatter_dot, scatter_shifted_pmi : ndarray
        A random sample of the pairs, for the plot.
    scores : dict
        Benchmark name -> {"model": ..., "model_top": ..., "ppmi": ..., "svd": ...}
        Spearman correlations (``model_top``: the model restricted to the same words).
    """

    words: list[str]
    negative: int
    window: int
    dynamic: bool
    pairs: int
    pearson: float
    spearman: float
    pearson_smoothed: float
    spearman_smoothed: float
    scatter_dot: np.ndarray
    scatter_shifted_pmi: np.ndarray
    mean_dot: float = math.nan
    mean_shifted_pmi: float = math.nan
    scores: dict = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)


def _correlations(dots: np.ndarray, shifted: np.ndarray, gen) -> tuple[float, float]:
    sample = (gen.choice(len(dots), SPEARMAN_SAMPLE, replace=False)
              if len(dots) > SPEARMAN_SAMPLE else slice(None))
    return pearson(dots, shifted), spearman(dots[sample], shifted[sample])


def pmi_study(model, corpus, *, top: int = DEFAULT_TOP_WORDS, evaluate: bool = True,
              seed: int = 0, tokens=None) -> PMIStudy:
    """Count, build PMI, correlate with the model and (``evaluate``) compare benchmark
    scores of the model, the explicit PPMI vectors and their SVD.

    Parameters
    ----------
    model : Word2Vec
        A trained model with negative sampling (``loss="ns"``).
    corpus : path or iterable of token lists
        The corpus it was trained on (or any corpus to count).
    top : int
        Words (most frequent first) in the co-occurrence matrix.
    tokens : (ndarray, ndarray), optional
        The corpus already encoded by :func:`encode_corpus` (skips reading it).
    """
    if getattr(model, "loss", None) != "ns":
        raise ParameterError(f"parameter model: loss={getattr(model, 'loss', None)!r}: "
                             "expected a negative-sampling model (loss='ns'); the PMI "
                             "result is about skip-gram with negative sampling")
    top = V.check_int("top", top, min=2)
    top = min(top, len(model.vocabulary_))
    if tokens is None:
        tokens = encode_corpus(corpus, model.vocabulary_,
                               max_sentence_length=model.max_sentence_length)
    counts = cooccurrence_counts(*tokens, top=top, window=model.window,
                                 dynamic=model.shrink_windows)
    seen = counts > 0
    if not seen.any():
        raise ParameterError("parameter corpus: no co-occurrence among the model's words "
                             "(expected the corpus the model was trained on)")
    shift = math.log(model.negative)
    dots = (model.word_vectors_[:top].astype(np.float64)
            @ model.context_vectors_[:top].astype(np.float64).T)[seen]
    shifted = pmi_matrix(counts)[seen] - shift
    shifted_smooth = pmi_matrix(counts, context_smoothing=model.ns_exponent)[seen] - shift
    gen = np.random.default_rng(seed)
    r, rho = _correlations(dots, shifted, gen)
    r_s, rho_s = _correlations(dots, shifted_smooth, gen)
    pick = gen.choice(len(dots), min(SCATTER_SAMPLE, len(dots)), replace=False)
    words = model.vocabulary_.words[:top]
    study = PMIStudy(words, model.negative, model.window, model.shrink_windows,
                     int(seen.sum()), r, rho, r_s, rho_s, dots[pick], shifted[pick],
                     float(dots.mean()), float(shifted.mean()))
    if evaluate:
        kv_model = model.vectors("in")
        svd = KeyedVectors(words, svd_embeddings(counts, model.dim, seed=seed))
        ppmi = KeyedVectors(words, ppmi_matrix(counts))
        del counts
        for name in SIMILARITY_BENCHMARKS:
            results = {"model": evaluate_similarity(kv_model, name),
                       "model_top": evaluate_similarity(kv_model, name, restrict_vocab=top),
                       "ppmi": evaluate_similarity(ppmi, name),
                       "svd": evaluate_similarity(svd, name)}
            study.scores[name] = {k: v.spearman for k, v in results.items()}
            study.coverage[name] = {k: f"{v.pairs_found}/{v.pairs_total}"
                                    for k, v in results.items()}
        google = {"model": evaluate_analogies(kv_model, "google"),
                  "model_top": evaluate_analogies(kv_model, "google", restrict_vocab=top),
                  "svd": evaluate_analogies(svd, "google")}
        study.scores["google (accuracy)"] = {k: v.accuracy for k, v in google.items()}
        study.scores["google (accuracy)"]["ppmi"] = math.nan
        study.coverage["google (accuracy)"] = {
            k: f"{v.total.evaluated}/{v.total.questions}" for k, v in google.items()}
    return study


def build_pmi_report(model, corpus, *, top: int = DEFAULT_TOP_WORDS, seed: int = 0,
                     model_name: str = "model", corpus_name: str = "corpus"):
    """The ``lab pmi`` report (a :class:`w2v.lab.report.Report`)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .report import Report

    study = pmi_study(model, corpus, top=top, seed=seed)
    report = Report("Why word2vec's weights become semantic: skip-gram NS factorises "
                    "shifted PMI")
    report.paragraph(
        f"Model {model_name} ({model.arch}, negative sampling, k={model.negative}, "
        f"window {model.window}, dim {model.dim}); corpus {corpus_name}. Levy & Goldberg "
        "(2014): at the optimum of skip-gram with k negative samples, W_in[w] . W_out[c] = "
        "PMI(w, c) - log k. Counted here over the "
        f"{len(study.words)} most frequent words with the model's window, "
        + ("weighted as word2vec's shrinking windows ((window - d + 1) / window)"
           if study.dynamic else "every context in the window counting 1")
        + "; no subsampling (the model subsampled).")
    report.heading("Correlation over the pairs seen at least once")
    report.table(["target", "pairs", "Pearson", "Spearman"],
                 [["PMI(w, c) - log k", study.pairs, study.pearson, study.spearman],
                  [f"PMI with context counts ^ {model.ns_exponent} (the negative-sampling "
                   "distribution) - log k", study.pairs, study.pearson_smoothed,
                   study.spearman_smoothed]])
    report.paragraph(f"Mean over those pairs: W_in . W_out = {study.mean_dot:.3f}, "
                     f"PMI - log k = {study.mean_shifted_pmi:.3f}. Pairs never seen have "
                     "PMI = -inf and are left out.", note=True)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.scatter(study.scatter_shifted_pmi, study.scatter_dot, s=2, alpha=0.25)
    lo = float(min(study.scatter_shifted_pmi.min(), study.scatter_dot.min()))
    hi = float(max(study.scatter_shifted_pmi.max(), study.scatter_dot.max()))
    ax.plot([lo, hi], [lo, hi], color="k", linewidth=0.8, label="y = x (the optimum)")
    ax.set_xlabel("PMI(w, c) - log k")
    ax.set_ylabel("W_in[w] . W_out[c]")
    ax.set_title(f"{len(study.scatter_dot)} random pairs; Pearson {study.pearson:.3f}")
    ax.legend()
    report.figure(fig, alt="scatter of dot products against shifted PMI")
    report.heading("Explicit counts vs the trained model (Spearman, or accuracy)")
    report.paragraph(
        f"PPMI: rows of max(PMI, 0) with context counts ^ {CONTEXT_SMOOTHING}; SVD: "
        f"U_d S_d^{EIGENVALUE_WEIGHT} of that matrix, d = {model.dim} (Levy, Goldberg & "
        f"Dagan 2015). 'model (top {len(study.words)})' restricts the model to the same "
        "words, so every column sees the same pairs (and analogies search only those "
        "words). Pairs (questions) found in parentheses.")
    columns = ("model", "model_top", "ppmi", "svd")
    report.table(["benchmark", "model (all words)", f"model (top {len(study.words)})",
                  "PPMI", "SVD"],
                 [[name] + [f"{_fmt(study.scores[name].get(c))} "
                            f"({study.coverage[name].get(c, '-')})" for c in columns]
                  for name in study.scores])
    report.data = {"words": len(study.words), "negative": study.negative,
                   "window": study.window, "dynamic": study.dynamic, "pairs": study.pairs,
                   "pearson": study.pearson, "spearman": study.spearman,
                   "pearson_smoothed": study.pearson_smoothed,
                   "spearman_smoothed": study.spearman_smoothed,
                   "mean_dot": study.mean_dot, "mean_shifted_pmi": study.mean_shifted_pmi,
                   "scores": study.scores, "coverage": study.coverage}
    return report


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.3f}"
