"""Time the full standard evaluation suite on a random model.

The model's vocabulary starts with every word of the bundled evaluation sets (lower-cased,
shuffled), so that with the default ``restrict_vocab`` every question is evaluated (the
worst case), and is padded with filler words to ``--words``; vectors are Gaussian noise.

    python benchmarks/bench_evaluation.py                  # 50k x 100, suite standard
    python benchmarks/bench_evaluation.py --words 100000 --dim 300 --suite google \\
        --restrict-vocab 100000                              # the issue's "seconds" case

The issue's target: the standard suite on a 50k-word, 100-dim model in under 20 s.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

import numpy as np

from w2v.evaluation import (ANALOGY_SETS, SIMILARITY_SETS, SUITES, evaluate,
                            evaluate_analogies)
from w2v.vectors import KeyedVectors

SEED = 0  # fixed so repeated runs time the same work


def evaluation_words() -> list[str]:
    """Every distinct word (lower-cased) of the bundled evaluation sets."""
    words: dict[str, None] = {}
    root = resources.files("w2v").joinpath("data", "eval")
    for kind, table in (("analogy", ANALOGY_SETS), ("similarity", SIMILARITY_SETS)):
        for filename in table.values():
            text = root.joinpath(kind, filename).read_text(encoding="utf-8")
            for line in text.splitlines():
                if line.startswith(":"):
                    continue
                fields = line.split()
                if kind == "similarity":
                    fields = fields[:2]
                for w in fields:
                    words.setdefault(w.lower(), None)
    return list(words)


def random_model(n_words: int, dim: int) -> KeyedVectors:
    rng = np.random.default_rng(SEED)
    words = evaluation_words()
    rng.shuffle(words)
    words = words[:n_words] + [f"filler{i}" for i in range(n_words - len(words))]
    vectors = rng.standard_normal((n_words, dim), dtype=np.float32)
    return KeyedVectors(words, vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--suite", default="standard",
                        help=f"a suite ({', '.join(SUITES)}) or one analogy set name")
    parser.add_argument("--restrict-vocab", type=int, default=30_000)
    parser.add_argument("--method", default="3cosadd", choices=("3cosadd", "3cosmul"))
    args = parser.parse_args()

    kv = random_model(args.words, args.dim)
    print(f"model: {len(kv)} words x {kv.dim} dims; suite {args.suite}, "
          f"restrict_vocab {args.restrict_vocab}, {args.method}")
    start = time.perf_counter()
    if args.suite in SUITES:
        report = evaluate(kv, suite=args.suite, restrict_vocab=args.restrict_vocab,
                          method=args.method)
        questions = sum(a.total.evaluated for a in report.analogies)
    else:
        result = evaluate_analogies(kv, args.suite, restrict_vocab=args.restrict_vocab,
                                    method=args.method)
        questions = result.total.evaluated
    elapsed = time.perf_counter() - start
    print(f"{questions} analogy questions evaluated; {elapsed:.2f} s")


if __name__ == "__main__":
    main()
