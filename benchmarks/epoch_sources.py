"""Where the epochs get their token ids: from the vocabulary's counting pass, kept in
memory after epoch 1, or the text read again.

Trains w2v (issue settings, 2 threads by default, ``--epochs`` epochs) on the prepared
corpus once per source per repeat, alternating:

* ``counted``: as shipped. ``build_vocab``'s compiled counting pass keeps the corpus as
  word numbers (corpora of up to ``w2v.model.MEMORY_CACHE_MAX_TOKENS`` words), so no
  epoch reads the text (session 7);
* ``memory``: build_vocab's ids are dropped, so epoch 1 reads and encodes the text on
  the main thread while the workers train, and later epochs take its ids from memory
  (session 6);
* ``reread``: as ``memory`` with the memory cache off: every epoch reads the text
  again (before session 6).

Each run is a process of its own; prints each run's build_vocab seconds, words/s for
the whole training call and per epoch (from an epoch callback), then the medians and
their ratios to the first source.

    python benchmarks/epoch_sources.py [--config cbow-ns] [--epochs 5] [--threads 2]
        [--sources memory,counted] [--repeats 2] [--words 0]
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
model = issue_model(spec["config"], epochs=spec["epochs"], threads=spec["threads"])
began = time.perf_counter()
model.build_vocab(corpus)
vocab_s = time.perf_counter() - began
if spec["source"] != "counted":
    model._corpus_ids = None
marks = []
began = time.perf_counter()
model.train(corpus, callbacks=[lambda m, info: marks.append(time.perf_counter())])
words = model.vocabulary_.corpus_word_count
times = [began] + marks
print(json.dumps({"vocab_s": vocab_s, "run": words * spec["epochs"] / (times[-1] - began),
                  "epochs": [words / (b - a) for a, b in zip(times, times[1:])]}))
"""
SOURCES = ("counted", "memory", "reread")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=0, help="first N words only (0: all)")
    parser.add_argument("--config", default="cbow-ns")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sources", default="memory,counted",
                        help=f"comma-separated, from {', '.join(SOURCES)}")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    sources = args.sources.split(",")
    if set(sources) - set(SOURCES):
        parser.error(f"--sources: expected names from {', '.join(SOURCES)}")
    here = sys.path[0]
    results = {source: [] for source in sources}
    with tempfile.TemporaryDirectory(prefix="w2v-epochs-") as tmp:
        prepared_corpus(args.corpus, args.words, tmp)   # written to tmp/corpus.txt
        corpus = os.path.join(tmp, "corpus.txt")
        for _ in range(args.repeats):
            for source in sources:
                spec = {"source": source, "corpus": corpus, "config": args.config,
                        "epochs": args.epochs, "threads": args.threads}
                out = subprocess.run([sys.executable, "-c", WORKER, json.dumps(spec), here],
                                     check=True, capture_output=True, text=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results[source].append(r)
                print(f"{args.config} {source:>7}: build_vocab {r['vocab_s']:.2f} s, "
                      f"{r['run']:,.0f} words/s; per epoch "
                      + ", ".join(f"{e / 1e6:.2f}M" for e in r["epochs"]), flush=True)
    base = sources[0]
    run = {s: statistics.median(r["run"] for r in results[s]) for s in sources}
    first = {s: statistics.median(r["epochs"][0] for r in results[s]) for s in sources}
    vocab = {s: statistics.median(r["vocab_s"] for r in results[s]) for s in sources}
    for s in sources:
        print(f"{s:>7}: median {run[s]:,.0f} words/s (x{run[s] / run[base]:.2f}), epoch 1 "
              f"x{first[s] / first[base]:.2f}, build_vocab {vocab[s]:.2f} s")


if __name__ == "__main__":
    main()
