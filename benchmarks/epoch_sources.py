"""Where later epochs get their token ids: kept in memory, or the text read again.

Trains w2v (issue settings, 2 threads, ``--epochs`` epochs) on the prepared corpus
twice per repeat, alternating: once as shipped (a corpus of up to
``w2v.model.MEMORY_CACHE_MAX_TOKENS`` words keeps its ids in memory after epoch 1) and
once with that constant set to 0 (every epoch reads and encodes the text again on the
main thread, the behaviour before session 6). Each run is a process of its own; prints
each run's words/s for the whole training call and per epoch (from an epoch callback),
then the medians and their ratio.

    python benchmarks/epoch_sources.py [--config cbow-ns] [--epochs 5] [--repeats 2] [--words 0]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from _trainer_problem import DEFAULT_CORPUS, prepared_corpus

WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from _trainer_problem import issue_model
from w2v import model as model_module
from w2v.corpus import TextCorpus
spec = json.loads(sys.argv[1])
if spec["source"] == "reread":
    model_module.MEMORY_CACHE_MAX_TOKENS = 0
corpus = TextCorpus(spec["corpus"])
model = issue_model(spec["config"], epochs=spec["epochs"])
model.build_vocab(corpus)
marks = []
began = time.perf_counter()
model.train(corpus, callbacks=[lambda m, info: marks.append(time.perf_counter())])
words = model.vocabulary_.corpus_word_count
times = [began] + marks
print(json.dumps({"run": words * spec["epochs"] / (times[-1] - began),
                  "epochs": [words / (b - a) for a, b in zip(times, times[1:])]}))
"""
SOURCES = ("reread", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=0, help="first N words only (0: all)")
    parser.add_argument("--config", default="cbow-ns")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: epoch 1 reads the text either way")
    here = sys.path[0]
    results = {source: [] for source in SOURCES}
    with tempfile.TemporaryDirectory(prefix="w2v-epochs-") as tmp:
        prepared_corpus(args.corpus, args.words, tmp)   # written to tmp/corpus.txt
        corpus = os.path.join(tmp, "corpus.txt")
        for _ in range(args.repeats):
            for source in SOURCES:
                spec = {"source": source, "corpus": corpus, "config": args.config,
                        "epochs": args.epochs}
                out = subprocess.run([sys.executable, "-c", WORKER, json.dumps(spec), here],
                                     check=True, capture_output=True, text=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results[source].append(r)
                print(f"{args.config} {source:>6}: {r['run']:,.0f} words/s; per epoch "
                      + ", ".join(f"{e / 1e6:.2f}M" for e in r["epochs"]), flush=True)
    run = {s: statistics.median(r["run"] for r in results[s]) for s in SOURCES}
    later = {s: statistics.median(statistics.mean(r["epochs"][1:]) for r in results[s])
             for s in SOURCES}
    print(f"median words/s: re-reading {run['reread']:,.0f}, from memory {run['memory']:,.0f}"
          f" (x{run['memory'] / run['reread']:.2f}); epochs 2-{args.epochs}: "
          f"x{later['memory'] / later['reread']:.2f}")


if __name__ == "__main__":
    main()
