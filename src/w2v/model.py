"""The :class:`Word2Vec` model: parameters, the training driver, save and load.

The driver is plain Python (UMAP's Numba pattern): it validates parameters once, builds
the vocabulary and sampling tables, owns epochs, the learning-rate schedule, worker
threads and the progress bar, and hands each thread chunks of token ids to the compiled
kernel :func:`w2v.kernels.train_chunk`, which releases the GIL.

Threads train Hogwild-style (lock-free, on shared matrices). Each thread keeps its own
random generator, scratch buffers and float64 loss; the per-epoch loss is the sum of
the threads' float64 sums. A seeded run with ``threads=1`` is bit-for-bit reproducible;
with several threads, the order in which updates land varies from run to run.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import warnings
from typing import Callable, Iterable, Iterator

import numpy as np

from . import _validation as V
from . import _encoder, kernels, specialise
from .corpus import DEFAULT_MAX_SENTENCE_LENGTH, as_corpus
from .errors import (DivergenceError, FormatError, ParameterError, TrainingError,
                     TrainingInterrupted)
from .sampling import DEFAULT_NS_EXPONENT, DEFAULT_SAMPLE, AliasTable, HuffmanTree, keep_probabilities
from .vectors import KeyedVectors
from .vocab import Vocabulary

__all__ = ["Word2Vec", "ARCHITECTURES", "OUTPUT_LAYERS"]

ARCHITECTURES = ("skipgram", "cbow")
OUTPUT_LAYERS = ("ns", "hs", "softmax")

#: Mikolov et al.'s starting learning rates: 0.025 for skip-gram, 0.05 for CBOW.
DEFAULT_ALPHA = {"skipgram": 0.025, "cbow": 0.05}
#: The C tool decays the learning rate linearly to alpha * 1e-4 (never to zero).
MIN_ALPHA_FRACTION = 1e-4
#: Tokens handed to a thread at once: about 40-80 ms of skip-gram work per thread. The
#: learning rate still moves smoothly (interpolated word by word within a chunk), and
#: the progress bar several times a second. With two threads each chunk ends with a
#: merge of the thread's private output rows (PRIVATE_OUTPUT_ROWS), which also
#: evicts much of the kernel's working set from the caches: with 10,000-word chunks
#: two threads trained skip-gram NS at 2.04M words/s, with 50,000 at 2.62M (17M words,
#: one epoch, one pair of runs), and alternating in one process (medians of 3),
#: 100,000 against 10,000 gave CBOW NS x1.08 and skip-gram NS x1.27. One thread runs
#: no merges and measured the same with either size. At the end of each epoch a thread
#: may wait for the other's last chunk, about 1 % of an epoch on the 17M-word corpus.
DEFAULT_CHUNK_WORDS = 100_000
#: Chunks queued ahead of the workers, per thread: keeps them busy while the main
#: thread reads and encodes text, with bounded memory.
_QUEUE_CHUNKS_PER_THREAD = 4
#: Corpora of at most this many words keep their token ids in memory, 4 bytes a word
#: (256 MB at most; the 17M-word corpus takes 68 MB), so the text is not read and
#: encoded again while the workers train:
#:
#: * a text corpus that the compiled reader counts keeps them from build_vocab on
#:   (``_encoder.count_corpus``; one whose size projects more words keeps none), so
#:   training reads no text at all;
#: * any other corpus (by the vocabulary's count) keeps them from the end of epoch 1.
#:
#: On two cores the main thread's reading takes time from the two workers. 17M words,
#: 5 epochs, 2 threads, runs alternating: CBOW NS trained x1.05-1.10 as fast with later
#: epochs from memory (epochs 2-5: x1.06-1.14; ``benchmarks/epoch_sources.py`` and four
#: ad-hoc pairs), skip-gram NS x0.99-1.03 (two pairs); then epoch 1 from build_vocab's
#: ids too, CBOW NS x1.07 more (epoch 1 x1.10; ``epoch_sources.py --sources
#: memory,counted``, medians of 3); skip-gram NS, one epoch, x1.04 with two threads
#: and x1.00 with one (the same script, ``--epochs 1 --threads 2`` / ``1``).
#: Longer corpora are read again each epoch, so memory stays bounded whatever the
#: corpus length.
MEMORY_CACHE_MAX_TOKENS = 64_000_000
#: Full softmax costs O(V) per prediction; above this many words, warn.
SOFTMAX_LARGE_VOCAB = 20_000
#: How often (seconds) the main thread refreshes the progress bar while it waits.
_POLL_SECONDS = 0.1
#: With two or more threads, each trains on its own copies of this many output rows,
#: the most-updated ones, and folds its changes into the shared matrix after every
#: chunk (:func:`w2v.kernels.merge_private_rows`); the other threads see a chunk's
#: changes to these rows when the chunk is done (Hogwild shows them at once). Shared,
#: their cache lines move between the cores on nearly every update. For hierarchical
#: softmax they are the inner nodes nearest the root (the root is on every path; the
#: top 1024 take 80 % of node updates on the 17M-word corpus); for negative sampling
#: the most frequent words (ids 0..N-1), which are drawn as negatives all the time.
#: How much the sharing costs depends on where the VM's two cores sit: in some runs
#: two threads on shared matrices train half as fast as on separate ones, in others
#: nearly as fast. Measured with the trainer (2 threads, 17M words, 1 epoch, 100,000-word
#: chunks, settings alternating in one process, medians of 3, in a slow spell): NS with
#: no copies x0.72 (cbow) and x0.81 (skip-gram) of 4096 rows, 8192 rows x1.08 / x1.05,
#: 16384 rows x1.20 / x1.08; HS 8192 and 16384 nodes x1.07 of 2048 (cbow-hs). With
#: 10,000-word chunks and so ten times the merges, 16384 NS rows had measured x0.90 of
#: none in a fast spell. Copies of the hottest *input* rows as well measured -2 % to
#: +6 %, so there are none. At dim 100 the copies and their snapshots take 13.6 MB per
#: thread for NS.
PRIVATE_OUTPUT_ROWS = {"hs": 8192, "ns": 16384}


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Word2Vec:
    """word2vec: skip-gram or CBOW, with negative sampling, hierarchical or full softmax.

    All parameters are keyword-only and validated here, once.

    Parameters
    ----------
    arch : {"skipgram", "cbow"}
        Skip-gram predicts each context word from the centre word (trained, as in the C
        tool, as each context word's input vector predicting the centre); CBOW predicts
        the centre word from the mean (or sum) of its context words' input vectors.
    loss : {"ns", "hs", "softmax"}
        Output layer: negative sampling, hierarchical softmax, or the exact full softmax
        (O(V) per prediction: for teaching and small vocabularies).
    dim : int
        Dimension of the word vectors.
    window : int
        Maximum distance between centre and context word.
    negative : int
        Negative samples per prediction (``loss="ns"``).
    ns_exponent : float
        Negatives are drawn from ``count ** ns_exponent``.
    sample : float
        Subsampling threshold for frequent words (0 disables it).
    min_count : int
        Words rarer than this are dropped from the vocabulary.
    max_vocab_size : int or None
        Bound on the count table while counting (rare words are pruned, as in the C
        tool) so counting a huge corpus needs bounded memory. None: no bound.
    max_final_vocab : int or None
        Keep at most this many (most frequent) words.
    epochs : int
        Passes over the corpus.
    alpha : float or None
        Initial learning rate; None means 0.025 for skip-gram, 0.05 for CBOW.
    min_alpha : float or None
        Final learning rate; None means ``alpha * 1e-4``. The rate decays linearly over
        all epochs' words.
    cbow_mean : bool
        CBOW hidden vector: mean (True) or sum (False) of the context vectors.
    shrink_windows : bool
        Sample each centre word's effective window uniformly in 1..window (the C tool's
        default, which weights near contexts more).
    batch_contexts : bool
        Skip-gram only: train all context words of a centre word as one block sharing one
        draw of negatives ("HogBatch", Ji et al. 2016). False gives the C tool's exact
        per-pair updates.
    threads : int or None
        Worker threads; None uses every available core.
    seed : int
        Seed of the weight initialisation and of each thread's random generator.
    max_sentence_length : int
        Longer sentences are cut (the C tool's 10,000).
    chunk_words : int
        Tokens handed to a thread at a time.

    Attributes
    ----------
    vocabulary_ : Vocabulary
    word_vectors_ : ndarray (V, dim), float32
        The input matrix ``W_in``: the word embeddings.
    context_vectors_ : ndarray, float32
        The output matrix ``W_out`` (V x dim) for ``ns`` and ``softmax``; the (V - 1) x
        dim inner-node vectors of the Huffman tree for ``hs``.
    loss_history_ : list of float
        Mean loss per prediction, one entry per trained epoch: an online estimate, each
        prediction's loss taken just before its own update. It need not fall in every
        epoch: while the learning rate is large, each update also lowers the loss of
        the overlapping pairs that follow, a benefit that fades as the rate approaches
        zero. On the demo corpus (8 epochs) it rises over the last two epochs while the
        loss of the frozen weights falls every epoch
        (``benchmarks/online_vs_frozen_loss.py``).
    epochs_trained_ : int
    words_per_second_ : float
        Tokens read per second of the last :meth:`train` call.
    """

    def __init__(self, *, arch: str = "skipgram", loss: str = "ns", dim: int = 100,
                 window: int = 5, negative: int = 5,
                 ns_exponent: float = DEFAULT_NS_EXPONENT, sample: float = DEFAULT_SAMPLE,
                 min_count: int = 5, max_vocab_size: int | None = None,
                 max_final_vocab: int | None = None, epochs: int = 5,
                 alpha: float | None = None, min_alpha: float | None = None,
                 cbow_mean: bool = True, shrink_windows: bool = True,
                 batch_contexts: bool = True, threads: int | None = None, seed: int = 1,
                 max_sentence_length: int = DEFAULT_MAX_SENTENCE_LENGTH,
                 chunk_words: int = DEFAULT_CHUNK_WORDS):
        self.arch = V.check_choice("arch", arch, ARCHITECTURES)
        self.loss = V.check_choice("loss", loss, OUTPUT_LAYERS)
        self.dim = V.check_int("dim", dim, min=1, max=100_000)
        self.window = V.check_int("window", window, min=1, max=10_000)
        self.negative = V.check_int("negative", negative, min=1 if self.loss == "ns" else 0,
                                    max=1_000)
        self.ns_exponent = V.check_float("ns_exponent", ns_exponent, min=-10.0, max=10.0)
        self.sample = V.check_float("sample", sample, min=0.0, max=1.0)
        self.min_count = V.check_int("min_count", min_count, min=1)
        self.max_vocab_size = V.check_int("max_vocab_size", max_vocab_size, min=1,
                                          allow_none=True)
        self.max_final_vocab = V.check_int("max_final_vocab", max_final_vocab, min=1,
                                           allow_none=True)
        self.epochs = V.check_int("epochs", epochs, min=1, max=100_000)
        self.alpha = V.check_float("alpha", alpha, min=0.0, min_exclusive=True, max=10.0,
                                   allow_none=True)
        self.min_alpha = V.check_float("min_alpha", min_alpha, min=0.0, max=10.0,
                                       allow_none=True)
        self.cbow_mean = V.check_bool("cbow_mean", cbow_mean)
        self.shrink_windows = V.check_bool("shrink_windows", shrink_windows)
        self.batch_contexts = V.check_bool("batch_contexts", batch_contexts)
        self.threads = V.check_int("threads", threads, min=1, max=1024, allow_none=True)
        self.seed = V.check_int("seed", seed, min=0, max=2**63 - 1)
        self.max_sentence_length = V.check_int("max_sentence_length", max_sentence_length,
                                               min=1, max=10_000_000)
        self.chunk_words = V.check_int("chunk_words", chunk_words, min=1, max=100_000_000)
        if self.alpha is not None and self.min_alpha is not None and self.min_alpha > self.alpha:
            V.fail("min_alpha", self.min_alpha, f"at most alpha={self.alpha}")
        self.epochs_trained_ = 0
        self.loss_history_: list[float] = []
        # (corpus key, ids): the corpus as word numbers, kept by build_vocab for the
        # first epoch of the next train() on the same corpus (see _take_corpus_ids)
        self._corpus_ids: tuple[tuple, _encoder.CorpusIds] | None = None

    # -- parameters ----------------------------------------------------------------------
    _PARAM_NAMES = ("arch", "loss", "dim", "window", "negative", "ns_exponent", "sample",
                    "min_count", "max_vocab_size", "max_final_vocab", "epochs", "alpha",
                    "min_alpha", "cbow_mean", "shrink_windows", "batch_contexts", "threads",
                    "seed", "max_sentence_length", "chunk_words")

    def get_params(self) -> dict:
        """The constructor's parameters, as given (None where defaulted)."""
        return {name: getattr(self, name) for name in self._PARAM_NAMES}

    @property
    def effective_alpha(self) -> float:
        return self.alpha if self.alpha is not None else DEFAULT_ALPHA[self.arch]

    @property
    def effective_min_alpha(self) -> float:
        if self.min_alpha is not None:
            return self.min_alpha
        return self.effective_alpha * MIN_ALPHA_FRACTION

    @property
    def effective_threads(self) -> int:
        return self.threads if self.threads is not None else _cpu_count()

    def __repr__(self) -> str:
        state = (f"{len(self.vocabulary_)} words, {self.epochs_trained_} epochs trained"
                 if hasattr(self, "vocabulary_") else "not built")
        return f"Word2Vec(arch={self.arch!r}, loss={self.loss!r}, dim={self.dim}; {state})"

    # -- vocabulary and weights ----------------------------------------------------------
    def build_vocab(self, corpus: object, *, progress: bool = False) -> "Word2Vec":
        """Count the corpus, build the vocabulary and sampling tables, initialise weights.

        Calling it again starts the model afresh.

        A text corpus of at most :data:`MEMORY_CACHE_MAX_TOKENS` words that the compiled
        reader counts is also kept in memory as word numbers (4 bytes a word), so that
        the next :meth:`train` on the same files does not read the text again; that
        ``train`` lets them go.
        """
        corpus = as_corpus(corpus, max_sentence_length=self.max_sentence_length)
        vocabulary, ids = Vocabulary._build(
            corpus, min_count=self.min_count, max_vocab_size=self.max_vocab_size,
            max_final_vocab=self.max_final_vocab, progress=progress,
            max_sentence_length=self.max_sentence_length, keep_ids=MEMORY_CACHE_MAX_TOKENS)
        self.set_vocabulary(vocabulary)
        if ids is not None:
            self._corpus_ids = (_encoder.corpus_key(corpus), ids)
        return self

    def _take_corpus_ids(self, corpus) -> "_encoder.CorpusIds | None":
        """The ids build_vocab kept, if they are of ``corpus`` (the same files, unchanged
        since); they are let go either way."""
        kept, self._corpus_ids = getattr(self, "_corpus_ids", None), None
        if kept is None or kept[0] != _encoder.corpus_key(corpus):
            return None
        return kept[1]

    def set_vocabulary(self, vocabulary: Vocabulary) -> "Word2Vec":
        """Use a ready vocabulary (e.g. ``Vocabulary.load``) and initialise the weights."""
        if len(vocabulary) < 2:
            raise TrainingError(f"the vocabulary has {len(vocabulary)} word(s); training "
                                "needs at least 2 (lower min_count or use a larger corpus)")
        if self.loss == "softmax" and len(vocabulary) > SOFTMAX_LARGE_VOCAB:
            warnings.warn(f"full softmax over {len(vocabulary)} words costs O(V) per "
                          "prediction and will be slow; consider loss='ns' or 'hs'",
                          stacklevel=2)
        self.vocabulary_ = vocabulary
        self._corpus_ids = None
        self._build_tables()
        self._init_weights()
        self.epochs_trained_ = 0
        self.loss_history_ = []
        return self

    def _build_tables(self) -> None:
        counts = self.vocabulary_.counts
        self._keep_prob = keep_probabilities(counts, self.sample)
        empty_u32 = np.zeros(1, dtype=np.uint32)
        empty_i32 = np.zeros(1, dtype=np.int32)
        if self.loss == "ns":
            table = AliasTable.for_negative_sampling(counts, self.ns_exponent)
            self._alias = (table.threshold, table.alias)
        else:
            self._alias = (empty_u32, empty_i32)
        if self.loss == "hs":
            tree = HuffmanTree(counts)
            self._tree = (tree.points, tree.codes, tree.code_lengths)
        else:
            self._tree = (np.zeros((1, 1), np.int32), np.zeros((1, 1), np.uint8),
                          np.zeros(1, np.int32))

    def _context_rows(self) -> int:
        V_ = len(self.vocabulary_)
        return V_ - 1 if self.loss == "hs" else V_

    def _init_weights(self) -> None:
        """The C tool's initialisation: W_in uniform in [-0.5/dim, 0.5/dim), W_out zero."""
        rng = np.random.default_rng(self.seed)
        V_ = len(self.vocabulary_)
        self.word_vectors_ = ((rng.random((V_, self.dim), dtype=np.float32) - 0.5)
                              / self.dim).astype(np.float32)
        self.context_vectors_ = np.zeros((self._context_rows(), self.dim), dtype=np.float32)

    def _check_built(self) -> None:
        if not hasattr(self, "vocabulary_"):
            raise TrainingError("the model has no vocabulary yet: call build_vocab(corpus) "
                                "or fit(corpus) first")

    # -- training ------------------------------------------------------------------------
    def fit(self, corpus: object, *, progress: bool = False,
            callbacks: Iterable[Callable] = (), checkpoint: str | os.PathLike | None = None,
            checkpoint_every: float | None = None) -> "Word2Vec":
        """Build the vocabulary from ``corpus`` and train ``epochs`` epochs on it.

        ``corpus`` is a path (file or directory; plain or compressed text, one sentence
        per line) or a restartable iterable of token lists. Returns ``self``.
        """
        corpus = as_corpus(corpus, max_sentence_length=self.max_sentence_length)
        self.build_vocab(corpus, progress=progress)
        return self.train(corpus, progress=progress, callbacks=callbacks,
                          checkpoint=checkpoint, checkpoint_every=checkpoint_every)

    def train(self, corpus: object, *, epochs: int | None = None, progress: bool = False,
              callbacks: Iterable[Callable] = (), checkpoint: str | os.PathLike | None = None,
              checkpoint_every: float | None = None) -> "Word2Vec":
        """Train ``epochs`` (default: the model's ``epochs``) more epochs on ``corpus``.

        The learning rate decays linearly from ``alpha`` to ``min_alpha`` over the words
        of these epochs. Each callback is called after every epoch as
        ``callback(model, info)`` with ``info`` a dict of ``epoch`` (1-based, counting
        all epochs trained so far), ``loss`` (mean per prediction), ``examples``,
        ``words`` and ``seconds``.

        With ``checkpoint`` (a path), a resumable checkpoint is written there every
        ``checkpoint_every`` seconds (if given) and on Ctrl-C, which then raises
        :class:`w2v.errors.TrainingInterrupted`; :meth:`resume` continues from it. A
        process killed outright loses at most the work since the last checkpoint. The
        checkpoint is deleted when training completes.
        """
        self._check_built()
        checkpoint_every = V.check_float("checkpoint_every", checkpoint_every, min=0.0,
                                         allow_none=True)
        epochs = self.epochs if epochs is None else V.check_int("epochs", epochs, min=1)
        callbacks = list(callbacks)
        for i, cb in enumerate(callbacks):
            if not callable(cb):
                V.fail(f"callbacks[{i}]", cb, "a callable(model, info)")
        corpus = as_corpus(corpus, max_sentence_length=self.max_sentence_length)
        trainer = _Trainer(self, corpus, epochs, progress, callbacks,
                           checkpoint_path=checkpoint, checkpoint_every=checkpoint_every)
        trainer.run()
        return self

    # -- vectors -------------------------------------------------------------------------
    @property
    def wv(self) -> KeyedVectors:
        """The word vectors (input matrix ``W_in``) as :class:`KeyedVectors`."""
        return self.vectors("in")

    def vectors(self, which: str = "in") -> KeyedVectors:
        """Keyed vectors of the input (``"in"``), output (``"out"``) or summed
        (``"sum"``) matrix. Hierarchical softmax has no output word vectors."""
        self._check_built()
        which = V.check_choice("which", which, ("in", "out", "sum"))
        if which != "in" and self.loss == "hs":
            V.fail("which", which, "'in' (hierarchical softmax has node vectors, not "
                   "output word vectors)")
        matrix = {"in": lambda: self.word_vectors_,
                  "out": lambda: self.context_vectors_,
                  "sum": lambda: self.word_vectors_ + self.context_vectors_}[which]()
        return KeyedVectors(self.vocabulary_.words, matrix, counts=self.vocabulary_.counts)

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Save the full model (parameters, vocabulary, both matrices, loss history) in
        the native open format: an uncompressed zip of ``header.json``, ``vocab.txt``
        and ``.npy`` arrays. Written atomically."""
        self._save(path)

    def _save(self, path, *, training_state: dict | None = None,
              extra_arrays: dict | None = None) -> None:
        from .formats import save_model_file

        self._check_built()
        header = {
            "params": self.get_params(),
            "epochs_trained": self.epochs_trained_,
            "loss_history": [float(x) for x in self.loss_history_],
            "corpus_word_count": int(self.vocabulary_.corpus_word_count),
        }
        if training_state is not None:
            header["training_state"] = training_state
        arrays = {"word_vectors": self.word_vectors_, "context_vectors": self.context_vectors_}
        arrays.update(extra_arrays or {})
        save_model_file(path, header=header, words=self.vocabulary_.words,
                        counts=self.vocabulary_.counts, arrays=arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Word2Vec":
        """Load a model saved by :meth:`save` (or a checkpoint); it can be queried or
        trained further."""
        return cls._load(path)[0]

    @classmethod
    def resume(cls, checkpoint: str | os.PathLike, corpus: object, *, progress: bool = False,
               callbacks: Iterable[Callable] = (), checkpoint_every: float | None = None,
               threads: int | None = None) -> "Word2Vec":
        """Continue an interrupted :meth:`train` from its checkpoint, on the same corpus.

        The learning-rate schedule, epoch count, generators and loss sums continue
        where they stopped: with ``threads=1`` the result is bit-for-bit the model an
        uninterrupted run would have made. New checkpoints go to the same file, which is
        deleted when training completes.
        """
        model, header, arrays = cls._load(checkpoint)
        state = header.get("training_state")
        name = os.fspath(checkpoint)
        if not isinstance(state, dict):
            raise FormatError(f"{name}: not a checkpoint (a finished model has no training "
                              "state; train it further with Word2Vec.load(...).train(...))")
        if threads is not None:
            model.threads = V.check_int("threads", threads, min=1, max=1024)
        try:
            epochs = int(state["epochs"])
            resume_arrays = {k: arrays[k] for k in ("rng_states", "thread_loss",
                                                    "thread_examples", "thread_words")}
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"{name}: incomplete training state ({exc})") from None
        if int(state.get("words_per_epoch", -1)) != model.vocabulary_.total_count:
            raise FormatError(f"{name}: the checkpoint's vocabulary does not match its "
                              "training state")
        corpus = as_corpus(corpus, max_sentence_length=model.max_sentence_length)
        trainer = _Trainer(model, corpus, epochs, progress, list(callbacks),
                           checkpoint_path=checkpoint, checkpoint_every=checkpoint_every,
                           resume=(state, resume_arrays))
        trainer.run()
        return model

    @classmethod
    def _load(cls, path):
        from .formats import read_model_file

        header, words, counts, arrays = read_model_file(path)
        name = os.fspath(path)
        params = header.get("params")
        if not isinstance(params, dict):
            raise FormatError(f"{name}: header.json has no 'params' object (expected a "
                              "model saved by Word2Vec.save)")
        unknown = set(params) - set(cls._PARAM_NAMES)
        if unknown:
            raise FormatError(f"{name}: unknown parameters {sorted(unknown)} in header.json")
        try:
            model = cls(**params)
        except ParameterError as exc:
            raise FormatError(f"{name}: header.json: {exc}") from None
        vocabulary = Vocabulary(words, counts, corpus_word_count=header.get("corpus_word_count"))
        if vocabulary.words != list(words):
            raise FormatError(f"{name}: vocab.txt is not sorted by count (expected the order "
                              "Word2Vec.save writes)")
        model.vocabulary_ = vocabulary
        model._build_tables()
        expected = {"word_vectors": (len(words), model.dim),
                    "context_vectors": (model._context_rows(), model.dim)}
        for key, shape in expected.items():
            array = arrays.get(key)
            if array is None:
                raise FormatError(f"{name}: missing array {key}.npy")
            if array.shape != shape or array.dtype != np.float32:
                raise FormatError(f"{name}: {key}.npy has shape {array.shape} and dtype "
                                  f"{array.dtype} (expected {shape}, float32)")
            if not np.all(np.isfinite(array)):
                raise FormatError(f"{name}: {key}.npy contains NaN or infinite values")
        model.word_vectors_ = np.ascontiguousarray(arrays["word_vectors"])
        model.context_vectors_ = np.ascontiguousarray(arrays["context_vectors"])
        model.epochs_trained_ = int(header.get("epochs_trained", 0))
        model.loss_history_ = [float(x) for x in header.get("loss_history", [])]
        return model, header, arrays

    def save_word2vec(self, path: str | os.PathLike, *, binary: bool = True,
                      vectors: str = "in") -> None:
        """Save the word vectors in the word2vec C format (binary or text)."""
        from .formats import save_word2vec

        save_word2vec(path, self.vectors(vectors), binary=binary)


# ----------------------------------------------------------------------------------------
class _Chunk:
    __slots__ = ("epoch", "tokens", "starts", "alpha_start", "alpha_end")

    def __init__(self, epoch, tokens, starts, alpha_start, alpha_end):
        self.epoch = epoch
        self.tokens = tokens
        self.starts = starts
        self.alpha_start = alpha_start
        self.alpha_end = alpha_end


class _MemoryCache:
    """The corpus's chunks of token ids, kept in memory during the first epoch and handed
    out again in later ones (at most ``max_tokens`` ids: beyond, it lets them go and
    later epochs read the corpus again)."""

    def __init__(self, max_tokens: int):
        self.max_tokens = max_tokens
        self.chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self.tokens = 0
        self.overflowed = False
        self.complete = False

    def write(self, tokens: np.ndarray, starts: np.ndarray) -> None:
        if self.overflowed:
            return
        self.tokens += tokens.size
        if self.tokens > self.max_tokens:  # a longer corpus than the vocabulary counted
            self.overflowed = True
            self.chunks = []
            return
        self.chunks.append((tokens, starts))   # the kernels only read them

    def finish(self) -> None:
        self.complete = not self.overflowed

    def read(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return iter(self.chunks)

    def close(self) -> None:
        self.chunks = []


class _EncodedCache:
    """The corpus as token ids, written during the first epoch to a temporary file and
    read back in later epochs, so text is read and looked up only once. Memory stays
    bounded (one chunk at a time); the file is deleted when training ends."""

    def __init__(self):
        self._dir = tempfile.mkdtemp(prefix="w2v-ids-")
        self.path = os.path.join(self._dir, "ids.bin")
        self._writer = open(self.path, "wb")
        self.complete = False

    def write(self, tokens: np.ndarray, starts: np.ndarray) -> None:
        np.array([tokens.size, starts.size], dtype=np.int64).tofile(self._writer)
        tokens.tofile(self._writer)
        starts.tofile(self._writer)

    def finish(self) -> None:
        self._writer.close()
        self.complete = True

    def read(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        with open(self.path, "rb") as f:
            while True:
                head = np.fromfile(f, dtype=np.int64, count=2)
                if head.size < 2:
                    return
                tokens = np.fromfile(f, dtype=np.int32, count=int(head[0]))
                starts = np.fromfile(f, dtype=np.int64, count=int(head[1]))
                yield tokens, starts

    def close(self) -> None:
        if not self._writer.closed:
            self._writer.close()
        shutil.rmtree(self._dir, ignore_errors=True)


class _Trainer:
    """One call of :meth:`Word2Vec.train`: the main thread reads and encodes the corpus
    into chunks and refreshes the progress bar; worker threads run the kernel."""

    def __init__(self, model: Word2Vec, corpus, epochs: int, progress: bool, callbacks, *,
                 checkpoint_path=None, checkpoint_every=None, resume=None):
        self.model = model
        self.corpus = corpus
        self.epochs = epochs
        self.progress = progress
        self.callbacks = callbacks
        self.checkpoint_path = None if checkpoint_path is None else os.fspath(checkpoint_path)
        self.checkpoint_every = checkpoint_every
        self.checkpoints_written = 0
        self.n_threads = model.effective_threads
        self.words_per_epoch = model.vocabulary_.total_count
        self.total_words = max(1, self.words_per_epoch * epochs)
        self.alpha = model.effective_alpha
        self.min_alpha = model.effective_min_alpha
        # per thread, per epoch: float64 loss sum, examples, words
        self.loss = [[0.0] * epochs for _ in range(self.n_threads)]
        self.examples = [[0] * epochs for _ in range(self.n_threads)]
        self.words = [[0] * epochs for _ in range(self.n_threads)]
        self.rngs = [kernels.seed_rng(model.seed, t) for t in range(self.n_threads)]
        # chosen (and compiled or loaded from the cache) once, before any thread starts
        self.arch_code = kernels.ARCH_CBOW if model.arch == "cbow" else kernels.ARCH_SKIPGRAM
        self.layer_code = {"ns": kernels.LAYER_NS, "hs": kernels.LAYER_HS,
                           "softmax": kernels.LAYER_SOFTMAX}[model.loss]
        self.kernel = specialise.kernel_for(arch=self.arch_code, layer=self.layer_code,
                                            negative=model.negative,
                                            batch_contexts=model.batch_contexts)
        self.offset = 0              # words handed out so far: drives the learning rate
        self.position = (0, 0)       # (epoch, chunks of it handed out)
        self.start_epoch, self.skip_chunks = 0, 0
        self.words_before_resume = 0
        if resume is not None:
            self._restore(resume)
        self.words_done = 0          # read by the main thread for progress only
        self.error: BaseException | None = None
        self.diverged_epoch: int | None = None
        self.stop = threading.Event()
        self.queue: queue.Queue = queue.Queue(maxsize=_QUEUE_CHUNKS_PER_THREAD * self.n_threads)
        self.submitted = 0
        self.completed = 0
        self.lock = threading.Lock()
        self.merge_lock = threading.Lock()
        rows = model.context_vectors_.shape[0]
        self.private = None   # (lo, hi) of the output rows each thread copies
        if self.n_threads > 1 and rows > 1 and PRIVATE_OUTPUT_ROWS.get(model.loss, 0) > 0:
            count = min(PRIVATE_OUTPUT_ROWS[model.loss], rows)
            # ids are ordered by count, so the hottest NS rows come first; Huffman inner
            # nodes are numbered as they are built, by weight, so the root is the last
            self.private = (0, count) if model.loss == "ns" else (rows - count, rows)

    def _restore(self, resume: tuple[dict, dict]) -> None:
        """Continue from a checkpoint's training state (see :meth:`_save_checkpoint`)."""
        state, arrays = resume
        self.alpha, self.min_alpha = float(state["alpha"]), float(state["min_alpha"])
        self.start_epoch, self.skip_chunks = int(state["epoch"]), int(state["chunks_done"])
        self.position = (self.start_epoch, self.skip_chunks)
        self.offset = int(state["words_offset"])
        saved_threads = int(state["threads"])
        if saved_threads == self.n_threads:
            for t in range(self.n_threads):
                self.rngs[t][0] = arrays["rng_states"][t]
            self.loss = arrays["thread_loss"].tolist()
            self.examples = arrays["thread_examples"].tolist()
            self.words = arrays["thread_words"].tolist()
        else:  # other thread count: same totals, fresh generators for the new threads
            for name, target in (("thread_loss", self.loss), ("thread_examples", self.examples),
                                 ("thread_words", self.words)):
                totals = arrays[name].sum(axis=0).tolist()
                target[0][:] = totals
        self.words_before_resume = sum(map(sum, self.words))

    # -- schedule ------------------------------------------------------------------------
    def alpha_at(self, words: int) -> float:
        frac = min(1.0, words / self.total_words)
        return self.alpha - (self.alpha - self.min_alpha) * frac

    # -- chunks --------------------------------------------------------------------------
    def _encode(self, cache: _EncodedCache | _MemoryCache | None,
                kept_ids: _encoder.CorpusIds | None = None):
        """Yield (tokens, starts) chunks of about chunk_words tokens from the text (or
        from ``kept_ids``, the same chunks), writing each to ``cache`` too (when given)
        for the later epochs.

        A UTF-8 :class:`~w2v.corpus.TextCorpus` is read and encoded by the compiled
        reader of :mod:`w2v._encoder` (4x faster than splitting str and looking the
        words up on the zipped 17M-word corpus, 8x on plain text, so epoch 1's main
        thread takes less of the cores from the kernels); any other corpus in Python.
        Both give the same chunks (``benchmarks/encode_speed.py``).
        """
        if kept_ids is not None:
            chunks = kept_ids.chunks(self.model.vocabulary_.index, self.model.chunk_words)
        else:
            chunks = _encoder.corpus_chunks(self.corpus, self.model.vocabulary_,
                                            self.model.chunk_words)
        for tokens, starts in chunks:
            if cache is not None:
                cache.write(tokens, starts)
            yield tokens, starts

    # -- workers -------------------------------------------------------------------------
    def _scratch(self) -> kernels.Scratch:
        m = self.model
        max_targets = {"ns": 1 + m.negative, "hs": m._tree[0].shape[1],
                       "softmax": m.context_vectors_.shape[0]}[m.loss]
        max_hidden = 2 * m.window if (m.arch == "skipgram" and m.batch_contexts) else 1
        return kernels.Scratch(dim=self._input_rows.shape[1], window=m.window,
                               max_sentence_length=m.max_sentence_length,
                               max_targets=max_targets, max_hidden=max_hidden)

    def _train_chunk(self, tokens, starts, alpha_start, alpha_end, rng, arrays):
        """The kernel on one chunk: (float64 loss sum, examples, words)."""
        m = self.model
        return self.kernel(
            self._input_rows, self._output_rows, tokens, starts, m._keep_prob,
            self.arch_code, self.layer_code, int(m.cbow_mean), int(m.batch_contexts),
            m.window, int(m.shrink_windows), m.negative, m._alias[0], m._alias[1], m._tree[0], m._tree[1], m._tree[2],
            alpha_start, alpha_end, rng, *arrays)

    def _warm_up(self) -> None:
        """Compile the kernel for this run's argument types, or load it from the disk
        cache (seconds the first time, about 0.3 s after), on an empty chunk before the
        clock and the progress bar start: words/s then measures training only."""
        scratch = self._scratch()
        self._train_chunk(np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64),
                          self.alpha, self.alpha, kernels.seed_rng(0), scratch.arrays())
        if self.private is not None:   # merges no rows: hot_map is (0, 0, 0)
            kernels.merge_private_rows(self._output_rows, scratch.hot_map,
                                       np.zeros((0, self._output_rows.shape[1]),
                                                dtype=np.float32))

    def _worker(self, tid: int) -> None:
        m = self.model
        rng = self.rngs[tid]
        scratch = self._scratch()
        snapshot = None
        if self.private is not None:
            lo, hi = self.private
            first = m.context_vectors_.shape[0] + tid * (hi - lo)
            scratch.use_private_rows(lo, hi, first)
            with self.merge_lock:
                snapshot = self._output_rows[lo:hi].copy()
                self._output_rows[first:first + hi - lo] = snapshot
        arrays = scratch.arrays()
        while True:
            chunk = self.queue.get()
            try:
                if chunk is None:
                    return
                if self.stop.is_set():
                    continue
                loss, examples, words = self._train_chunk(
                    chunk.tokens, chunk.starts, chunk.alpha_start, chunk.alpha_end, rng,
                    arrays)
                if snapshot is not None:
                    with self.merge_lock:
                        kernels.merge_private_rows(self._output_rows, scratch.hot_map, snapshot)
                e = chunk.epoch
                self.loss[tid][e] += loss
                self.examples[tid][e] += examples
                self.words[tid][e] += words
                if not math.isfinite(loss):
                    self.diverged_epoch = e
                    self.stop.set()
                with self.lock:
                    self.words_done += words
                    self.completed += 1
            except BaseException as exc:  # pragma: no cover - a bug, re-raised in main
                self.error = exc
                self.stop.set()
            finally:
                self.queue.task_done()

    def _put(self, item, bar) -> bool:
        """Queue a chunk for the workers; False if training is stopping."""
        while True:
            if self.stop.is_set():
                return False
            try:
                self.queue.put(item, timeout=_POLL_SECONDS)
                with self.lock:
                    self.submitted += 1
                return True
            except queue.Full:
                self._refresh(bar)

    def _refresh(self, bar, epoch: int | None = None) -> None:
        if bar is None:
            return
        done = self.words_done
        bar.update(done - bar.n)
        postfix = {"lr": f"{self.alpha_at(done):.5f}"}
        if epoch is not None:
            ex = sum(self.examples[t][epoch] for t in range(self.n_threads))
            if ex:
                postfix["loss"] = f"{sum(self.loss[t][epoch] for t in range(self.n_threads)) / ex:.4f}"
        bar.set_postfix(postfix, refresh=False)

    def _wait_idle(self, bar, epoch) -> None:
        while True:
            with self.lock:
                idle = self.completed >= self.submitted
            # when stopping, workers skip queued chunks without counting them done
            if idle or (self.stop.is_set() and self.queue.unfinished_tasks == 0):
                return
            time.sleep(_POLL_SECONDS / 10)
            self._refresh(bar, epoch)

    # -- the run -------------------------------------------------------------------------
    def run(self) -> None:
        m = self.model
        # The kernels train padded, aligned copies of the matrices (kernels.padded_copy:
        # rows of a whole number of vectors); the output matrix also holds, after the
        # shared rows, each thread's private copies of its hottest rows (see
        # PRIVATE_OUTPUT_ROWS). Meanwhile word_vectors_ and context_vectors_ are views of
        # the real rows and columns, so checkpoints and callbacks (which run between
        # chunks, when every private copy has been merged) see every update.
        self._input_rows, self._output_rows = m.word_vectors_, m.context_vectors_
        self._warm_up()   # the padded copies have the same types; nothing is changed yet
        rows = m.context_vectors_.shape[0]
        extra = 0 if self.private is None else self.n_threads * (self.private[1] - self.private[0])
        self._input_rows = kernels.padded_copy(m.word_vectors_)
        self._output_rows = kernels.padded_copy(m.context_vectors_, rows=rows + extra)
        m.word_vectors_ = self._input_rows[:, :m.dim]
        m.context_vectors_ = self._output_rows[:rows, :m.dim]
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.total_words, initial=self.offset, unit="word",
                       unit_scale=True, desc="training", smoothing=0.1, dynamic_ncols=True)
            self.words_done = self.offset
        workers = [threading.Thread(target=self._worker, args=(t,), daemon=True,
                                    name=f"w2v-worker-{t}") for t in range(self.n_threads)]
        for w in workers:
            w.start()
        # Later epochs take the token ids from memory when the corpus is short enough
        # (MEMORY_CACHE_MAX_TOKENS); else they re-read the text when the compiled reader
        # applies (it reads and encodes the 17M-word zip in under a second, while writing
        # and re-reading 4 bytes per token through the disk measured slower on this
        # project's 2-core VM: CBOW, 3 epochs, 2.2M words/s with the file on disk, 3.6M
        # on tmpfs, 3.8M re-reading the text; the writeback takes the cores), else they
        # read the ids back from a temporary file.
        # Epoch 1 takes the ids build_vocab kept, when it kept them for this corpus.
        kept_ids = m._take_corpus_ids(self.corpus)
        cache = None
        if self.epochs - self.start_epoch > 1:
            if m.vocabulary_.corpus_word_count <= MEMORY_CACHE_MAX_TOKENS:
                cache = _MemoryCache(MEMORY_CACHE_MAX_TOKENS)
            elif not _encoder.fast_path_applies(self.corpus):
                cache = _EncodedCache()
        started = time.perf_counter()
        self.last_checkpoint = started
        try:
            for epoch in range(self.start_epoch, self.epochs):
                epoch_start = time.perf_counter()
                if bar is not None:
                    bar.set_description(f"epoch {epoch + 1}/{self.epochs}")
                skip = self.skip_chunks if epoch == self.start_epoch else 0
                if cache is not None and cache.complete:
                    source = cache.read()
                else:
                    source = self._encode(cache, kept_ids)
                    kept_ids = None
                for index, (tokens, starts) in enumerate(source):
                    if index < skip:      # done before the checkpoint we resumed from
                        continue
                    a0 = self.alpha_at(self.offset)
                    a1 = self.alpha_at(self.offset + tokens.size)
                    if not self._put(_Chunk(epoch, tokens, starts, a0, a1), bar):
                        break
                    self.offset += tokens.size
                    self.position = (epoch, index + 1)
                    self._refresh(bar, epoch)
                    if self._checkpoint_due():
                        self._wait_idle(bar, epoch)
                        self._raise_if_failed()
                        self._save_checkpoint()
                if cache is not None and not cache.complete:
                    cache.finish()
                self._wait_idle(bar, epoch)
                self._raise_if_failed()
                self.position = (epoch + 1, 0)
                self._end_epoch(epoch, time.perf_counter() - epoch_start)
        except KeyboardInterrupt:
            # Finish the chunks already handed out (well under a second), then save a
            # checkpoint of exactly the work done, so `--resume` loses nothing.
            if self.checkpoint_path is not None and self.error is None \
                    and self.diverged_epoch is None:
                self._wait_idle(bar, None)
                self._save_checkpoint()
                raise TrainingInterrupted(self.checkpoint_path) from None
            raise
        finally:
            # On any other exception the workers skip what is queued.
            if sys.exc_info()[0] is not None:
                self.stop.set()
            for _ in workers:
                self.queue.put(None)
            for w in workers:
                w.join()
            # plain arrays again, without the padding and private copies (all merged);
            # each padded matrix is let go before the next copy, for a lower peak
            m.word_vectors_ = m.word_vectors_.copy()
            self._input_rows = None
            m.context_vectors_ = m.context_vectors_.copy()
            self._output_rows = None
            if cache is not None:
                cache.close()
            if bar is not None:
                self._refresh(bar)
                bar.close()
        elapsed = time.perf_counter() - started
        trained = sum(map(sum, self.words)) - self.words_before_resume
        m.words_per_second_ = trained / elapsed if elapsed > 0 else 0.0
        if self.checkpoint_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.checkpoint_path)

    # -- checkpoints ---------------------------------------------------------------------
    def _checkpoint_due(self) -> bool:
        if self.checkpoint_path is None or self.checkpoint_every is None:
            return False
        now = time.perf_counter()
        if now - self.last_checkpoint < self.checkpoint_every:
            return False
        self.last_checkpoint = now
        return True

    def _save_checkpoint(self) -> None:
        """Save the model and the trainer's exact state once every submitted chunk has
        finished: weights, position, each thread's generator and float64 sums."""
        m = self.model
        epoch, chunks_done = self.position
        state = {
            "epochs": self.epochs, "epoch": epoch, "chunks_done": chunks_done,
            "words_offset": self.offset, "alpha": self.alpha, "min_alpha": self.min_alpha,
            "threads": self.n_threads, "words_per_epoch": self.words_per_epoch,
        }
        arrays = {
            "rng_states": np.array([r[0] for r in self.rngs], dtype=np.uint64),
            "thread_loss": np.array(self.loss, dtype=np.float64),
            "thread_examples": np.array(self.examples, dtype=np.int64),
            "thread_words": np.array(self.words, dtype=np.int64),
        }
        m._save(self.checkpoint_path, training_state=state, extra_arrays=arrays)
        self.checkpoints_written += 1

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error
        if self.diverged_epoch is not None:
            e = self.model.epochs_trained_ + 1
            raise DivergenceError(
                f"training diverged in epoch {e}: the loss became NaN or infinite "
                f"(expected a finite loss; lower the learning rate, alpha="
                f"{self.alpha:g} now)")

    def _end_epoch(self, epoch: int, seconds: float) -> None:
        m = self.model
        loss = math.fsum(self.loss[t][epoch] for t in range(self.n_threads))
        examples = sum(self.examples[t][epoch] for t in range(self.n_threads))
        words = sum(self.words[t][epoch] for t in range(self.n_threads))
        if words == 0:
            raise TrainingError("the corpus yielded no in-vocabulary words to train on "
                                "(is it the corpus the vocabulary was built from?)")
        if examples == 0:
            raise TrainingError(
                f"epoch {m.epochs_trained_ + 1} had no training examples: after "
                f"subsampling (sample={m.sample:g}) no sentence kept two words within "
                "the window (expected sentences of several words; lower 'sample' or use "
                "a larger corpus)")
        mean = loss / examples
        m.loss_history_.append(mean)
        m.epochs_trained_ += 1
        info = {"epoch": m.epochs_trained_, "loss": mean, "examples": examples,
                "words": words, "seconds": seconds}
        for cb in self.callbacks:
            cb(m, info)
