"""``w2v convert``: write a model's or a vectors file's vectors in another format."""

from __future__ import annotations

import argparse

from ..formats import VECTOR_KINDS, load_keyed_vectors, save_glove, save_word2vec

COMMAND = "convert"
HELP = "convert a model or vectors file to word2vec binary, word2vec text or GloVe"

# Output formats: "word2vec" is the C tool's binary format.
OUTPUT_FORMATS = ("word2vec", "word2vec-text", "glove")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="IN",
                        help="a w2v model file or a vectors file (format detected)")
    parser.add_argument("output", metavar="OUT", help="the file to write")
    parser.add_argument("--format", choices=OUTPUT_FORMATS, required=True,
                        help="output format (word2vec = the C tool's binary format)")
    parser.add_argument("--vectors", choices=VECTOR_KINDS, default="in",
                        help="for a model file: input, output (context) or summed vectors")


def run(args: argparse.Namespace) -> int:
    kv = load_keyed_vectors(args.input, vectors=args.vectors)
    if args.format == "glove":
        save_glove(args.output, kv)
    else:
        save_word2vec(args.output, kv, binary=args.format == "word2vec")
    print(f"wrote {len(kv)} vectors of dimension {kv.dim} to {args.output} "
          f"({args.format})")
    return 0
