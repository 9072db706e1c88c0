"""Do hierarchical softmax and the exact full softmax learn sensible neighbours?

Trains CBOW and skip-gram with each output layer on the bundled demo corpus (full
softmax on a few-thousand-word vocabulary, since it costs O(V) per prediction) and
prints the nearest neighbours of a few probe words, with training time.

    python benchmarks/output_layers.py [--words N] [--vocab 3000]
"""

from __future__ import annotations

import argparse
import gzip
import time

from w2v import Word2Vec
from w2v.demo import demo_corpus_path

PROBES = ("three", "france", "war", "king", "music")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000,
                        help="first N words of the demo corpus")
    parser.add_argument("--vocab", type=int, default=3000,
                        help="vocabulary size for the full softmax (max_final_vocab)")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    with gzip.open(demo_corpus_path(), "rt") as f:
        words = f.read().split()[: args.words]
    corpus = [words[i:i + 1000] for i in range(0, len(words), 1000)]
    runs = [("cbow", "hs", None), ("skipgram", "hs", None),
            ("cbow", "softmax", args.vocab), ("skipgram", "softmax", args.vocab)]
    for arch, loss, vocab in runs:
        model = Word2Vec(arch=arch, loss=loss, dim=50, epochs=args.epochs,
                         max_final_vocab=vocab, seed=1)
        start = time.perf_counter()
        model.fit(corpus)
        seconds = time.perf_counter() - start
        print(f"\n## {arch} + {loss}: {len(model.vocabulary_):,} words, "
              f"{len(words):,} corpus words, {args.epochs} epochs, {seconds:.1f} s, "
              f"final loss {model.loss_history_[-1]:.3f}")
        for probe in PROBES:
            if probe in model.wv:
                near = ", ".join(w for w, _ in model.wv.most_similar(probe, topn=8))
                print(f"- {probe}: {near}")


if __name__ == "__main__":
    main()
