"""The generic kernel against the fast ones, inside the trainer, side by side.

Trains w2v on the same corpus with the kernel that :func:`w2v.specialise.kernel_for`
picks (the generated negative-sampling kernels, the register-blocked hierarchical-softmax
kernel) and with :func:`w2v.kernels.train_chunk` for every setting, alternating in one
process (vocabulary built once, every kernel loaded before the first timed run), and
prints the median words/s of each and their ratio. Issue settings: dim 100, window 5,
negative 5, sample 1e-3, min_count 5, 2 threads, 1 epoch.

    python benchmarks/fast_kernels.py [--words 0] [--config sg-hs,cbow-hs] [--repeats 3]

``--words 0`` trains on the whole corpus. Results are in RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from _trainer_problem import DEFAULT_CORPUS, TINY, issue_model, prepared_corpus
from w2v import kernels, specialise
#: label -> the kernel chooser the trainer calls (same keywords as ``kernel_for``)
CHOOSERS = {
    "generic": lambda **setting: kernels.train_chunk,
    "fast": specialise.kernel_for,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=4_000_000, help="0: all")
    parser.add_argument("--config", default="sg-hs,cbow-hs,sg-ns,cbow-ns")
    parser.add_argument("--kernels", default="generic,fast",
                        help=f"comma-separated, of {', '.join(CHOOSERS)}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    configs, labels = args.config.split(","), args.kernels.split(",")
    unknown = sorted(set(labels) - set(CHOOSERS))
    if unknown:
        parser.error(f"--kernels: unknown {', '.join(unknown)}; expected some of "
                     f"{', '.join(CHOOSERS)}")
    for config in configs:
        arch, _, loss = config.partition("-")
        if arch not in ("sg", "cbow") or loss not in ("ns", "hs"):
            parser.error(f"--config: {config!r} is not one of sg-ns, cbow-ns, sg-hs, cbow-hs")
    chosen = specialise.kernel_for
    with tempfile.TemporaryDirectory() as folder:
        corpus = prepared_corpus(args.corpus, args.words, folder)
        vocab = {c: issue_model(c, threads=args.threads).build_vocab(corpus).vocabulary_
                 for c in configs}
        speeds: dict[tuple[str, str], list[float]] = {}
        try:
            for label in labels:   # load (or compile) each kernel before any timed run
                specialise.kernel_for = CHOOSERS[label]
                for config in configs:
                    issue_model(config, min_count=1, threads=1).fit(TINY)
            for _ in range(args.repeats):
                for config in configs:
                    for label in labels:
                        specialise.kernel_for = CHOOSERS[label]
                        m = issue_model(config, threads=args.threads).set_vocabulary(
                            vocab[config])
                        m.train(corpus)
                        speeds.setdefault((config, label), []).append(m.words_per_second_)
                        print(f"{config} {label}: {m.words_per_second_:,.0f} words/s",
                              flush=True)
        finally:
            specialise.kernel_for = chosen
    for config in configs:
        base = statistics.median(speeds[(config, labels[0])])
        cells = [f"{label} {statistics.median(speeds[(config, label)]):,.0f} "
                 f"(x{statistics.median(speeds[(config, label)]) / base:.2f})"
                 for label in labels]
        print(f"{config}: " + "   ".join(cells))


if __name__ == "__main__":
    main()
