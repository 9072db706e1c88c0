"""Generic vs specialised training kernels, one thread, side by side.

Calls the kernels directly (no driver, no text reading) on the first ``--words``
in-vocabulary tokens of the corpus, in chunks of 10,000 tokens: for each configuration
the generic :func:`w2v.kernels.train_chunk` and the kernel
:func:`w2v.specialise.kernel_for` picks (the generated negative-sampling kernels, the
register-blocked kernels of :mod:`w2v.hs_kernel`) alternate, ``--repeats`` times each, on fresh
copies of the same initial weights, and the medians are printed with their ratio. Both
kernels make the same random draws, so they do the same work; the script also checks that
they agree on the loss. Issue settings: dim 100, window 5, negative 5, sample 1e-3,
min_count 5.

    python benchmarks/specialised_kernels.py [--words 2000000] [--repeats 3]
        [--config sg-ns,cbow-ns,sg-hs,cbow-hs]

Measured 2026-11-25 on the 2-core AMD EPYC, machine otherwise nearly idle (words/s, one
thread, medians of 3, 2M words):

    sg-ns    generic   811,328 -> specialised 1,117,543  x1.38  (loss agrees to 1.6e-10)
    cbow-ns  generic 1,704,397 -> specialised 2,520,296  x1.48  (loss agrees to 4.4e-9)

Measured 2026-11-26 (session 5; the same command, all four configurations; the
matrices here are plain, not the trainer's padded rows, which gave sg-hs x1.48):

    sg-ns    generic   893,354 -> specialised 1,485,888  x1.66  (loss agrees to 9.2e-10)
    cbow-ns  generic 1,975,535 -> specialised 3,575,140  x1.81  (loss agrees to 8.7e-9)
    sg-hs    generic   534,892 -> hs_kernel     724,667  x1.35  (loss agrees to 8.6e-10)
    cbow-hs  generic 1,631,470 -> hs_kernel   1,990,131  x1.22  (loss agrees to 2.3e-9)

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
CONFIGS = {"sg-ns": (K.ARCH_SKIPGRAM, K.LAYER_NS, 0.025), "cbow-ns": (K.ARCH_CBOW, K.LAYER_NS, 0.05),
           "sg-hs": (K.ARCH_SKIPGRAM, K.LAYER_HS, 0.025), "cbow-hs": (K.ARCH_CBOW, K.LAYER_HS, 0.05)}


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0], words=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--config", default=",".join(CONFIGS))
    args = parser.parse_args()
    unknown = sorted(set(args.config.split(",")) - set(CONFIGS))
    if unknown:
        parser.error(f"--config: unknown {', '.join(unknown)}; expected some of "
                     f"{', '.join(CONFIGS)}")
    problem = load_problem(args.corpus, args.words)
    ids, starts = problem.ids, chunk_starts(problem.ids.size)
    alias, tree, keep = problem.alias, problem.tree, problem.keep

    def run(kernel, arch, layer, alpha):
        w, c = problem.matrices(DIM, hs=layer == K.LAYER_HS)
        max_targets = tree.points.shape[1] if layer == K.LAYER_HS else 1 + NEGATIVE
        scratch = K.Scratch(dim=DIM, window=WINDOW, max_sentence_length=CHUNK_WORDS,
                            max_targets=max_targets, max_hidden=2 * WINDOW)
        rng = K.seed_rng(1)
        loss = 0.0
        began = time.perf_counter()
        for a, b in zip(starts[:-1], starts[1:]):
            chunk = ids[a:b]
            bounds = np.array([0, chunk.size], dtype=np.int64)
            loss += kernel(w, c, chunk, bounds, keep, arch, layer, 1, 1, WINDOW, 1,
                           NEGATIVE, alias.threshold, alias.alias, tree.points, tree.codes,
                           tree.code_lengths, alpha, alpha, rng, *scratch.arrays())[0]
        return ids.size / (time.perf_counter() - began), loss

    for name in args.config.split(","):
        arch, layer, alpha = CONFIGS[name]
        kernels = {"generic": K.train_chunk,
                   "specialised": specialise.kernel_for(arch=arch, layer=layer,
                                                        negative=NEGATIVE, batch_contexts=True)}
        for kernel in kernels.values():
            run(kernel, arch, layer, alpha)    # compile or load from the cache
        speeds = {k: [] for k in kernels}
        losses = {}
        for _ in range(args.repeats):
            for label, kernel in kernels.items():
                wps, losses[label] = run(kernel, arch, layer, alpha)
                speeds[label].append(wps)
        med = {k: statistics.median(v) for k, v in speeds.items()}
        agree = abs(losses["generic"] - losses["specialised"]) / abs(losses["generic"])
        print(f"{name}: generic {med['generic']:,.0f} words/s, specialised "
              f"{med['specialised']:,.0f} words/s, x{med['specialised'] / med['generic']:.2f} "
              f"(loss relative difference {agree:.1e})")


if __name__ == "__main__":
    main()
