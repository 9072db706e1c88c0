"""``w2v evaluate``: analogy accuracy and word-similarity correlation, one column per model.

    w2v evaluate vectors.bin
    w2v evaluate a.model b.vec --suite all --method 3cosmul --json
    w2v evaluate vectors.txt --suite none --analogies my-questions.txt --similarity my-pairs.tsv
"""

from __future__ import annotations

import argparse
import json
import os

from ..evaluation import (DEFAULT_ANALOGY_RESTRICT_VOCAB, DEFAULT_SIMILARITY_RESTRICT_VOCAB,
                          METHODS, SUITES, evaluate, format_comparison)

COMMAND = "evaluate"
HELP = "score vectors on analogy and word-similarity benchmarks"

VECTOR_CHOICES = ("in", "out", "sum")
#: ``--restrict-vocab 0``: search the whole vocabulary.
WHOLE_VOCABULARY = 0


def _vocabulary_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid N {text!r} (expected an integer >= 0; "
                                         f"{WHOLE_VOCABULARY} = all words)")
    return value


def register(parser) -> None:
    parser.add_argument("models", nargs="+", metavar="MODEL",
                        help="w2v model or vectors file (word2vec text/binary, GloVe, .vec); "
                             "several give one column each")
    parser.add_argument("--suite", choices=tuple(SUITES), default="standard",
                        help="bundled sets: standard = every single-word set (Google and MSR "
                             "analogies, WS-353 and its splits, SimLex-999, MEN, RW, MTurk-287, "
                             "MTurk-771, SimVerb-3500, RG-65); quick = Google, WS-353, "
                             "SimLex-999, MEN; all = standard + Google phrase analogies; "
                             "none = only the files given")
    parser.add_argument("--analogies", nargs="+", action="extend", default=[], metavar="FILE",
                        help="extra analogy files ('a b c d' lines, optional ': section' lines)")
    parser.add_argument("--similarity", nargs="+", action="extend", default=[], metavar="FILE",
                        help="extra word-pair files ('word1 word2 score' lines)")
    parser.add_argument("--restrict-vocab", type=_vocabulary_size,
                        default=DEFAULT_ANALOGY_RESTRICT_VOCAB,
                        metavar="N",
                        help="analogies: only the N most frequent words are known and "
                             f"searched ({WHOLE_VOCABULARY} = all)")
    parser.add_argument("--similarity-restrict-vocab", type=_vocabulary_size,
                        default=DEFAULT_SIMILARITY_RESTRICT_VOCAB, metavar="N",
                        help=f"word pairs: only the N most frequent words are known "
                             f"({WHOLE_VOCABULARY} = all)")
    parser.add_argument("--method", choices=METHODS, default="3cosadd",
                        help="analogy solver (Levy & Goldberg 2014)")
    parser.add_argument("--vectors", choices=VECTOR_CHOICES, default="in",
                        help="for w2v models: input, output or summed vectors")
    parser.add_argument("--case-sensitive", action="store_true",
                        help="match words exactly instead of upper-cased")
    parser.add_argument("--show-oov", action="store_true",
                        help="list the word pairs skipped as out of vocabulary")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _labels(paths: list[str]) -> list[str]:
    """Column headers: file names, or the paths as given when two names clash."""
    names = [os.path.basename(os.path.normpath(p)) or p for p in paths]
    return names if len(set(names)) == len(names) else list(paths)


def _restriction(n: int) -> int | None:
    return None if n == WHOLE_VOCABULARY else n


def run(args) -> int:
    from ..formats import load_keyed_vectors

    reports = []
    for path, label in zip(args.models, _labels(args.models)):
        kv = load_keyed_vectors(path, vectors=args.vectors)
        reports.append(evaluate(
            kv, suite=args.suite, analogies=args.analogies, similarities=args.similarity,
            restrict_vocab=_restriction(args.restrict_vocab),
            similarity_restrict_vocab=_restriction(args.similarity_restrict_vocab),
            method=args.method, case_insensitive=not args.case_sensitive, name=label))
    if args.json:
        print(json.dumps({"models": [r.to_dict() for r in reports]}, indent=2,
                         allow_nan=False))
    else:
        print(format_comparison(reports, show_oov=args.show_oov))
    return 0
