"""``lab vectors``: what do the input and the output matrices each encode?

A negative-sampling model has two vectors per word: the input vector (``W_in``, the
usual embedding) and the output vector (``W_out``). :func:`neighbour_table` lists the
neighbours of a word four ways:

* ``in``: cosine of input vectors (the usual neighbours);
* ``out``: cosine of output vectors;
* ``sum``: cosine of input + output vectors (GloVe's and Levy et al.'s trick);
* ``in-out``: the word's *input* vector against every *output* vector. Training pushes
  ``W_in[w] . W_out[c]`` up for words that occur *together*, so this ranking favours
  topical relatedness (Nalisnick et al. 2016, "dual embedding space").

:func:`vector_scores` scores each way on the similarity benchmarks; for ``in-out`` the
similarity of a pair is the symmetric ``(cos(in_a, out_b) + cos(out_a, in_b)) / 2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validation as V
from ..errors import VocabularyError
from ..evaluation import evaluate_similarity, load_similarity_pairs, spearman
from .pmi import SIMILARITY_BENCHMARKS

__all__ = ["MODES", "neighbours", "in_out_similarity", "vector_scores",
           "VectorsStudy", "vectors_study", "build_vectors_report", "DEFAULT_WORDS"]

MODES = ("in", "out", "sum", "in-out")
#: Words shown when none are given (those missing from the vocabulary are skipped).
DEFAULT_WORDS = ("car", "king", "france", "computer", "water", "music", "doctor", "war")
#: Neighbours listed per word and mode.
DEFAULT_TOPN = 10


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


def _matrices(model):
    if model.loss == "hs":
        V.fail("model", f"loss={model.loss!r}", "a model with output word vectors "
               "(loss 'ns' or 'softmax'; hierarchical softmax has tree-node vectors)")
    w_in = _unit(model.word_vectors_)
    w_out = _unit(model.context_vectors_)
    w_sum = _unit(model.word_vectors_ + model.context_vectors_)
    return {"in": (w_in, w_in), "out": (w_out, w_out), "sum": (w_sum, w_sum),
            "in-out": (w_in, w_out)}


def neighbours(model, word: str, *, mode: str = "in", topn: int = DEFAULT_TOPN):
    """``topn`` (word, cosine) neighbours of ``word`` under ``mode`` (see :data:`MODES`);
    the word itself is left out."""
    mode = V.check_choice("mode", mode, MODES)
    topn = V.check_int("topn", topn, min=1)
    index = model.vocabulary_.index
    if word not in index:
        raise VocabularyError(f"word {word!r} is not in the vocabulary "
                              f"({len(index)} words)")
    query, candidates = _matrices(model)[mode]
    i = index[word]
    scores = candidates @ query[i]
    scores[i] = -np.inf
    top = np.argsort(-scores, kind="stable")[:topn]
    words = model.vocabulary_.words
    return [(words[j], float(scores[j])) for j in top]


def in_out_similarity(model, pairs) -> tuple[float, int]:
    """Spearman correlation of ``(cos(in_a, out_b) + cos(out_a, in_b)) / 2`` with the
    human scores of ``pairs`` ((word, word, score) triples); returns (rho, pairs found).
    Words are looked up as written, then lower-cased."""
    index = model.vocabulary_.index
    w_in = _unit(model.word_vectors_)
    w_out = _unit(model.context_vectors_)
    ours, human = [], []
    for a, b, score in pairs:
        ia = index.get(a, index.get(a.lower()))
        ib = index.get(b, index.get(b.lower()))
        if ia is None or ib is None:
            continue
        ours.append((float(w_in[ia] @ w_out[ib]) + float(w_out[ia] @ w_in[ib])) / 2.0)
        human.append(score)
    if len(ours) < 2:
        return float("nan"), len(ours)
    return spearman(np.array(ours), np.array(human)), len(ours)


def vector_scores(model, benchmarks=SIMILARITY_BENCHMARKS) -> dict:
    """Benchmark -> mode -> Spearman correlation."""
    scores = {}
    for name in benchmarks:
        row = {}
        for mode, which in (("in", "in"), ("out", "out"), ("sum", "sum")):
            row[mode] = evaluate_similarity(model.vectors(which), name,
                                            restrict_vocab=None).spearman
        row["in-out"], _ = in_out_similarity(model, load_similarity_pairs(name))
        scores[name] = row
    return scores


@dataclass
class VectorsStudy:
    """Neighbour lists (word -> mode -> [(word, cosine)]) and benchmark scores."""

    words: list[str]
    neighbours: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)


def vectors_study(model, *, words=DEFAULT_WORDS, topn: int = DEFAULT_TOPN) -> VectorsStudy:
    """Neighbours of ``words`` (those in the vocabulary) in every mode, and scores."""
    if isinstance(words, str):
        words = [w for w in words.split(",") if w]
    index = model.vocabulary_.index
    present = [w for w in words if w in index]
    if not present:
        V.fail("words", list(words), "at least one word of the model's vocabulary")
    study = VectorsStudy(present)
    for w in present:
        study.neighbours[w] = {mode: neighbours(model, w, mode=mode, topn=topn)
                               for mode in MODES}
    study.scores = vector_scores(model)
    return study


def build_vectors_report(model, *, model_name: str = "model", **kwargs):
    """The ``lab vectors`` report (a :class:`w2v.lab.report.Report`)."""
    from .report import Report

    study = vectors_study(model, **kwargs)
    report = Report("Why word2vec's weights become semantic: input and output vectors")
    report.paragraph(
        f"Model {model_name} ({model.arch}, loss {model.loss}, window {model.window}, dim "
        f"{model.dim}). 'in': neighbours by input vectors (the usual embedding); 'out': by "
        "output vectors; 'sum': by input + output; 'in-out': the word's input vector "
        "against every output vector. Training raises W_in[w] . W_out[c] for words that "
        "occur together, so 'in-out' ranks the words a word co-occurs with (topical "
        "relatedness), while 'in' ranks words that share contexts (similarity).")
    report.heading("Benchmark scores (Spearman)")
    report.table(["benchmark", *MODES],
                 [[name, *[row[m] for m in MODES]] for name, row in study.scores.items()])
    report.paragraph("For 'in-out' a pair scores (cos(in_a, out_b) + cos(out_a, in_b)) / 2.",
                     note=True)
    report.heading("Neighbours side by side")
    for w in study.words:
        lists = study.neighbours[w]
        rows = [[f"{lists[m][r][0]} ({lists[m][r][1]:.2f})" for m in MODES]
                for r in range(len(lists["in"]))]
        report.table([f"{w}: {m}" for m in MODES], rows, text_columns=len(MODES))
    report.data = {"words": study.words, "neighbours": study.neighbours,
                   "scores": study.scores}
    return report
