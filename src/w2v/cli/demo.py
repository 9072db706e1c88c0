"""``w2v demo``: train on the bundled demo corpus, then show neighbours and an analogy."""

from __future__ import annotations

import argparse

from ..demo import demo_corpus_path
from ..errors import VocabularyError
from .train import add_training_options, epoch_printer, model_from_args

COMMAND = "demo"
HELP = "train on the bundled 1M-word Wikipedia demo corpus and show what the vectors learned"

#: Words whose neighbours the demo prints: frequent enough in 1M words of Wikipedia.
DEMO_WORDS = ("king", "france", "war", "music", "three", "computer")
#: (a, b, c): "a is to b as c is to ?"
#: 1M words is small for analogies: these tend to come out right; king - man + woman
#: needs more text (try ``w2v train`` on a larger corpus).
DEMO_ANALOGIES = (("france", "french", "germany"), ("two", "second", "three"),
                  ("man", "king", "woman"))
DEMO_TOPN = 8


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="MODEL", default="demo.w2v",
                        help="where to save the trained model")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_training_options(parser)
    parser.set_defaults(epochs=5)


def run(args: argparse.Namespace) -> int:
    path = demo_corpus_path()
    print(f"demo corpus: {path}")
    model = model_from_args(args)
    model.build_vocab(path, progress=not args.no_progress)
    print(f"vocabulary: {len(model.vocabulary_):,} words covering "
          f"{model.vocabulary_.total_count:,} tokens", flush=True)
    model.train(path, progress=not args.no_progress, callbacks=[epoch_printer])
    model.save(args.output)
    print(f"saved the model to {args.output} ({model.words_per_second_:,.0f} words/s)\n")
    wv = model.wv
    for word in DEMO_WORDS:
        if word not in wv:
            continue
        near = ", ".join(f"{w} {s:.2f}" for w, s in wv.most_similar(word, topn=DEMO_TOPN))
        print(f"nearest to {word!r}: {near}")
    print()
    for a, b, c in DEMO_ANALOGIES:
        try:
            answers = wv.analogy(a, b, c, topn=3)
        except VocabularyError:
            continue
        shown = ", ".join(f"{w} {s:.2f}" for w, s in answers)
        print(f"{a} is to {b} as {c} is to: {shown}")
    print(f"\nnext: w2v similar {args.output} WORD   |   w2v analogy {args.output} A B C"
          f"   |   w2v evaluate {args.output}")
    return 0
