"""``w2v similar``: the nearest words to a word, or to WORD + WORD - NEGATIVE."""

from __future__ import annotations

import argparse
from typing import Sequence

from ..formats import VECTOR_KINDS, load_keyed_vectors

COMMAND = "similar"
HELP = "nearest words by cosine (e.g. king woman --negative man)"

DEFAULT_TOPN = 10
# Digits of the printed scores: cosines differ in the third or fourth decimal between
# close neighbours; more digits are noise from training.
SCORE_DIGITS = 4


def add_vectors_options(parser: argparse.ArgumentParser) -> None:
    """The options every query command shares: the file and which vectors to use."""
    parser.add_argument("model", metavar="MODEL_OR_VECTORS",
                        help="a w2v model file or a vectors file (word2vec binary or text, "
                             ".vec, GloVe; compressed is fine)")
    parser.add_argument("--vectors", choices=VECTOR_KINDS, default="in",
                        help="for a model file: input, output (context) or summed vectors")
    parser.add_argument("--restrict-vocab", type=int, default=None, metavar="N",
                        help="search only the N most frequent words (None: all words)")


def format_scores(results: Sequence[tuple[str, float]], score_name: str) -> str:
    """An aligned table: rank, word, score; one line per result, a header line first."""
    rank_width = max(len("#"), len(str(len(results))))
    word_width = max([len("word")] + [len(word) for word, _ in results])
    lines = [f"{'#':>{rank_width}}  {'word':<{word_width}}  {score_name}"]
    for rank, (word, score) in enumerate(results, start=1):
        lines.append(f"{rank:>{rank_width}}  {word:<{word_width}}  "
                     f"{score:>{len(score_name)}.{SCORE_DIGITS}f}")
    return "\n".join(lines)


def register(parser: argparse.ArgumentParser) -> None:
    add_vectors_options(parser)
    parser.add_argument("words", nargs="+", metavar="WORD",
                        help="words whose unit vectors are added")
    parser.add_argument("--negative", nargs="+", default=[], metavar="WORD",
                        help="words whose unit vectors are subtracted")
    parser.add_argument("--topn", type=int, default=DEFAULT_TOPN,
                        help="how many neighbours to print")


def run(args: argparse.Namespace) -> int:
    kv = load_keyed_vectors(args.model, vectors=args.vectors)
    results = kv.most_similar(positive=args.words, negative=args.negative, topn=args.topn,
                              restrict_vocab=args.restrict_vocab)
    print(format_scores(results, "cosine"))
    return 0
