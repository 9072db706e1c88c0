"""Shared set-up of the in-process trainer benchmarks (private_rows.py, fast_kernels.py):
the corpus prepared as compare.py prepares it, and models with the issue's settings."""

from __future__ import annotations

import os

from compare import prepare_corpus
from w2v import Word2Vec
from w2v.corpus import TextCorpus

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "data", "corpora",
                              "enwiki-text8style-17m.zip")
ARCHES = {"sg": "skipgram", "cbow": "cbow"}
#: the issue's settings, one epoch
SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=1, seed=1)


def prepared_corpus(source: str, words: int, folder: str) -> TextCorpus:
    """The first ``words`` words of ``source`` (0: all) as compare.py writes them, in
    ``folder``."""
    path = os.path.join(folder, "corpus.txt")
    prepare_corpus(source, path, max_words=words or None)
    return TextCorpus(path)


def issue_model(config: str, *, threads: int = 2, **overrides) -> Word2Vec:
    """A model for ``config`` ("sg-ns", "cbow-hs", ...) with the issue's settings."""
    arch, loss = config.split("-")
    return Word2Vec(arch=ARCHES[arch], loss=loss,
                    **{**SETTINGS, "threads": threads, **overrides})


#: a tiny corpus that loads (or compiles) a setting's kernel before any timed run
TINY = [[f"w{(i * 7 + j) % 50}" for j in range(200)] for i in range(20)]
