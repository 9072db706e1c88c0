"""Keyed word vectors: a vocabulary (row order) plus a float32 matrix, and queries.

:class:`KeyedVectors` is what every query, evaluation, plot and file format works on.
A trained :class:`w2v.Word2Vec` hands one out for the input vectors (``W_in``), the
output vectors (``W_out``) or their sum.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .errors import ParameterError, VocabularyError

__all__ = ["KeyedVectors"]


class KeyedVectors:
    """Words and their vectors.

    Parameters
    ----------
    words : sequence of str
        One word per row of ``vectors``, most frequent first by convention (queries'
        ``restrict_vocab`` means "the first N rows").
    vectors : array of shape (len(words), dim)
        Stored as C-contiguous float32.
    counts : array of int, optional
        Corpus frequencies of the words, when known (written to nothing by the
        word2vec formats; kept by the native model format).
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray, *,
                 counts: np.ndarray | None = None):
        words = list(words)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ParameterError(f"parameter vectors: expected a 2-D array, got shape "
                                 f"{vectors.shape}")
        if vectors.shape[0] != len(words):
            raise ParameterError(f"parameter vectors: expected {len(words)} rows (one per "
                                 f"word), got {vectors.shape[0]}")
        index = {}
        for i, w in enumerate(words):
            if not isinstance(w, str) or not w:
                raise ParameterError(f"parameter words[{i}]={w!r}: expected a non-empty string")
            if w in index:
                raise ParameterError(f"parameter words[{i}]={w!r}: expected unique words "
                                     f"(also at row {index[w]})")
            index[w] = i
        self.words: list[str] = words
        self.vectors: np.ndarray = vectors
        self.index: dict[str, int] = index
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self._unit: np.ndarray | None = None

    # -- basic access -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self):
        return iter(self.words)

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.index_of(word)]

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words, dim={self.dim})"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def index_of(self, word: str) -> int:
        """Row of ``word``; :class:`VocabularyError` if it is not in the vocabulary."""
        try:
            return self.index[word]
        except KeyError:
            raise VocabularyError(f"word {word!r} is not in the vocabulary "
                                  f"({len(self)} words)") from None
        except TypeError:
            raise VocabularyError(f"word {word!r}: expected a string") from None

    def get_vector(self, word: str, *, norm: bool = False) -> np.ndarray:
        """The vector of ``word`` (a view), unit-length if ``norm``."""
        i = self.index_of(word)
        return self.unit_vectors()[i] if norm else self.vectors[i]

    def unit_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length (zero vectors stay zero); cached."""
        if self._unit is None or self._unit.shape != self.vectors.shape:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            self._unit = (self.vectors / norms).astype(np.float32, copy=False)
        return self._unit

    def invalidate_cache(self) -> None:
        """Forget cached unit vectors (call after changing ``vectors`` in place)."""
        self._unit = None
