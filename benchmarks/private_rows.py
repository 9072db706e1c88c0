"""Private copies of the hottest output rows on two threads: do they pay?

Trains w2v (the real trainer, 2 threads, 1 epoch) on the first ``--words`` words of the
corpus (0: all) with ``w2v.model.PRIVATE_OUTPUT_ROWS`` set, in turn, to each ``--rows``
count, and with each ``--chunk-words`` size, for each configuration, alternating
settings within every repeat, and prints words/s medians and the ratio to the first
setting (rows 0: every thread updates the shared rows, plain Hogwild). The vocabulary
is built once per configuration. Issue settings otherwise: dim 100, window 5, negative
5, sample 1e-3, min_count 5.

    python benchmarks/private_rows.py [--words 4000000] [--config sg-hs,cbow-hs]
                                      [--rows 0,512,1024] [--chunk-words 10000]
                                      [--repeats 5]

Session 3, 2026-11-25 (4M words, 10,000-word chunks, medians of 5, words/s; the
machine's speed wandered by 10-30 % between runs, hence the alternation):

    sg-hs    0: 765,676   512: 825,323 (x1.08)   1024: 923,586 (x1.21)
    cbow-hs  0: 2,064,673 512: 2,498,758 (x1.21) 1024: 2,417,123 (x1.17)
    sg-ns    0: 2,200,533 512: 1,989,640 (x0.90) 1024: 2,171,641 (x0.99)
    cbow-ns  0: 4,086,360 512: 4,125,604 (x1.01) 1024: 3,941,349 (x0.97)

Session 4 found why negative sampling had seemed not to gain: the machine has fast and
slow spells for two threads (in slow ones, two threads on shared matrices train about
half as fast as on separate matrices), and with 10,000-word chunks the merge after every
chunk cost as much as the copies saved in fast spells. With 100,000-word chunks (the
new default) and the whole 17M-word corpus, ad-hoc runs doing what this script does
(medians of 3) gave, in a slow spell: sg-ns 0: 1,805,356, 4096: 2,232,550, 16384:
2,401,634; cbow-ns 0: 2,656,374, 4096: 3,676,035, 16384: 4,424,187; cbow-hs 2048:
2,936,930, 8192: 3,146,709 (x1.07). Hence 16384 rows for NS and 8192 for HS. To repeat:

    python benchmarks/private_rows.py --words 0 --config sg-ns,cbow-ns \
        --rows 0,4096,16384 --chunk-words 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

import w2v.model as model_module
from _trainer_problem import DEFAULT_CORPUS, TINY, issue_model, prepared_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=4_000_000)
    parser.add_argument("--config", default="sg-hs,cbow-hs,sg-ns,cbow-ns")
    parser.add_argument("--rows", default="0,512,1024")
    parser.add_argument("--chunk-words", default=str(model_module.DEFAULT_CHUNK_WORDS),
                        help="comma-separated chunk sizes (Word2Vec chunk_words)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    configs = args.config.split(",")
    settings = [(int(rows), int(chunk)) for rows in args.rows.split(",")
                for chunk in args.chunk_words.split(",")]
    saved = dict(model_module.PRIVATE_OUTPUT_ROWS)
    with tempfile.TemporaryDirectory() as folder:
        corpus = prepared_corpus(args.corpus, args.words, folder)
        vocab = {c: issue_model(c).build_vocab(corpus).vocabulary_ for c in configs}
        for config in configs:   # load (or compile) each kernel before any timed run
            issue_model(config, min_count=1, threads=1).fit(TINY)
        speeds: dict[tuple[str, tuple[int, int]], list[float]] = {}
        try:
            for _ in range(args.repeats):
                for config in configs:
                    for rows, chunk in settings:
                        model_module.PRIVATE_OUTPUT_ROWS[config.split("-")[1]] = rows
                        m = issue_model(config, chunk_words=chunk).set_vocabulary(
                            vocab[config])
                        m.train(corpus)
                        speeds.setdefault((config, (rows, chunk)), []).append(
                            m.words_per_second_)
        finally:
            model_module.PRIVATE_OUTPUT_ROWS.update(saved)
    for config in configs:
        base = statistics.median(speeds[(config, settings[0])])
        cells = []
        for rows, chunk in settings:
            med = statistics.median(speeds[(config, (rows, chunk))])
            cells.append(f"{rows} rows, {chunk}-word chunks: {med:,.0f} (x{med / base:.2f})")
        print(f"{config}: " + "   ".join(cells))


if __name__ == "__main__":
    main()
