"""Does the training kernel itself scale from 1 to 2 threads?

Calls the kernel training uses (``w2v.specialise.kernel_for``: the specialised
negative-sampling kernel) directly (no driver, no text reading) on the first
``--words`` in-vocabulary tokens of the corpus: once on one thread, then on two Python
threads at once, each on its own copy of the matrices ("separate") or both on the same
matrices ("shared", Hogwild). Skip-gram NS, batched contexts, dim 100, window 5.

    python benchmarks/kernel_threads.py [--words 1000000]
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np

from w2v import kernels as K
from w2v import specialise
from w2v.corpus import TextCorpus
from w2v.sampling import AliasTable, HuffmanTree, keep_probabilities
from w2v.vocab import Vocabulary

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "data", "corpora",
                              "enwiki-text8style-17m.zip")
DIM, WINDOW, NEGATIVE = 100, 5, 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    corpus = TextCorpus(args.corpus)
    vocab = Vocabulary.build(corpus, min_count=5)
    pieces, n = [], 0
    for sentence in corpus:
        pieces.append(vocab.encode(sentence))
        n += pieces[-1].size
        if n >= args.words:
            break
    ids = np.concatenate(pieces)[: args.words]
    starts = np.arange(0, ids.size + 1, 10_000, dtype=np.int64)
    if starts[-1] != ids.size:
        starts = np.append(starts, ids.size)
    alias = AliasTable.for_negative_sampling(vocab.counts)
    tree = HuffmanTree(vocab.counts)
    keep = keep_probabilities(vocab.counts, 1e-3)

    def matrices():
        rng = np.random.default_rng(0)
        w = ((rng.random((len(vocab), DIM), dtype=np.float32) - 0.5) / DIM)
        return w, np.zeros((len(vocab), DIM), dtype=np.float32)

    kernel = specialise.kernel_for(arch=K.ARCH_SKIPGRAM, layer=K.LAYER_NS, negative=NEGATIVE,
                                   batch_contexts=True)

    def work(w, c, seed):
        scratch = K.Scratch(dim=DIM, window=WINDOW, max_sentence_length=10_000,
                            max_targets=1 + NEGATIVE, max_hidden=2 * WINDOW)
        kernel(w, c, ids, starts, keep, K.ARCH_SKIPGRAM, K.LAYER_NS, 1, 1, WINDOW, 1,
                      NEGATIVE, alias.threshold, alias.alias, tree.points, tree.codes,
                      tree.code_lengths, 0.025, 0.0001, K.seed_rng(seed), *scratch.arrays())

    work(*matrices(), 1)  # compile or load the cache
    for shared in (False, True):
        w1, c1 = matrices()
        w2, c2 = (w1, c1) if shared else matrices()
        start = time.perf_counter()
        work(w1, c1, 1)
        one = time.perf_counter() - start
        threads = [threading.Thread(target=work, args=(w1, c1, 1)),
                   threading.Thread(target=work, args=(w2, c2, 2))]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        two = time.perf_counter() - start
        print(f"{'shared' if shared else 'separate'} matrices: 1 thread "
              f"{ids.size / one:,.0f} words/s, 2 threads {2 * ids.size / two:,.0f} words/s, "
              f"speed-up {2 * one / two:.2f}")


if __name__ == "__main__":
    main()
