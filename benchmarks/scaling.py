"""Thread scaling, memory against corpus size, and start-up time of w2v (issue 8).

    python benchmarks/scaling.py threads  [--words N] [--epochs 1] [--repeats 3]
    python benchmarks/scaling.py memory   [--copies 4]
    python benchmarks/scaling.py startup  [--repeats 3]

``--arch`` and ``--loss`` change the issue's skip-gram NS for every measurement.

* ``threads``: skip-gram NS (the issue's settings) with 1 and with 2 threads,
  alternating, each run in its own process; prints words/s medians and the speed-up.
* ``memory``: peak RSS (VmHWM) of one training epoch on the corpus and on a file that
  repeats it ``--copies`` times. With the same ``min_count`` the longer corpus has a
  larger vocabulary (words seen 2-4 times reach 5), hence larger matrices; the second
  pair of runs scales ``min_count`` by ``--copies`` so both train the same vocabulary
  and the difference is what streaming leaves to grow.
* ``startup``: the first call into the kernels in a fresh process: with an empty Numba
  cache (compilation) and with a warm one (loading the cache).

Each run is a subprocess so its memory and timings are its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "data", "corpora",
                              "enwiki-text8style-17m.zip")
#: the issue's settings
SETTINGS = dict(arch="skipgram", loss="ns", dim=100, window=5, negative=5, sample=1e-3,
                min_count=5, seed=1)

WORKER = r"""
import json, os, sys, time
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
from w2v import Word2Vec
from w2v.corpus import TextCorpus
t_import = time.perf_counter() - t0
if args.get("tiny"):
    t1 = time.perf_counter()
    Word2Vec(arch=args["settings"]["arch"], loss=args["settings"]["loss"], dim=8, window=2,
             min_count=1, sample=0, epochs=1, threads=1).fit([["a", "b", "c"]] * 20)
    print(json.dumps({"import": t_import, "first_fit": time.perf_counter() - t1}))
    sys.exit()
corpus = TextCorpus(args["corpus"])
model = Word2Vec(threads=args["threads"], epochs=args["epochs"], **args["settings"])
model.build_vocab(corpus)
t1 = time.perf_counter()
model.train(corpus)
seconds = time.perf_counter() - t1
hwm = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
print(json.dumps({"words_per_second": model.vocabulary_.corpus_word_count * args["epochs"]
                  / seconds, "seconds": seconds, "peak_rss_mb": hwm,
                  "vocabulary": len(model.vocabulary_)}))
"""


def run(spec: dict, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", WORKER, json.dumps(spec)], check=True,
                         capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(source: str, words: int | None, copies: int, directory: str) -> str:
    from w2v.corpus import TextCorpus

    path = os.path.join(directory, f"corpus-{words or 'all'}-x{copies}.txt")
    lines, n = [], 0
    for sentence in TextCorpus(source):
        if words is not None and n >= words:
            break
        lines.append(" ".join(sentence))
        n += len(sentence)
    text = "\n".join(lines) + "\n"
    with open(path, "w") as f:
        for _ in range(copies):
            f.write(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("threads", "memory", "startup"))
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=None, help="first N words only")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--arch", choices=("skipgram", "cbow"), default=SETTINGS["arch"])
    parser.add_argument("--loss", choices=("ns", "hs"), default=SETTINGS["loss"])
    args = parser.parse_args()
    SETTINGS.update(arch=args.arch, loss=args.loss)
    with tempfile.TemporaryDirectory(prefix="w2v-scaling-") as tmp:
        if args.what == "threads":
            path = prepare(args.corpus, args.words, 1, tmp)
            speeds = {1: [], 2: []}
            for _ in range(args.repeats):
                for threads in (1, 2):
                    r = run({"corpus": path, "threads": threads, "epochs": args.epochs,
                             "settings": SETTINGS})
                    speeds[threads].append(r["words_per_second"])
                    print(f"threads={threads}: {r['words_per_second']:,.0f} words/s",
                          flush=True)
            m1, m2 = statistics.median(speeds[1]), statistics.median(speeds[2])
            ratios = [b / a for a, b in zip(speeds[1], speeds[2])]
            print(f"median 1 thread {m1:,.0f}, 2 threads {m2:,.0f} words/s; speed-up "
                  f"{m2 / m1:.2f} (pairwise {', '.join(f'{r:.2f}' for r in ratios)})")
        elif args.what == "memory":
            paths = {c: prepare(args.corpus, args.words, c, tmp) for c in (1, args.copies)}
            for same_vocab in (False, True):
                for copies, path in paths.items():
                    settings = dict(SETTINGS)
                    if same_vocab:
                        settings["min_count"] = SETTINGS["min_count"] * copies
                    r = run({"corpus": path, "threads": 2, "epochs": 1,
                             "settings": settings})
                    print(f"corpus x{copies}, min_count {settings['min_count']}: peak RSS "
                          f"{r['peak_rss_mb']:.0f} MB, vocabulary {r['vocabulary']:,} "
                          f"words, {r['words_per_second']:,.0f} words/s", flush=True)
        else:
            for label in ("cold (empty cache)", "warm (cached)"):
                results = []
                for _ in range(args.repeats):
                    env = dict(os.environ)
                    cache = os.path.join(tmp, "numba-cache")
                    if label.startswith("cold"):
                        cache = tempfile.mkdtemp(dir=tmp)
                    env["NUMBA_CACHE_DIR"] = cache
                    # the generated negative-sampling kernels (w2v.specialise) too
                    env["W2V_KERNEL_CACHE"] = os.path.join(cache, "w2v-kernels")
                    results.append(run({"corpus": "", "threads": 1, "epochs": 1,
                                        "settings": SETTINGS, "tiny": True}, env))
                first = statistics.median(r["first_fit"] for r in results)
                imp = statistics.median(r["import"] for r in results)
                print(f"{label}: import {imp:.2f} s, first training call {first:.2f} s "
                      f"(median of {args.repeats})", flush=True)


if __name__ == "__main__":
    main()
