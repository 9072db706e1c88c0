"""Hierarchical softmax over two threads: how much do shared tree nodes cost?

Calls the generic kernel (the trainer has run w2v.hs_kernel for HS since session 5;
the figures below are the generic kernel's) directly on the first ``--words`` in-vocabulary
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


from _kernel_problem import (CHUNK_WORDS, argument_parser, chunk_starts, load_problem,
                             timed_threads)
from w2v import kernels as K

DIM, WINDOW = 100, 5


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0], words=1_000_000)
    args = parser.parse_args()
    problem = load_problem(args.corpus, args.words)
    ids = problem.ids[: problem.ids.size - problem.ids.size % (2 * CHUNK_WORDS)]
    half = ids.size // 2
    tree = problem.tree

    def work(w, c, tokens, seed, arch):
        scratch = K.Scratch(dim=DIM, window=WINDOW, max_sentence_length=CHUNK_WORDS,
                            max_targets=tree.points.shape[1], max_hidden=2 * WINDOW)
        K.train_chunk(w, c, tokens, chunk_starts(tokens.size), problem.keep, arch,
                      K.LAYER_HS, 1, 1, WINDOW, 1, 0, problem.alias.threshold,
                      problem.alias.alias, tree.points, tree.codes, tree.code_lengths,
                      0.025, 0.0001, K.seed_rng(seed), *scratch.arrays())

    for arch, name in ((K.ARCH_SKIPGRAM, "sg-hs"), (K.ARCH_CBOW, "cbow-hs")):
        work(*problem.matrices(DIM, hs=True), ids[:CHUNK_WORDS], 1, arch)  # compile/load
        for shared in (False, True):
            w1, c1 = problem.matrices(DIM, hs=True)
            w2, c2 = (w1, c1) if shared else problem.matrices(DIM, hs=True)
            one = timed_threads((work, (w1, c1, ids, 1, arch)))
            two = timed_threads((work, (w1, c1, ids[:half], 1, arch)),
                                (work, (w2, c2, ids[half:], 2, arch)))
            print(f"{name} {'shared' if shared else 'separate'} matrices: 1 thread "
                  f"{ids.size / one:,.0f} words/s, 2 threads {ids.size / two:,.0f} words/s, "
                  f"x{one / two:.2f}", flush=True)


if __name__ == "__main__":
    main()
