"""Does the training kernel itself scale from 1 to 2 threads?

Calls the kernel training uses (``w2v.specialise.kernel_for``: the specialised
negative-sampling kernel) directly (no driver, no text reading) on the first
``--words`` in-vocabulary tokens of the corpus: once on one thread, then on two Python
threads at once, each on its own copy of the matrices ("separate") or both on the same
matrices ("shared", Hogwild). Skip-gram NS, batched contexts, dim 100, window 5.

    python benchmarks/kernel_threads.py [--words 1000000]
"""

from __future__ import annotations


from _kernel_problem import argument_parser, chunk_starts, load_problem, timed_threads
from w2v import kernels as K
from w2v import specialise

DIM, WINDOW, NEGATIVE = 100, 5, 5


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0], words=1_000_000)
    args = parser.parse_args()
    problem = load_problem(args.corpus, args.words)
    ids, starts = problem.ids, chunk_starts(problem.ids.size)
    kernel = specialise.kernel_for(arch=K.ARCH_SKIPGRAM, layer=K.LAYER_NS, negative=NEGATIVE,
                                   batch_contexts=True)

    def work(w, c, seed):
        scratch = K.Scratch(dim=DIM, window=WINDOW, max_sentence_length=10_000,
                            max_targets=1 + NEGATIVE, max_hidden=2 * WINDOW)
        kernel(w, c, ids, starts, problem.keep, K.ARCH_SKIPGRAM, K.LAYER_NS, 1, 1, WINDOW, 1,
               NEGATIVE, problem.alias.threshold, problem.alias.alias, problem.tree.points,
               problem.tree.codes, problem.tree.code_lengths, 0.025, 0.0001, K.seed_rng(seed),
               *scratch.arrays())

    work(*problem.matrices(DIM), 1)  # compile or load the cache
    for shared in (False, True):
        w1, c1 = problem.matrices(DIM)
        w2, c2 = (w1, c1) if shared else problem.matrices(DIM)
        one = timed_threads((work, (w1, c1, 1)))
        two = timed_threads((work, (w1, c1, 1)), (work, (w2, c2, 2)))
        print(f"{'shared' if shared else 'separate'} matrices: 1 thread "
              f"{ids.size / one:,.0f} words/s, 2 threads {2 * ids.size / two:,.0f} words/s, "
              f"speed-up {2 * one / two:.2f}")


if __name__ == "__main__":
    main()
