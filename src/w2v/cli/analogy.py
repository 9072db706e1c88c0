"""``w2v analogy``: "A is to B as C is to ?" (man king woman -> queen)."""

from __future__ import annotations

import argparse

from ..formats import load_keyed_vectors
from ..vectors import ANALOGY_METHODS
from .similar import add_vectors_options, format_scores

COMMAND = "analogy"
HELP = "solve 'A is to B as C is to ?' (e.g. man king woman)"

DEFAULT_TOPN = 5


def register(parser: argparse.ArgumentParser) -> None:
    add_vectors_options(parser)
    parser.add_argument("a", metavar="A", help="A of 'A is to B as C is to ?'")
    parser.add_argument("b", metavar="B", help="B of 'A is to B as C is to ?'")
    parser.add_argument("c", metavar="C", help="C of 'A is to B as C is to ?'")
    parser.add_argument("--topn", type=int, default=DEFAULT_TOPN,
                        help="how many answers to print")
    parser.add_argument("--method", choices=ANALOGY_METHODS, default=ANALOGY_METHODS[0],
                        help="3cosadd: cos(x, B - A + C); 3cosmul: Levy & Goldberg's "
                             "multiplicative objective")


def run(args: argparse.Namespace) -> int:
    kv = load_keyed_vectors(args.model, vectors=args.vectors)
    results = kv.analogy(args.a, args.b, args.c, method=args.method, topn=args.topn,
                         restrict_vocab=args.restrict_vocab)
    print(f"{args.a} is to {args.b} as {args.c} is to:")
    print(format_scores(results, args.method))
    return 0
