"""``w2v vocab``: count a corpus's words and write the vocabulary file."""

from __future__ import annotations

import argparse

from ..corpus import ENCODING_ERRORS
from ..vocab import Vocabulary

COMMAND = "vocab"
HELP = "count the words of a corpus and write a 'word count' vocabulary file"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("corpus", metavar="CORPUS",
                        help="corpus file (plain, .gz, .bz2, .xz or single-member .zip) "
                             "or a directory of them; one sentence per line")
    parser.add_argument("-o", "--output", metavar="VOCAB.txt", required=True,
                        help="vocabulary file to write: 'word count' lines, most "
                             "frequent first")
    parser.add_argument("--min-count", type=int, default=5, metavar="N",
                        help="drop words seen fewer than N times")
    parser.add_argument("--max-vocab-size", type=int, default=None, metavar="N",
                        help="bound the words held while counting, pruning rare ones as "
                             "the word2vec tool does (for corpora too large for memory)")
    parser.add_argument("--max-final-vocab", type=int, default=None, metavar="N",
                        help="keep only the N most frequent words")
    parser.add_argument("--encoding-errors", choices=ENCODING_ERRORS, default="strict",
                        help="what to do with bytes that are not valid UTF-8")
    parser.add_argument("--no-progress", action="store_true",
                        help="do not show the progress bar")


def run(args: argparse.Namespace) -> int:
    vocab = Vocabulary.build(args.corpus, min_count=args.min_count,
                             max_vocab_size=args.max_vocab_size,
                             max_final_vocab=args.max_final_vocab,
                             progress=not args.no_progress,
                             encoding_errors=args.encoding_errors)
    vocab.save(args.output)
    print(f"{len(vocab):,} distinct words kept (min_count={args.min_count}), covering "
          f"{vocab.total_count:,} of {vocab.corpus_word_count:,} tokens in "
          f"{vocab.sentence_count:,} sentences; wrote {args.output}")
    return 0
