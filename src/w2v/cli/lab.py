"""``w2v lab``: reports that show why word2vec's weights become semantic.

``w2v lab toy``, ``w2v lab pmi MODEL CORPUS``, ``w2v lab window CORPUS`` and
``w2v lab vectors MODEL`` each write one self-contained HTML file (opens offline).
"""

from __future__ import annotations

import argparse
import os
import time

COMMAND = "lab"
HELP = "explain why the weights encode meaning: toy steps, PMI, window size, in/out vectors"


def _formatter():
    from . import _Formatter
    return _Formatter


def register(parser: argparse.ArgumentParser) -> None:
    from ..lab.pmi import DEFAULT_TOP_WORDS
    from ..lab.toy import MOVEMENT_EPOCHS, TOY_SEED
    from ..lab.vectors_study import DEFAULT_TOPN, DEFAULT_WORDS
    from ..lab.window import DEFAULT_EPOCHS, DEFAULT_PROBES

    sub = parser.add_subparsers(dest="study", metavar="STUDY")
    sub.required = True
    fmt = _formatter()

    toy = sub.add_parser("toy", formatter_class=fmt,
                         help="the seed example's training steps, written out")
    toy.add_argument("-o", "--output", default="lab-toy.html", help="HTML report to write")
    toy.add_argument("--seed", type=int, default=TOY_SEED, help="seed of the toy weights")
    toy.add_argument("--epochs", type=int, default=MOVEMENT_EPOCHS,
                     help="epochs of the two-group movement study")
    toy.set_defaults(_study=_run_toy)

    pmi = sub.add_parser("pmi", formatter_class=fmt,
                         help="skip-gram NS vs shifted PMI; PPMI and SVD embeddings")
    pmi.add_argument("model", metavar="MODEL", help="a model saved by `w2v train` (--loss ns)")
    pmi.add_argument("corpus", metavar="CORPUS", help="the corpus it was trained on")
    pmi.add_argument("--top", type=int, default=DEFAULT_TOP_WORDS,
                     help="most frequent words counted (rows and contexts)")
    pmi.add_argument("--seed", type=int, default=0, help="seed of sampling and SVD")
    pmi.add_argument("-o", "--output", default="lab-pmi.html", help="HTML report to write")
    pmi.set_defaults(_study=_run_pmi)

    win = sub.add_parser("window", formatter_class=fmt,
                         help="one model per window: similarity vs relatedness")
    win.add_argument("corpus", metavar="CORPUS", help="corpus file or directory")
    win.add_argument("--windows", default="2,5,10,15", help="comma-separated windows")
    win.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help="epochs per model")
    win.add_argument("--arch", choices=("skipgram", "cbow"), default="skipgram")
    win.add_argument("--dim", type=int, default=100)
    win.add_argument("--min-count", type=int, default=5)
    win.add_argument("--threads", type=int, default=None, help="default: all cores")
    win.add_argument("--seed", type=int, default=1)
    win.add_argument("--probes", default=",".join(DEFAULT_PROBES),
                     help="comma-separated words whose neighbours are listed")
    win.add_argument("-o", "--output", default="lab-window.html", help="HTML report to write")
    win.set_defaults(_study=_run_window)

    vec = sub.add_parser("vectors", formatter_class=fmt,
                         help="neighbours by input, output, sum and input-to-output vectors")
    vec.add_argument("model", metavar="MODEL", help="a model saved by `w2v train`")
    vec.add_argument("--words", default=",".join(DEFAULT_WORDS),
                     help="comma-separated words to show")
    vec.add_argument("--topn", type=int, default=DEFAULT_TOPN, help="neighbours per list")
    vec.add_argument("-o", "--output", default="lab-vectors.html", help="HTML report to write")
    vec.set_defaults(_study=_run_vectors)


def _load_model(path: str):
    from ..model import Word2Vec
    return Word2Vec.load(path)


def _run_toy(args):
    from ..lab import build_toy_report
    return build_toy_report(seed=args.seed, epochs=args.epochs)


def _run_pmi(args):
    from ..lab import build_pmi_report
    model = _load_model(args.model)
    return build_pmi_report(model, args.corpus, top=args.top, seed=args.seed,
                            model_name=os.path.basename(args.model),
                            corpus_name=os.path.basename(args.corpus))


def _run_window(args):
    from ..lab import build_window_report
    probes = [p for p in args.probes.split(",") if p]
    return build_window_report(args.corpus, corpus_name=os.path.basename(args.corpus),
                               windows=args.windows, epochs=args.epochs, probes=probes,
                               arch=args.arch, dim=args.dim, min_count=args.min_count,
                               threads=args.threads, seed=args.seed)


def _run_vectors(args):
    from ..lab import build_vectors_report
    model = _load_model(args.model)
    return build_vectors_report(model, model_name=os.path.basename(args.model),
                                words=args.words, topn=args.topn)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    report = args._study(args)
    report.write(args.output)
    print(f"wrote {args.output} ({time.perf_counter() - start:.1f} s)")
    return 0
