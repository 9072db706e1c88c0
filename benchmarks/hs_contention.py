"""Hierarchical softmax over two threads: how much do shared tree nodes cost?

Calls the generic kernel (which trains HS) directly on the first ``--words`` in-vocabulary
tokens: one thread on all of them, then two Python threads on one half each -- on
separate copies of the matrices, then on the same matrices (Hogwild, as training does).
Every HS prediction updates the inner nodes on its word's Huffman path, and the few nodes
near the root are on nearly every path, so two threads sharing the matrices keep taking
those cache lines from each other; separate copies show the speed-up without that.
Skip-gram and CBOW, dim 100, window 5, sample 1e-3, min_count 5.

    python benchmarks/hs_contention.py [--words 1000000]

Measured 2026-11-25 (2-core AMD EPYC; three runs, the first an ad-hoc version of this
script; words/s over the whole 1M words, 1 thread -> 2 threads):

    sg-hs    separate x1.97, x1.99, x2.14     shared x1.67, x0.89, x1.72
    cbow-hs  separate x1.91, x1.86, x1.88     shared x1.44, x1.49, x1.54

One thread runs about 0.37-0.41M (sg-hs) and 1.30-1.43M (cbow-hs) words/s. Separate
copies scale almost perfectly; shared matrices lose 15-25 % (once, for sg-hs, more than
half): the cost is the shared nodes, not the kernel.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np

from w2v import kernels as K
from w2v.corpus import TextCorpus
from w2v.sampling import AliasTable, HuffmanTree, keep_probabilities
from w2v.vocab import Vocabulary

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "data", "corpora",
                              "enwiki-text8style-17m.zip")
DIM, WINDOW, SAMPLE, MIN_COUNT, CHUNK = 100, 5, 1e-3, 5, 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    corpus = TextCorpus(args.corpus)
    vocab = Vocabulary.build(corpus, min_count=MIN_COUNT)
    pieces, n = [], 0
    for sentence in corpus:
        pieces.append(vocab.encode(sentence))
        n += pieces[-1].size
        if n >= args.words:
            break
    ids = np.concatenate(pieces)[: args.words - args.words % (2 * CHUNK)]
    half = ids.size // 2
    alias = AliasTable.for_negative_sampling(vocab.counts)
    tree = HuffmanTree(vocab.counts)
    keep = keep_probabilities(vocab.counts, SAMPLE)

    def matrices():
        init = np.random.default_rng(0)
        w = (init.random((len(vocab), DIM), dtype=np.float32) - 0.5) / DIM
        return w, np.zeros((len(vocab) - 1, DIM), dtype=np.float32)

    def work(w, c, tokens, seed, arch):
        starts = np.arange(0, tokens.size + 1, CHUNK, dtype=np.int64)
        scratch = K.Scratch(dim=DIM, window=WINDOW, max_sentence_length=CHUNK,
                            max_targets=tree.points.shape[1], max_hidden=2 * WINDOW)
        K.train_chunk(w, c, tokens, starts, keep, arch, K.LAYER_HS, 1, 1, WINDOW, 1, 0,
                      alias.threshold, alias.alias, tree.points, tree.codes,
                      tree.code_lengths, 0.025, 0.0001, K.seed_rng(seed), *scratch.arrays())

    for arch, name in ((K.ARCH_SKIPGRAM, "sg-hs"), (K.ARCH_CBOW, "cbow-hs")):
        work(*matrices(), ids[:CHUNK], 1, arch)  # compile or load the cache
        for shared in (False, True):
            w1, c1 = matrices()
            w2, c2 = (w1, c1) if shared else matrices()
            began = time.perf_counter()
            work(w1, c1, ids, 1, arch)
            one = time.perf_counter() - began
            threads = [threading.Thread(target=work, args=(w1, c1, ids[:half], 1, arch)),
                       threading.Thread(target=work, args=(w2, c2, ids[half:], 2, arch))]
            began = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            two = time.perf_counter() - began
            print(f"{name} {'shared' if shared else 'separate'} matrices: 1 thread "
                  f"{ids.size / one:,.0f} words/s, 2 threads {ids.size / two:,.0f} words/s, "
                  f"x{one / two:.2f}", flush=True)


if __name__ == "__main__":
    main()
