"""Keyed word vectors: a vocabulary (row order) plus a float32 matrix, and queries.

:class:`KeyedVectors` is what every query, evaluation, plot and file format works on.
A trained :class:`w2v.Word2Vec` hands one out for the input vectors (``W_in``), the
output vectors (``W_out``) or their sum.

Queries follow gensim's ``KeyedVectors`` semantics (cosine similarity on unit vectors,
input words excluded from the answers) so results can be compared one to one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._validation import check_choice, check_float, check_int
from .errors import ParameterError, VocabularyError

__all__ = ["KeyedVectors", "COSMUL_EPSILON", "ANALOGY_METHODS"]

# Levy & Goldberg (2014), "Linguistic Regularities in Sparse and Explicit Word
# Representations", section 4: 3CosMul divides by cos(x, a) shifted to [0, 1], which can
# be 0; their epsilon = 0.001 keeps the quotient finite. (gensim's most_similar_cosmul
# uses 1e-6; pass ``epsilon=1e-6`` to most_similar_cosmul to reproduce it exactly.)
COSMUL_EPSILON = 1e-3

ANALOGY_METHODS = ("3cosadd", "3cosmul")


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

    # -- queries ------------------------------------------------------------------------
    def most_similar(self, positive=(), negative=(), *, topn: int | None = 10,
                     restrict_vocab: int | None = None):
        """The words nearest to the mean of ``positive`` minus ``negative`` (gensim semantics).

        Each word is replaced by its unit vector; the query is the mean of the positive
        unit vectors (weight +1) and the negative ones (weight -1), scaled to unit
        length; every word of the first ``restrict_vocab`` rows is scored by its cosine
        with the query.

        Parameters
        ----------
        positive, negative : str, 1-D array, or sequence of them
            Words (looked up) or vectors of length ``dim`` (scaled to unit length like
            the words; gensim uses given vectors as they are, so results agree for unit
            vectors).
        topn : int >= 1 or None
            How many answers. ``None`` returns the cosine of every word in the searched
            rows instead, as an array (input words included).
        restrict_vocab : int >= 1 or None
            Search only the first ``restrict_vocab`` rows (the most frequent words).

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``(word, cosine)`` pairs, best first, input words left out; ties go to the
            earlier row.

        Raises
        ------
        VocabularyError
            A word is not in the vocabulary.
        ParameterError
            No input at all, a vector of the wrong shape, or a bad ``topn`` /
            ``restrict_vocab``.
        """
        topn = check_int("topn", topn, min=1, allow_none=True)
        n_rows = self._search_rows(restrict_vocab)
        pos_vectors, pos_rows = self._query_terms("positive", positive)
        neg_vectors, neg_rows = self._query_terms("negative", negative)
        if not pos_vectors and not neg_vectors:
            raise ParameterError(f"parameter positive={positive!r}, negative={negative!r}: "
                                 "expected at least one word or vector")
        total = np.zeros(self.dim, dtype=np.float64)
        for v in pos_vectors:
            total += v
        for v in neg_vectors:
            total -= v
        query = _unit(total / (len(pos_vectors) + len(neg_vectors))).astype(np.float32)
        scores = self.unit_vectors()[:n_rows] @ query
        if topn is None:
            return scores
        return self._best(scores, topn, set(pos_rows) | set(neg_rows))

    def similar_by_vector(self, vector, *, topn: int | None = 10,
                          restrict_vocab: int | None = None):
        """The words nearest to ``vector`` by cosine; see :meth:`most_similar`.

        No word is excluded (the vector may well be a word's own vector).
        """
        vector = np.asarray(vector)
        if vector.ndim != 1:
            raise ParameterError(f"parameter vector: expected a 1-D array of length "
                                 f"{self.dim}, got shape {vector.shape}")
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=(), negative=(), *, topn: int | None = 10,
                            restrict_vocab: int | None = None,
                            epsilon: float = COSMUL_EPSILON):
        """Multiplicative combination (Levy & Goldberg 2014, equation 4; gensim semantics).

        Every cosine is shifted to [0, 1] as ``(cos + 1) / 2``; a word's score is the
        product of its shifted cosines with the positive terms divided by (the product
        of those with the negative terms, 1 when there are none, + ``epsilon``).

        Parameters
        ----------
        positive, negative : str, 1-D array, or sequence of them
            As in :meth:`most_similar`; at least one positive term is needed.
        topn, restrict_vocab
            As in :meth:`most_similar`.
        epsilon : float > 0
            Keeps the quotient finite; :data:`COSMUL_EPSILON` by default.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``(word, score)`` pairs, best first, input words left out.
        """
        topn = check_int("topn", topn, min=1, allow_none=True)
        epsilon = check_float("epsilon", epsilon, min=0.0, min_exclusive=True)
        n_rows = self._search_rows(restrict_vocab)
        pos_vectors, pos_rows = self._query_terms("positive", positive)
        neg_vectors, neg_rows = self._query_terms("negative", negative)
        if not pos_vectors:
            raise ParameterError(f"parameter positive={positive!r}: expected at least one "
                                 "word or vector")
        unit = self.unit_vectors()[:n_rows]
        numerator = np.ones(n_rows, dtype=np.float64)
        for v in pos_vectors:
            numerator *= (1.0 + unit @ v.astype(np.float32)) / 2.0
        denominator = np.ones(n_rows, dtype=np.float64)
        for v in neg_vectors:
            denominator *= (1.0 + unit @ v.astype(np.float32)) / 2.0
        scores = numerator / (denominator + epsilon)
        if topn is None:
            return scores
        return self._best(scores, topn, set(pos_rows) | set(neg_rows))

    def analogy(self, a: str, b: str, c: str, *, method: str = "3cosadd", topn: int = 1,
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """"``a`` is to ``b`` as ``c`` is to ?": ``analogy("man", "king", "woman")`` -> queen.

        ``"3cosadd"`` ranks words by cos(x, b - a + c) on unit vectors (Mikolov et al.
        2013); ``"3cosmul"`` by cos'(x, b) cos'(x, c) / (cos'(x, a) + COSMUL_EPSILON)
        with cos' = (cos + 1) / 2 (Levy & Goldberg 2014). ``a``, ``b`` and ``c`` are never
        answers.

        Returns
        -------
        list of (str, float)
            ``topn`` pairs of (word, score), best first.
        """
        method = check_choice("method", method, ANALOGY_METHODS)
        for name, word in (("a", a), ("b", b), ("c", c)):
            if not isinstance(word, str):
                raise ParameterError(f"parameter {name}={word!r}: expected a word")
        if method == "3cosadd":
            return self.most_similar(positive=[b, c], negative=[a], topn=topn,
                                     restrict_vocab=restrict_vocab)
        return self.most_similar_cosmul(positive=[b, c], negative=[a], topn=topn,
                                        restrict_vocab=restrict_vocab)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word of ``words`` least similar to their mean (gensim semantics).

        The mean of the words' unit vectors is scaled to unit length; the word with the
        lowest cosine to it is returned. Unlike gensim, unknown words raise
        :class:`VocabularyError` instead of being skipped.
        """
        words = self._word_list("words", words)
        unit = self.unit_vectors()[[self.index_of(w) for w in words]]
        centre = _unit(unit.astype(np.float64).mean(axis=0)).astype(np.float32)
        scores = unit @ centre
        return min(zip(scores.tolist(), words))[1]

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance, ``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine of the means of two word sets (raw vectors averaged, as gensim does)."""
        ws1 = self._word_list("ws1", ws1)
        ws2 = self._word_list("ws2", ws2)
        mean1 = self.vectors[[self.index_of(w) for w in ws1]].astype(np.float64).mean(axis=0)
        mean2 = self.vectors[[self.index_of(w) for w in ws2]].astype(np.float64).mean(axis=0)
        return float(np.dot(_unit(mean1), _unit(mean2)))

    def words_closer_than(self, w1: str, w2: str) -> list[str]:
        """Every word (other than ``w1``) strictly more similar to ``w1`` than ``w2`` is."""
        i = self.index_of(w1)
        j = self.index_of(w2)
        scores = self.unit_vectors() @ self.unit_vectors()[i]
        closer = np.flatnonzero(scores > scores[j])
        return [self.words[k] for k in closer if k != i]

    def rank(self, w1: str, w2: str) -> int:
        """Rank of ``w2`` among the neighbours of ``w1`` (1 = nearest)."""
        return len(self.words_closer_than(w1, w2)) + 1

    # -- query helpers ------------------------------------------------------------------
    def _search_rows(self, restrict_vocab) -> int:
        restrict_vocab = check_int("restrict_vocab", restrict_vocab, min=1, allow_none=True)
        return len(self) if restrict_vocab is None else min(restrict_vocab, len(self))

    def _query_terms(self, name: str, terms) -> tuple[list[np.ndarray], list[int]]:
        """Unit vectors (float64) of words or vectors, and the rows of the words."""
        if terms is None:
            items = []
        elif isinstance(terms, (str, np.ndarray)) and not (
                isinstance(terms, np.ndarray) and terms.ndim == 2):
            items = [terms]
        else:
            try:
                items = list(terms)
            except TypeError:
                raise ParameterError(f"parameter {name}={terms!r}: expected a word, a vector "
                                     "or a sequence of them") from None
        vectors, rows = [], []
        unit = self.unit_vectors()
        for item in items:
            if isinstance(item, str):
                row = self.index_of(item)
                rows.append(row)
                vectors.append(unit[row].astype(np.float64))
                continue
            try:
                vector = np.asarray(item, dtype=np.float64)
            except (TypeError, ValueError):
                raise ParameterError(f"parameter {name}: {item!r}: expected a word or a "
                                     f"vector of length {self.dim}") from None
            if vector.shape != (self.dim,) or not np.all(np.isfinite(vector)):
                raise ParameterError(f"parameter {name}: vector of shape {vector.shape}: "
                                     f"expected finite values, shape ({self.dim},)")
            vectors.append(_unit(vector))
        return vectors, rows

    def _best(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[tuple[str, float]]:
        """The ``topn`` highest scores not in ``exclude``; ties go to the earlier row."""
        wanted = min(topn + len(exclude), len(scores))
        if wanted <= 0:
            return []
        if wanted < len(scores):
            candidates = np.argpartition(-scores, wanted - 1)[:wanted]
            # Ties at the cut-off: argpartition picks arbitrarily among equal scores; take
            # every row scoring at least the cut-off so the earlier row wins, as promised.
            cutoff = scores[candidates].min()
            candidates = np.flatnonzero(scores >= cutoff)
        else:
            candidates = np.arange(len(scores))
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        result = []
        for row in order.tolist():
            if row in exclude:
                continue
            result.append((self.words[row], float(scores[row])))
            if len(result) == topn:
                break
        return result

    @staticmethod
    def _word_list(name: str, words) -> list[str]:
        if isinstance(words, str):
            raise ParameterError(f"parameter {name}={words!r}: expected a list of words, "
                                 "not one string")
        try:
            words = list(words)
        except TypeError:
            raise ParameterError(f"parameter {name}={words!r}: expected a list of words") \
                from None
        if not words:
            raise ParameterError(f"parameter {name}=[]: expected at least one word")
        return words


def _unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to unit length (a zero vector stays zero), as float64."""
    vector = np.asarray(vector, dtype=np.float64)
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector
