"""``lab window``: does the window size trade similarity for relatedness?

The seed documents claim that small windows make words that can *replace* each other
close (similarity: "car"/"automobile"), and large windows make words of the same
*topic* close (relatedness: "car"/"road"). :func:`window_study` trains one model per
window on the same vocabulary and reports similarity benchmarks (SimLex-999, WS-353
similarity) against relatedness benchmarks (WS-353 relatedness, MEN), and the
neighbours of a few probe words under each window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import _validation as V
from ..corpus import as_corpus
from ..evaluation import evaluate_similarity
from ..vocab import Vocabulary

__all__ = ["WindowStudy", "window_study", "build_window_report", "DEFAULT_WINDOWS",
           "SIMILARITY_SETS", "RELATEDNESS_SETS", "DEFAULT_PROBES"]

DEFAULT_WINDOWS = (2, 5, 10, 15)
#: Benchmarks scoring substitutability, and benchmarks scoring topical association.
SIMILARITY_SETS = ("simlex999", "ws353_similarity")
RELATEDNESS_SETS = ("ws353_relatedness", "men")
#: Probe words whose neighbours are listed (those missing from the vocabulary are
#: skipped): concrete nouns, a verb and an adjective, frequent in Wikipedia text.
DEFAULT_PROBES = ("car", "king", "france", "computer", "water", "run", "good", "music")
#: Neighbours listed per probe word and window.
NEIGHBOURS = 8
#: Default epochs of each model: the study trains len(windows) models, and large
#: windows cost proportionally more, so fewer epochs than `w2v train`'s 5.
DEFAULT_EPOCHS = 3


@dataclass
class WindowStudy:
    """Scores and neighbours per window.

    Attributes
    ----------
    windows : list of int
    scores : dict
        Benchmark -> list of Spearman correlations, one per window.
    neighbours : dict
        Probe word -> list (one per window) of neighbour lists.
    seconds : list of float
        Training time per model.
    settings : dict
        The models' shared parameters.
    """

    windows: list[int]
    scores: dict = field(default_factory=dict)
    neighbours: dict = field(default_factory=dict)
    seconds: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    models: list = field(default_factory=list, repr=False)


def _parse_windows(windows) -> list[int]:
    if isinstance(windows, str):
        try:
            windows = [int(w) for w in windows.split(",") if w.strip()]
        except ValueError:
            V.fail("windows", windows, "comma-separated integers, e.g. 2,5,10,15")
    windows = [V.check_int("windows[]", w, min=1, max=1000) for w in windows]
    if not windows:
        V.fail("windows", windows, "at least one window")
    if len(set(windows)) != len(windows):
        V.fail("windows", windows, "distinct windows")
    return sorted(windows)


def window_study(corpus, *, windows=DEFAULT_WINDOWS, epochs: int = DEFAULT_EPOCHS,
                 probes=DEFAULT_PROBES, keep_models: bool = False, progress: bool = False,
                 **params) -> WindowStudy:
    """Train one :class:`~w2v.model.Word2Vec` per window and evaluate each.

    Parameters
    ----------
    corpus : path or iterable of token lists
    windows : iterable of int or "2,5,10,15"
    epochs : int
    probes : iterable of str
        Words whose neighbours are listed.
    keep_models : bool
        Keep the trained models in ``WindowStudy.models``.
    **params
        Other :class:`~w2v.model.Word2Vec` parameters (``arch``, ``dim``, ``threads``,
        ``min_count``, ``seed``...), the same for every model.
    """
    from ..model import Word2Vec

    windows = _parse_windows(windows)
    epochs = V.check_int("epochs", epochs, min=1)
    if "window" in params:
        V.fail("window", params["window"], "windows=... (the study sets the window)")
    template = Word2Vec(window=windows[0], epochs=epochs, **params)
    corpus = as_corpus(corpus, max_sentence_length=template.max_sentence_length)
    vocabulary = Vocabulary.build(corpus, min_count=template.min_count,
                                  max_vocab_size=template.max_vocab_size,
                                  max_final_vocab=template.max_final_vocab,
                                  max_sentence_length=template.max_sentence_length)
    settings = {k: v for k, v in template.get_params().items() if k != "window"}
    study = WindowStudy(windows, settings=settings)
    probes = [p for p in probes if p in vocabulary.index]
    for name in SIMILARITY_SETS + RELATEDNESS_SETS:
        study.scores[name] = []
    for p in probes:
        study.neighbours[p] = []
    for window in windows:
        model = Word2Vec(**{**settings, "window": window})
        model.set_vocabulary(vocabulary)
        start = time.perf_counter()
        model.train(corpus, progress=progress)
        study.seconds.append(time.perf_counter() - start)
        kv = model.vectors("in")
        for name in study.scores:
            study.scores[name].append(evaluate_similarity(kv, name).spearman)
        for p in probes:
            study.neighbours[p].append([w for w, _ in kv.most_similar(p, topn=NEIGHBOURS)])
        if keep_models:
            study.models.append(model)
    return study


def build_window_report(corpus, *, corpus_name: str = "corpus", **kwargs):
    """The ``lab window`` report (a :class:`w2v.lab.report.Report`); ``kwargs`` go to
    :func:`window_study`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .report import Report

    study = window_study(corpus, **kwargs)
    s = study.settings
    report = Report("Why word2vec's weights become semantic: window size, similarity "
                    "and relatedness")
    report.paragraph(
        f"Corpus {corpus_name}. One model per window ({', '.join(map(str, study.windows))}), "
        f"same vocabulary and settings: {s['arch']}, loss {s['loss']}, dim {s['dim']}, "
        f"{s['epochs']} epochs, negative {s['negative']}, sample {s['sample']}, min_count "
        f"{s['min_count']}, seed {s['seed']}. Scores are Spearman correlations with human "
        "judgements. Similarity sets reward substitutable words; relatedness sets reward "
        "topical association.")
    report.table(["benchmark", "kind"] + [f"window {w}" for w in study.windows],
                 [[name, "similarity" if name in SIMILARITY_SETS else "relatedness",
                   *study.scores[name]] for name in study.scores], text_columns=2)
    report.paragraph("Training seconds per model: "
                     + ", ".join(f"window {w}: {t:.0f} s"
                                 for w, t in zip(study.windows, study.seconds)), note=True)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, values in study.scores.items():
        style = "-" if name in SIMILARITY_SETS else "--"
        ax.plot(study.windows, values, style, marker="o", label=name)
    sim = np.nanmean([study.scores[n] for n in SIMILARITY_SETS], axis=0)
    rel = np.nanmean([study.scores[n] for n in RELATEDNESS_SETS], axis=0)
    ax.plot(study.windows, sim, "-", color="k", linewidth=2.5, label="similarity (mean)")
    ax.plot(study.windows, rel, "--", color="k", linewidth=2.5, label="relatedness (mean)")
    ax.set_xlabel("window")
    ax.set_ylabel("Spearman correlation")
    ax.legend(fontsize=8)
    report.figure(fig, alt="benchmark scores per window")
    report.heading("Neighbours side by side")
    for probe, lists in study.neighbours.items():
        rows = [[rank + 1, *[lst[rank] for lst in lists]] for rank in range(NEIGHBOURS)]
        report.table([probe] + [f"window {w}" for w in study.windows], rows,
                     text_columns=len(study.windows) + 1)
    report.data = {"windows": study.windows, "scores": study.scores,
                   "similarity_mean": sim, "relatedness_mean": rel,
                   "neighbours": study.neighbours, "seconds": study.seconds,
                   "settings": study.settings}
    return report
