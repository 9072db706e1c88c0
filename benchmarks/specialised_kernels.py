"""Generic vs specialised training kernels, one thread, side by side.

Calls the kernels directly (no driver, no text reading) on the first ``--words``
in-vocabulary tokens of the corpus, in chunks of 10,000 tokens like the trainer: for each
negative-sampling configuration the generic :func:`w2v.kernels.train_chunk` and the
generated :func:`w2v.specialise.ns_kernel` alternate, ``--repeats`` times each, on fresh
copies of the same initial weights, and the medians are printed with their ratio. Both
kernels make the same random draws, so they do the same work; the script also checks that
they agree on the loss. Issue settings: dim 100, window 5, negative 5, sample 1e-3,
min_count 5.

    python benchmarks/specialised_kernels.py [--words 2000000] [--repeats 3]

Measured 2026-11-25 on the 2-core AMD EPYC, machine otherwise nearly idle (words/s, one
thread, medians of 3, 2M words):

    sg-ns    generic   811,328 -> specialised 1,117,543  x1.38  (loss agrees to 1.6e-10)
    cbow-ns  generic 1,704,397 -> specialised 2,520,296  x1.48  (loss agrees to 4.4e-9)

For scale: the generic kernel as it was before this work (one output row per pass, CBOW
context sum with strided loads) ran 0.58-0.65M (sg-ns) and 0.85-0.93M (cbow-ns) words/s
in the same kind of run.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from _kernel_problem import CHUNK_WORDS, argument_parser, chunk_starts, load_problem
from w2v import kernels as K
from w2v import specialise

DIM, WINDOW, NEGATIVE = 100, 5, 5
CONFIGS = {"sg-ns": (K.ARCH_SKIPGRAM, 0.025), "cbow-ns": (K.ARCH_CBOW, 0.05)}


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0], words=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    problem = load_problem(args.corpus, args.words)
    ids, starts = problem.ids, chunk_starts(problem.ids.size)
    alias, tree, keep = problem.alias, problem.tree, problem.keep

    def run(kernel, arch, alpha):
        w, c = problem.matrices(DIM)
        scratch = K.Scratch(dim=DIM, window=WINDOW, max_sentence_length=CHUNK_WORDS,
                            max_targets=1 + NEGATIVE, max_hidden=2 * WINDOW)
        rng = K.seed_rng(1)
        loss = 0.0
        began = time.perf_counter()
        for a, b in zip(starts[:-1], starts[1:]):
            chunk = ids[a:b]
            bounds = np.array([0, chunk.size], dtype=np.int64)
            loss += kernel(w, c, chunk, bounds, keep, arch, K.LAYER_NS, 1, 1, WINDOW, 1,
                           NEGATIVE, alias.threshold, alias.alias, tree.points, tree.codes,
                           tree.code_lengths, alpha, alpha, rng, *scratch.arrays())[0]
        return ids.size / (time.perf_counter() - began), loss

    for name, (arch, alpha) in CONFIGS.items():
        kernels = {"generic": K.train_chunk, "specialised": specialise.ns_kernel(arch, NEGATIVE)}
        for kernel in kernels.values():
            run(kernel, arch, alpha)           # compile or load from the cache
        speeds = {k: [] for k in kernels}
        losses = {}
        for _ in range(args.repeats):
            for label, kernel in kernels.items():
                wps, losses[label] = run(kernel, arch, alpha)
                speeds[label].append(wps)
        med = {k: statistics.median(v) for k, v in speeds.items()}
        agree = abs(losses["generic"] - losses["specialised"]) / abs(losses["generic"])
        print(f"{name}: generic {med['generic']:,.0f} words/s, specialised "
              f"{med['specialised']:,.0f} words/s, x{med['specialised'] / med['generic']:.2f} "
              f"(loss relative difference {agree:.1e})")


if __name__ == "__main__":
    main()
