"""Read + encode speed of epoch 1: the Python path against the compiled reader.

What training's main thread does in its first epoch, alone: read the corpus and turn it
into chunks of token ids (``chunk_words`` ids, whole sentences), for the worker threads.

* old: ``TextCorpus`` yields lists of str, ``Vocabulary.encode`` looks them up, and
  ``w2v._encoder.python_chunks`` packs them (what ``_Trainer._encode`` did before);
* new: ``w2v._encoder.corpus_chunks``, which for a UTF-8 ``TextCorpus`` tokenizes and
  looks up the raw bytes in Numba (``encoded_chunks``; the vocabulary's hash table is
  built inside the timing, as training builds it once per call);
* read only: the blocks ``TextCorpus._blocks`` reads, decompresses and decodes, which
  both paths do first (for the zip, mostly zlib): the ceiling of either.

Both paths must give the same chunks (checked on their count, ids and sentences). The
runs of the old and new path alternate, so a busy machine slows both alike; each figure
is the median of ``--repeats`` runs, in corpus tokens (kept or not) per second of wall
time, with CPU time alongside. ``--plain`` also measures the corpus decompressed to a
plain UTF-8 file (in a temporary directory).

    python benchmarks/encode_speed.py [--repeats 3] [--plain]

Measured (2-core AMD EPYC VM, shared; Python 3.11, NumPy 2.4, Numba 0.68), 17M-word
enwiki text8-style zip, ``min_count=5`` (67,873 words), ``chunk_words=10000``::

    python benchmarks/encode_speed.py --plain   (run at 16:55, load average 0.7)

    enwiki-text8style-17m.zip: 16,943,202 tokens, 848 chunks, median of 3
                         wall s  M tokens/s    CPU s  M tokens/s
      old (Python)        3.663         4.6    3.662         4.6
      new (compiled)      0.858        19.8    0.858        19.8
      read only           0.434        39.1    0.434        39.1
      speed-up (wall): x4.27

    the same, plain UTF-8: 16,943,202 tokens, 848 chunks, median of 3
                         wall s  M tokens/s    CPU s  M tokens/s
      old (Python)        3.252         5.2    3.252         5.2
      new (compiled)      0.401        42.3    0.401        42.3
      read only           0.019       893.6    0.019       893.4
      speed-up (wall): x8.11

Runs on this shared machine vary by about 10% from minute to minute (the compiled
reader on the zip measured 17-20M tokens/s over an afternoon). On the zip, half of
the new path's time is decompression (zlib, in the standard library), which both
paths pay; on plain UTF-8 text the compiled reader is about 8x the Python path.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

from w2v import _encoder
from w2v._fileio import open_binary
from w2v.corpus import TextCorpus
from w2v.vocab import Vocabulary

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "data", "corpora",
                              "enwiki-text8style-17m.zip")
#: Training's default chunk size (w2v.model.DEFAULT_CHUNK_WORDS).
CHUNK_WORDS = 10_000
#: Bytes copied at a time when decompressing the corpus for ``--plain``.
COPY_BYTES = 1 << 20


def fingerprint(chunks) -> tuple[int, int, int, int]:
    """(chunks, ids, sum of ids, sentences): enough to tell two chunk streams apart
    without keeping them, and cheap next to reading them."""
    count = ids = total = sentences = 0
    for tokens, starts in chunks:
        count += 1
        ids += tokens.size
        total += int(tokens.sum(dtype=np.int64))
        sentences += starts.size - 1
    return count, ids, total, sentences


def read_only(corpus: TextCorpus) -> None:
    for path in corpus.files:
        for _ in corpus._blocks(path):
            pass


def timed(run) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, result) of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def measure(corpus: TextCorpus, vocab: Vocabulary, repeats: int, label: str) -> None:
    tokens = vocab.corpus_word_count
    runs = {
        "old (Python)": lambda: fingerprint(_encoder.python_chunks(corpus, vocab, CHUNK_WORDS)),
        "new (compiled)": lambda: fingerprint(_encoder.corpus_chunks(corpus, vocab,
                                                                     CHUNK_WORDS)),
        "read only": lambda: read_only(corpus),
    }
    assert _encoder.fast_path_applies(corpus)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    results = {}
    for _ in range(repeats):
        for name, run in runs.items():
            wall, cpu, result = timed(run)
            times[name].append((wall, cpu))
            results[name] = result
    if results["old (Python)"] != results["new (compiled)"]:
        sys.exit(f"the paths differ: {results}")
    print(f"\n{label}: {tokens:,} tokens, {results['new (compiled)'][0]:,} chunks, "
          f"median of {repeats}")
    print(f"  {'':16} {'wall s':>8} {'M tokens/s':>11} {'CPU s':>8} {'M tokens/s':>11}")
    for name, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs)
        cpu = statistics.median(c for _, c in pairs)
        print(f"  {name:16} {wall:8.3f} {tokens / wall / 1e6:11.1f} {cpu:8.3f} "
              f"{tokens / cpu / 1e6:11.1f}")
    old = statistics.median(w for w, _ in times["old (Python)"])
    new = statistics.median(w for w, _ in times["new (compiled)"])
    print(f"  speed-up (wall): x{old / new:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--plain", action="store_true",
                        help="also measure the corpus decompressed to a plain file")
    args = parser.parse_args()
    corpus = TextCorpus(args.corpus)
    start = time.perf_counter()
    vocab = Vocabulary.build(corpus, min_count=args.min_count)
    print(f"vocabulary: {len(vocab):,} words (min_count={args.min_count}) in "
          f"{time.perf_counter() - start:.1f} s")
    # Load the compiled kernels from Numba's cache (or compile them) outside the timing.
    fingerprint(_encoder.corpus_chunks(corpus, vocab, CHUNK_WORDS))
    measure(corpus, vocab, args.repeats, os.path.basename(args.corpus))
    if args.plain:
        directory = tempfile.mkdtemp(prefix="w2v-encode-speed-")
        try:
            plain = os.path.join(directory, "corpus.txt")
            with open_binary(args.corpus) as source, open(plain, "wb") as target:
                shutil.copyfileobj(source, target, COPY_BYTES)
            measure(TextCorpus(plain), vocab, args.repeats, "the same, plain UTF-8")
        finally:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
