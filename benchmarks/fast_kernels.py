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
import os
import statistics
import tempfile

from compare import prepare_corpus
from w2v import Word2Vec, kernels, specialise
from w2v.corpus import TextCorpus

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "data", "corpora",
                              "enwiki-text8style-17m.zip")
ARCHES = {"sg": "skipgram", "cbow": "cbow"}
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
    chosen = specialise.kernel_for
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "corpus.txt")
        prepare_corpus(args.corpus, path, max_words=args.words or None)   # as compare.py
        corpus = TextCorpus(path)

        def model(config: str, **overrides) -> Word2Vec:
            arch, loss = config.split("-")
            settings = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5,
                            epochs=1, threads=args.threads, seed=1)
            return Word2Vec(arch=ARCHES[arch], loss=loss, **{**settings, **overrides})

        vocab = {c: model(c).build_vocab(corpus).vocabulary_ for c in configs}
        tiny = [[f"w{(i * 7 + j) % 50}" for j in range(200)] for i in range(20)]
        speeds: dict[tuple[str, str], list[float]] = {}
        try:
            for label in labels:   # load (or compile) each kernel before any timed run
                specialise.kernel_for = CHOOSERS[label]
                for config in configs:
                    model(config, min_count=1, threads=1).fit(tiny)
            for _ in range(args.repeats):
                for config in configs:
                    for label in labels:
                        specialise.kernel_for = CHOOSERS[label]
                        m = model(config).set_vocabulary(vocab[config])
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
