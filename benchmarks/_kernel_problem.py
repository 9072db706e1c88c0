"""Shared set-up of the kernel-only benchmarks (kernel_threads.py, specialised_kernels.py,
hs_contention.py): the first in-vocabulary tokens of a corpus, its sampling tables, fresh
weights, and wall-clock timing of one call or of several threads at once."""

from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from w2v.corpus import TextCorpus
from w2v.sampling import AliasTable, HuffmanTree, keep_probabilities
from w2v.vocab import Vocabulary

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "data", "corpora",
                              "enwiki-text8style-17m.zip")
#: Tokens per chunk, as the trainer hands them to a kernel (``chunk_words``).
CHUNK_WORDS = 10_000


@dataclass
class KernelProblem:
    """Token ids and the tables a kernel needs, for the issue's settings."""

    vocab: Vocabulary
    ids: np.ndarray          # int32, the first ``words`` in-vocabulary tokens
    alias: AliasTable
    tree: HuffmanTree
    keep: np.ndarray         # float32 keep-probabilities

    def matrices(self, dim: int, *, hs: bool = False):
        """The same initial weights every call: input rows uniform in +-0.5/dim (as
        training starts), output rows zero (V - 1 inner nodes for ``hs``)."""
        rng = np.random.default_rng(0)
        words = len(self.vocab)
        w = (rng.random((words, dim), dtype=np.float32) - 0.5) / dim
        return w, np.zeros((words - 1 if hs else words, dim), dtype=np.float32)


def chunk_starts(n_tokens: int) -> np.ndarray:
    """Sentence bounds cutting ``n_tokens`` into CHUNK_WORDS-token sentences."""
    starts = np.arange(0, n_tokens + 1, CHUNK_WORDS, dtype=np.int64)
    return starts if starts[-1] == n_tokens else np.append(starts, n_tokens)


def load_problem(corpus_path: str, words: int, *, min_count: int = 5,
                 sample: float = 1e-3) -> KernelProblem:
    corpus = TextCorpus(corpus_path)
    vocab = Vocabulary.build(corpus, min_count=min_count)
    pieces, n = [], 0
    for sentence in corpus:
        pieces.append(vocab.encode(sentence))
        n += pieces[-1].size
        if n >= words:
            break
    return KernelProblem(vocab=vocab, ids=np.concatenate(pieces)[:words],
                         alias=AliasTable.for_negative_sampling(vocab.counts),
                         tree=HuffmanTree(vocab.counts),
                         keep=keep_probabilities(vocab.counts, sample))


def timed_threads(*calls) -> float:
    """Seconds of wall time to run every ``(function, args)`` on its own thread at once
    (one call: on this thread)."""
    if len(calls) == 1:
        function, args = calls[0]
        began = time.perf_counter()
        function(*args)
        return time.perf_counter() - began
    threads = [threading.Thread(target=f, args=a) for f, a in calls]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began


def argument_parser(description: str, *, words: int) -> argparse.ArgumentParser:
    """The options every kernel-only benchmark takes: ``--corpus`` and ``--words`` (how
    many in-vocabulary tokens :func:`load_problem` keeps)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=words)
    return parser
