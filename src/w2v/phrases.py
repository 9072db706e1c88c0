"""Phrase detection (word2phrase): join word pairs that occur together far more often than
chance, so that "new york" becomes the single token ``new_york``.

This is the method of the reference word2vec distribution's ``word2phrase`` tool
(Mikolov et al. 2013, "Distributed Representations of Words and Phrases and their
Compositionality", section 4). One *pass* counts every word and every pair of adjacent
words in the corpus, scores each pair, and keeps the pairs scoring above a threshold;
applying the pass rewrites each sentence left to right, joining a kept pair ``a b`` into
``a_b``. Running a second pass over the rewritten corpus can join ``new_york`` and
``times`` into ``new_york_times``: ``passes`` passes build phrases of up to
``2 ** passes`` words.

Scores (``pab``, ``pa``, ``pb``: counts of the pair and of its two words; ``total``: the
number of word tokens in the corpus of this pass):

* ``"word2vec"`` (default), the C tool's formula exactly::

      (pab - min_count) / pa / pb * total

  Note that gensim's ``original_scorer`` multiplies by the vocabulary size instead of
  ``total``; w2v follows the C tool, so its thresholds mean what they mean there.
* ``"npmi"``, normalised pointwise mutual information (Bouma 2009), in [-1, 1]::

      log(P(ab) / (P(a) P(b))) / -log(P(ab)),   P(x) = count(x) / total

Only pairs seen at least ``min_count`` times are scored (so both their words are too),
and a pair is a phrase when its score is strictly greater than the threshold (as in the
C tool). Applying a pass is greedy, as in the C tool: scanning left to right, when the
current word and the next form a phrase they are emitted as one token and the next word
cannot also start a phrase.

Sentence boundaries: pairs are counted, and joined, only inside a sentence, never across
two. A text8-style corpus (one 17M-word line) is cut by the corpus reader into
"sentences" of at most 10,000 tokens; those cuts are not real sentence boundaries, but no
phrase crosses them either (at most one pair in 10,000 is lost).

Bounded memory: words are counted exactly (one integer per distinct word), but the table
of pair counts is bounded by ``max_pair_table`` distinct pairs. When it outgrows the bound
it is pruned the way the C tool prunes its vocabulary: pairs seen at most ``m`` times so
far are dropped, with ``m`` starting at 1 and increasing by one at each prune. Counts of
pairs that survive a prune are exact from then on, but a pair dropped and seen again
restarts from zero, so after pruning rare pairs are undercounted (the attribute
``pruned_below_`` says how far pruning went; 0 means every count is exact).

Python use::

    >>> from w2v.phrases import learn_phrases
    >>> model = learn_phrases("corpus.txt", passes=2)            # doctest: +SKIP
    >>> model.transform("i love new york".split())               # doctest: +SKIP
    ['i', 'love', 'new_york']
    >>> model.save("phrases.tsv"); PhraseModel.load("phrases.tsv")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import time
from itertools import compress
from typing import Iterable, Iterator, Mapping, NamedTuple, Sequence

import numba
import numpy as np

from . import _validation as V
from ._fileio import atomic_write, open_binary
from ._fileio import READ_ERRORS
from .corpus import as_corpus
from .errors import CorpusError, FormatError, where

__all__ = [
    "Phrase", "PhraseTable", "Phrases", "PhraseModel", "PhrasedCorpus", "learn_phrases",
    "load_phrases", "score_word2vec", "score_npmi", "SCORINGS", "DEFAULT_THRESHOLDS",
    "DEFAULT_MIN_COUNT", "DEFAULT_PASSES", "DEFAULT_DELIMITER", "DEFAULT_MAX_PAIR_TABLE",
    "FILE_MAGIC", "FILE_VERSION",
]

SCORINGS = ("word2vec", "npmi")

# Thresholds used when none is given. 100 is the C tool's default; npmi lives in [-1, 1],
# where 0 means "independent" and 1 "always together": 0.5 is a common choice (gensim's
# documentation suggests values around it).
DEFAULT_THRESHOLDS = {"word2vec": 100.0, "npmi": 0.5}

# The C tool's default: pairs (and words) seen fewer times are never joined.
DEFAULT_MIN_COUNT = 5

# Two passes join phrases of up to four words ("new_york_times"), as in the word2vec
# distribution's demo-phrases.sh.
DEFAULT_PASSES = 2

# word2phrase's joiner, and the one questions-phrases.txt uses ("new_york_times").
DEFAULT_DELIMITER = "_"

# Distinct pairs kept in the count table before it is pruned. The hash table holding
# them grows in powers of two up to 2**25 slots at load 0.7 (16 bytes a slot: 512 MiB at
# most, 1 GiB while it is rehashed). The 17M-word text8-style corpus has about 7.5M
# distinct pairs in its first pass, so it is counted exactly.
DEFAULT_MAX_PAIR_TABLE = 20_000_000

# The phrase-table file: first line "w2v-phrases<TAB>1<TAB>delimiter=_".
FILE_MAGIC = "w2v-phrases"
FILE_VERSION = 1

# -- scores -------------------------------------------------------------------------------


def score_word2vec(pair_count, count_a, count_b, total_words, min_count):
    """The C tool's score, ``(pab - min_count) / pa / pb * total``.

    Works on scalars or NumPy arrays (computed in float64).

    Parameters
    ----------
    pair_count, count_a, count_b : int or array of int
        Counts of the pair ``a b`` and of its words ``a`` and ``b``.
    total_words : int
        Word tokens in the corpus.
    min_count : int
        The discount (the same ``min_count`` that pairs must reach to be scored).

    Returns
    -------
    float or array of float
    """
    pab = np.asarray(pair_count, dtype=np.float64)
    score = (pab - min_count) / np.asarray(count_a, dtype=np.float64) \
        / np.asarray(count_b, dtype=np.float64) * float(total_words)
    return score if score.ndim else float(score)


def score_npmi(pair_count, count_a, count_b, total_words):
    """Normalised pointwise mutual information of the pair ``a b``, in [-1, 1].

    ``log(P(ab) / (P(a) P(b))) / -log(P(ab))`` with ``P(x) = count(x) / total_words``;
    1 when the pair always occurs together (``P(ab) = 1`` is scored 1 too).

    Parameters
    ----------
    pair_count, count_a, count_b : int or array of int
        Counts of the pair ``a b`` and of its words ``a`` and ``b``.
    total_words : int
        Word tokens in the corpus.

    Returns
    -------
    float or array of float
    """
    total = float(total_words)
    p_ab = np.asarray(pair_count, dtype=np.float64) / total
    p_a = np.asarray(count_a, dtype=np.float64) / total
    p_b = np.asarray(count_b, dtype=np.float64) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
    score = np.where(p_ab >= 1.0, 1.0, score)
    return score if score.ndim else float(score)


# -- records ------------------------------------------------------------------------------


class Phrase(NamedTuple):
    """One learned phrase: ``left + delimiter + right``, with its score and pair count."""

    phrase: str
    left: str
    right: str
    score: float
    count: int
    pass_number: int  # 1-based


class PhraseTable:
    """The phrases one pass learned, and how to apply them to a sentence.

    Parameters
    ----------
    phrases : mapping of (str, str) to (float, int)
        ``(left, right) -> (score, pair_count)`` for every pair to join.
    delimiter : str, default "_"
        Joins ``left`` and ``right`` into one token.
    scoring, threshold, min_count, total_words
        How the pass learned the table (kept for the record and the saved file).
    """

    def __init__(self, phrases: Mapping[tuple[str, str], tuple[float, int]], *,
                 delimiter: str = DEFAULT_DELIMITER, scoring: str = "word2vec",
                 threshold: float | None = None, min_count: int = DEFAULT_MIN_COUNT,
                 total_words: int = 0):
        self.delimiter = _check_delimiter(delimiter)
        self.scoring = V.check_choice("scoring", scoring, SCORINGS)
        self.threshold = _check_threshold(threshold, self.scoring)
        self.min_count = V.check_int("min_count", min_count, min=1)
        self.total_words = V.check_int("total_words", total_words, min=0)
        self.phrases: dict[tuple[str, str], tuple[float, int]] = {
            (left, right): (float(score), int(count))
            for (left, right), (score, count) in phrases.items()}
        by_left: dict[str, set[str]] = {}
        for left, right in self.phrases:
            by_left.setdefault(left, set()).add(right)
        self._by_left = by_left

    def __len__(self) -> int:
        return len(self.phrases)

    def __contains__(self, pair: object) -> bool:
        return pair in self.phrases

    def __repr__(self) -> str:
        return (f"PhraseTable({len(self)} phrases, scoring={self.scoring!r}, "
                f"threshold={self.threshold}, min_count={self.min_count})")

    def apply(self, sentence: Sequence[str]) -> list[str]:
        """Join the phrases of this table in ``sentence``, greedily from the left.

        Scanning left to right, when the current token and the next form a phrase they
        become one token ``left + delimiter + right`` and the scan resumes after both,
        as in the C tool: in ``a b c`` with phrases ``a b`` and ``b c``, only ``a_b`` is
        made. Returns a new list; ``sentence`` is not changed.
        """
        by_left = self._by_left
        # Positions that can start a phrase (a C-level scan; most tokens cannot).
        starts = list(compress(range(len(sentence)), map(by_left.__contains__, sentence)))
        if not starts:
            return list(sentence)
        last = len(sentence) - 1
        joiner = self.delimiter
        out: list[str] = []
        done = 0  # sentence[:done] has been emitted
        for i in starts:
            if i < done or i == last:  # consumed as a right part, or nothing follows
                continue
            right = sentence[i + 1]
            if right in by_left[sentence[i]]:
                out.extend(sentence[done:i])
                out.append(sentence[i] + joiner + right)
                done = i + 2
        out.extend(sentence[done:])
        return out

    def records(self, pass_number: int = 1) -> list[Phrase]:
        """The phrases as :class:`Phrase` records, in no particular order."""
        joiner = self.delimiter
        return [Phrase(left + joiner + right, left, right, score, count, pass_number)
                for (left, right), (score, count) in self.phrases.items()]


# -- learning one pass --------------------------------------------------------------------


class Phrases:
    """Learn one pass of phrases (the C tool's word2phrase) from a corpus.

    Parameters
    ----------
    min_count : int, default 5
        Pairs seen fewer times are never joined; also the discount in the word2vec score.
    threshold : float, optional
        A pair is joined when its score is strictly above this. Default: 100 for
        ``scoring="word2vec"``, 0.5 for ``"npmi"`` (whose scores lie in [-1, 1]).
    scoring : {"word2vec", "npmi"}, default "word2vec"
        The score (see the module documentation).
    delimiter : str, default "_"
        Joins the two words of a phrase; non-empty, without whitespace.
    max_pair_table : int, default 20,000,000
        Most distinct pairs counted at once; beyond, the table is pruned as the C tool
        prunes (memory stays bounded; rare pairs may then be undercounted).
    progress : bool, default False
        Show a tqdm progress bar (words counted) on stderr.

    Attributes
    ----------
    table_ : PhraseTable
        The learned phrases.
    total_words_ : int
        Word tokens counted.
    sentences_ : int
        Sentences counted.
    vocabulary_size_ : int
        Distinct words.
    distinct_pairs_ : int
        Distinct pairs in the count table at the end.
    pruned_below_ : int
        0 if the pair table was never pruned; otherwise the highest ``m`` of a prune
        (pairs seen at most ``m`` times when the table was full were dropped).
    fit_seconds_ : float
        Wall time of :meth:`fit`.
    """

    def __init__(self, *, min_count: int = DEFAULT_MIN_COUNT, threshold: float | None = None,
                 scoring: str = "word2vec", delimiter: str = DEFAULT_DELIMITER,
                 max_pair_table: int = DEFAULT_MAX_PAIR_TABLE, progress: bool = False):
        self.min_count = min_count
        self.threshold = threshold
        self.scoring = scoring
        self.delimiter = delimiter
        self.max_pair_table = max_pair_table
        self.progress = progress

    def __repr__(self) -> str:
        return (f"Phrases(min_count={self.min_count!r}, threshold={self.threshold!r}, "
                f"scoring={self.scoring!r}, delimiter={self.delimiter!r}, "
                f"max_pair_table={self.max_pair_table!r})")

    def _checked_params(self) -> dict:
        scoring = V.check_choice("scoring", self.scoring, SCORINGS)
        return dict(
            min_count=V.check_int("min_count", self.min_count, min=1),
            threshold=_check_threshold(self.threshold, scoring),
            scoring=scoring,
            delimiter=_check_delimiter(self.delimiter),
            max_pair_table=V.check_int("max_pair_table", self.max_pair_table, min=1,
                                       max=_MAX_PAIR_TABLE_LIMIT),
            progress=V.check_bool("progress", self.progress),
        )

    def fit(self, corpus, *, description: str | None = None) -> "Phrases":
        """Count words and adjacent pairs in ``corpus`` and keep the pairs above threshold.

        Parameters
        ----------
        corpus : path or restartable iterable of list of str
            Anything :func:`w2v.corpus.as_corpus` accepts; read once.
        description : str, optional
            Label of the progress bar.

        Returns
        -------
        self
        """
        params = self._checked_params()
        start_time = time.perf_counter()
        sentences = as_corpus(corpus)
        counts = _count(sentences, params["max_pair_table"],
                        progress=params["progress"], description=description)
        self.total_words_ = counts.total_words
        self.sentences_ = counts.sentences
        self.vocabulary_size_ = len(counts.words)
        self.distinct_pairs_ = counts.pairs.used
        self.pruned_below_ = counts.pairs.pruned_below
        self.table_ = _score(counts, **{k: params[k] for k in
                                        ("min_count", "threshold", "scoring", "delimiter")})
        self.fit_seconds_ = time.perf_counter() - start_time
        return self

    def transform(self, sentence: Sequence[str]) -> list[str]:
        """Join this pass's phrases in one sentence (see :meth:`PhraseTable.apply`)."""
        return self._fitted().apply(sentence)

    def transform_corpus(self, corpus) -> "PhrasedCorpus":
        """A restartable iterable of the sentences of ``corpus`` with phrases joined."""
        table = self._fitted()
        return PhrasedCorpus(PhraseModel([table], delimiter=table.delimiter), corpus)

    def _fitted(self) -> PhraseTable:
        try:
            return self.table_
        except AttributeError:
            raise AttributeError("this Phrases has not been fitted: call fit(corpus) "
                                 "first") from None


# -- several passes -----------------------------------------------------------------------


class PhraseModel:
    """Phrase tables learned in successive passes, applied in order.

    Parameters
    ----------
    tables : sequence of PhraseTable
        Pass 1 first; pass ``k`` was learned on the corpus rewritten by passes ``1..k-1``.
    delimiter : str, default "_"
        The joiner of every table.
    """

    def __init__(self, tables: Sequence[PhraseTable], *, delimiter: str = DEFAULT_DELIMITER):
        self.delimiter = _check_delimiter(delimiter)
        tables = list(tables)
        for number, table in enumerate(tables, 1):
            if not isinstance(table, PhraseTable):
                V.fail(f"tables[{number - 1}]", table, "a PhraseTable")
            if table.delimiter != self.delimiter:
                V.fail(f"tables[{number - 1}].delimiter", table.delimiter,
                       f"the model's delimiter {self.delimiter!r}")
        self.tables: list[PhraseTable] = tables

    def __len__(self) -> int:
        """Phrases learned, all passes together."""
        return sum(len(t) for t in self.tables)

    def __repr__(self) -> str:
        sizes = ", ".join(str(len(t)) for t in self.tables)
        return f"PhraseModel({len(self.tables)} passes: [{sizes}] phrases, " \
               f"delimiter={self.delimiter!r})"

    def transform(self, sentence: Sequence[str]) -> list[str]:
        """Apply every pass in order to one sentence (a list of tokens)."""
        out = list(sentence)
        for table in self.tables:
            out = table.apply(out)
        return out

    def transform_corpus(self, corpus) -> "PhrasedCorpus":
        """A restartable iterable of the sentences of ``corpus`` with phrases joined.

        ``corpus`` is anything :func:`w2v.corpus.as_corpus` accepts; it is read again on
        each iteration, nothing is counted.
        """
        return PhrasedCorpus(self, corpus)

    def phrases(self) -> list[Phrase]:
        """Every learned phrase as a :class:`Phrase`, pass by pass."""
        return [record for number, table in enumerate(self.tables, 1)
                for record in table.records(number)]

    def top(self, n: int = 20, *, by: str = "score") -> list[Phrase]:
        """The ``n`` best phrases of all passes, by ``"score"`` or by pair ``"count"``.

        Ties are broken by the other key, then alphabetically, so the order is fixed.
        Scores of different passes come from different corpora (each pass's rewritten
        text) but the same formula.
        """
        n = V.check_int("n", n, min=0)
        by = V.check_choice("by", by, ("score", "count"))
        if by == "score":
            def key(p): return (-p.score, -p.count, p.phrase, p.pass_number)
        else:
            def key(p): return (-p.count, -p.score, p.phrase, p.pass_number)
        return sorted(self.phrases(), key=key)[:n]

    # -- files ----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the tables as UTF-8 text (atomically); see ``docs/phrases.md``.

        Layout, tab-separated::

            w2v-phrases  1  delimiter=_
            pass  1  scoring=word2vec  threshold=100.0  min_count=5  total_words=N  phrases=K
            1  new  york  1234.5  3000          (pass, left, right, score, pair count)
            ...
            pass  2  ...

        Raises
        ------
        FormatError
            If a token holds a tab or a line break, which the format cannot store.
        """
        path = os.fspath(path)
        lines = [f"{FILE_MAGIC}\t{FILE_VERSION}\tdelimiter={self.delimiter}\n",
                 "# Phrases learned by w2v (word2phrase). Each pass: a 'pass' line, then one "
                 "line per phrase: pass, left part, right part, score, pair count.\n"]
        for number, table in enumerate(self.tables, 1):
            lines.append(f"pass\t{number}\tscoring={table.scoring}\t"
                         f"threshold={table.threshold!r}\tmin_count={table.min_count}\t"
                         f"total_words={table.total_words}\tphrases={len(table)}\n")
            for (left, right), (score, count) in sorted(
                    table.phrases.items(), key=lambda item: (-item[1][0], item[0])):
                for token in (left, right):
                    if _UNSTORABLE.intersection(token):
                        raise FormatError(
                            f"{where(path)}: cannot store the token {token!r} (expected "
                            "tokens without tabs or line breaks)")
                lines.append(f"{number}\t{left}\t{right}\t{score!r}\t{count}\n")
        with atomic_write(path, "w", encoding="utf-8") as f:
            f.writelines(lines)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "PhraseModel":
        """Read a phrase table written by :meth:`save` (plain or compressed).

        Raises
        ------
        FormatError
            If the file is missing or malformed; the message names the file and line.
        """
        path = os.fspath(path)
        with open_binary(path, error=FormatError) as stream:
            try:
                raw = stream.read()
            except READ_ERRORS as exc:
                raise FormatError(f"{where(path)}: cannot decompress ({exc}) (expected an "
                                  "intact compressed file)") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise FormatError(f"{where(path, line=line)}: cannot decode as UTF-8 "
                              f"({exc.reason}) (expected a UTF-8 phrase table)") from None
        return _parse_table_file(text, path)


def load_phrases(path: str | os.PathLike) -> PhraseModel:
    """Read a phrase table written by :meth:`PhraseModel.save`."""
    return PhraseModel.load(path)


class PhrasedCorpus:
    """A restartable iterable of sentences with a :class:`PhraseModel` applied.

    Each ``iter()`` reads ``corpus`` again and rewrites it sentence by sentence, so a
    trainer (or the next phrase pass) can read it several times without storing it.
    """

    def __init__(self, model: PhraseModel, corpus):
        self.model = model
        self.corpus = as_corpus(corpus)

    def __iter__(self) -> Iterator[list[str]]:
        transform = self.model.transform
        for sentence in self.corpus:
            yield transform(sentence)

    def __repr__(self) -> str:
        return f"PhrasedCorpus({self.model!r}, {self.corpus!r})"


def learn_phrases(corpus, *, passes: int = DEFAULT_PASSES, min_count: int = DEFAULT_MIN_COUNT,
                  threshold: float | None = None, scoring: str = "word2vec",
                  delimiter: str = DEFAULT_DELIMITER,
                  max_pair_table: int = DEFAULT_MAX_PAIR_TABLE, progress: bool = False,
                  report=None) -> PhraseModel:
    """Learn ``passes`` successive passes of phrases from ``corpus``.

    Pass ``k`` counts the corpus as rewritten by passes ``1..k-1``, so pass 2 can join
    ``new_york`` and ``times``. The corpus is streamed (read once per pass). Learning
    stops early when a pass finds no phrase: the next one would see the same text.

    Parameters
    ----------
    corpus : path or restartable iterable of list of str
        Anything :func:`w2v.corpus.as_corpus` accepts.
    passes : int, default 2
    min_count, threshold, scoring, delimiter, max_pair_table, progress
        As for :class:`Phrases`; the same for every pass.
    report : callable, optional
        Called with each fitted :class:`Phrases` (its statistics) after its pass.

    Returns
    -------
    PhraseModel
    """
    passes = V.check_int("passes", passes, min=1)
    sentences = as_corpus(corpus)
    tables: list[PhraseTable] = []
    for number in range(1, passes + 1):
        learner = Phrases(min_count=min_count, threshold=threshold, scoring=scoring,
                          delimiter=delimiter, max_pair_table=max_pair_table,
                          progress=progress)
        source = sentences if not tables else \
            PhraseModel(tables, delimiter=delimiter).transform_corpus(sentences)
        learner.fit(source, description=f"phrases pass {number}/{passes}")
        if report is not None:
            report(learner)
        if not len(learner.table_):
            break
        tables.append(learner.table_)
    return PhraseModel(tables, delimiter=_check_delimiter(delimiter))


# -- counting -----------------------------------------------------------------------------

# Tokens gathered (as word ids) before they are handed to the pair-counting kernel: large
# enough that the per-call overhead vanishes, small enough (8 MB of ids) to stay bounded.
_CHUNK_TOKENS = 1 << 20

# Word ids are packed two to an int64 key (left << 32 | right), so there can be at most
# 2**31 distinct words in a pass; far more than any corpus has.
_MAX_WORDS = 1 << 31
_ID_BITS = 32

# Marks a sentence boundary in the id stream: no pair is counted across it.
_BOUNDARY = -1

# An empty slot of the pair hash table (real keys are >= 0).
_EMPTY_KEY = -1

# Largest fill of the open-addressing hash table: linear probing stays short (a few
# probes) below about 0.7, the C tool's own vocabulary-hash load limit.
_MAX_LOAD = 0.7

# First size of the pair hash table (grows by doubling up to what max_pair_table needs):
# 2**20 slots = 16 MiB, so small corpora stay small.
_INITIAL_SLOTS = 1 << 20

# Upper bound for max_pair_table: 2**31 slots (32 GiB) is beyond any sensible machine.
_MAX_PAIR_TABLE_LIMIT = int(_MAX_LOAD * (1 << 31)) - 1

# Fibonacci hashing: multiplying by 2**64 / golden ratio and keeping the top bits
# spreads the packed (left, right) keys, which are far from uniform, over the table.
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

_UNSTORABLE = frozenset("\t\n\r")


@numba.njit(cache=True, nogil=True)
def _count_pairs(ids, start, keys, counts, used, limit, shift):
    """Count the adjacent pairs of ``ids`` (int64 word ids, ``-1`` between sentences)
    into the open-addressing table ``keys``/``counts``, from pair ``start`` on.

    Stops early, right after the insertion that brings ``used`` (occupied slots) up to
    ``limit``, so the caller can grow or prune the table. Returns ``(next_pair, used)``;
    ``next_pair >= len(ids) - 1`` means every pair was counted.
    """
    mask = keys.shape[0] - 1
    n = ids.shape[0]
    i = start
    while i < n - 1:
        left = ids[i]
        right = ids[i + 1]
        i += 1
        if left < 0 or right < 0:
            continue
        key = (left << 32) | right
        slot = np.int64((np.uint64(key) * _HASH_MULTIPLIER) >> shift)
        while True:
            found = keys[slot]
            if found == key:
                counts[slot] += 1
                break
            if found == _EMPTY_KEY:
                keys[slot] = key
                counts[slot] = 1
                used += 1
                break
            slot = (slot + 1) & mask
        if used >= limit:
            return i, used
    return i, used


@numba.njit(cache=True, nogil=True)
def _rehash(keys, counts, min_keep, new_keys, new_counts, shift):
    """Insert every entry of ``keys``/``counts`` counted at least ``min_keep`` times into
    the empty table ``new_keys``/``new_counts``; return how many were inserted."""
    mask = new_keys.shape[0] - 1
    used = 0
    for j in range(keys.shape[0]):
        key = keys[j]
        if key == _EMPTY_KEY or counts[j] < min_keep:
            continue
        slot = np.int64((np.uint64(key) * _HASH_MULTIPLIER) >> shift)
        while new_keys[slot] != _EMPTY_KEY:
            slot = (slot + 1) & mask
        new_keys[slot] = key
        new_counts[slot] = counts[j]
        used += 1
    return used


class _PairCounts:
    """A bounded hash table of pair counts (NumPy arrays filled by the kernels)."""

    def __init__(self, max_pairs: int):
        self.max_pairs = max_pairs
        self.max_slots = _slots_for(max_pairs + 1)
        self._allocate(min(_INITIAL_SLOTS, self.max_slots))
        self.used = 0
        self.min_reduce = 1       # as the C tool: the first prune drops pairs seen once
        self.pruned_below = 0

    def _allocate(self, slots: int) -> None:
        self.keys = np.full(slots, _EMPTY_KEY, dtype=np.int64)
        self.counts = np.zeros(slots, dtype=np.int64)
        self.shift = np.uint64(64 - (slots.bit_length() - 1))

    def add(self, ids: np.ndarray) -> None:
        start = 0
        while True:
            grow_at = int(_MAX_LOAD * len(self.keys))
            limit = min(grow_at, self.max_pairs + 1)
            start, self.used = _count_pairs(ids, start, self.keys, self.counts, self.used,
                                            limit, self.shift)
            if self.used > self.max_pairs:
                self._prune()
            elif self.used >= grow_at:
                self._resize(2 * len(self.keys), min_keep=1)
            if start >= len(ids) - 1:
                return

    def _resize(self, slots: int, *, min_keep: int) -> None:
        keys, counts = self.keys, self.counts
        self._allocate(slots)
        self.used = _rehash(keys, counts, min_keep, self.keys, self.counts, self.shift)

    def _prune(self) -> None:
        while self.used > self.max_pairs:
            self._resize(len(self.keys), min_keep=self.min_reduce + 1)
            self.pruned_below = self.min_reduce
            self.min_reduce += 1

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        full = self.keys != _EMPTY_KEY
        return self.keys[full], self.counts[full]


def _slots_for(entries: int) -> int:
    """Smallest power of two holding ``entries`` at load at most ``_MAX_LOAD``."""
    slots = 1
    while int(_MAX_LOAD * slots) < entries:
        slots *= 2
    return slots


class _WordIds(dict):
    """word -> id, giving each new word the next id (dict lookups stay in C for known words)."""

    def __missing__(self, word: str) -> int:
        word_id = self[word] = len(self)
        return word_id


class _Counts(NamedTuple):
    words: list[str]            # by id
    word_counts: np.ndarray     # by id
    pairs: _PairCounts
    total_words: int
    sentences: int


def _count(sentences: Iterable[list[str]], max_pairs: int, *, progress: bool,
           description: str | None) -> _Counts:
    ids_of = _WordIds()
    lookup = ids_of.__getitem__
    word_counts = np.zeros(0, dtype=np.int64)
    pairs = _PairCounts(max_pairs)
    total = 0
    n_sentences = 0
    buffer: list[int] = []
    bar = _progress_bar(progress, description)

    def flush():
        nonlocal word_counts, total
        ids = np.array(buffer, dtype=np.int64)
        buffer.clear()
        words = ids[ids != _BOUNDARY]
        chunk_counts = np.bincount(words, minlength=len(ids_of))
        chunk_counts[:len(word_counts)] += word_counts
        word_counts = chunk_counts
        total += len(words)
        pairs.add(ids)
        if bar is not None:
            bar.update(len(words))

    try:
        for sentence in sentences:
            buffer.extend(map(lookup, sentence))
            buffer.append(_BOUNDARY)
            n_sentences += 1
            if len(buffer) >= _CHUNK_TOKENS:
                if len(ids_of) >= _MAX_WORDS:
                    raise CorpusError(f"corpus: more than {_MAX_WORDS:,} distinct words in "
                                      "one pass (expected fewer)")
                flush()
        if len(ids_of) >= _MAX_WORDS:
            raise CorpusError(f"corpus: more than {_MAX_WORDS:,} distinct words in one "
                              "pass (expected fewer)")
        if buffer:
            flush()
    finally:
        if bar is not None:
            bar.close()
    if len(word_counts) < len(ids_of):  # words added after the last flush: none, but safe
        word_counts = np.concatenate(
            [word_counts, np.zeros(len(ids_of) - len(word_counts), dtype=np.int64)])
    return _Counts(list(ids_of), word_counts, pairs, total, n_sentences)


def _score(counts: _Counts, *, min_count: int, threshold: float, scoring: str,
           delimiter: str) -> PhraseTable:
    keys, pair_counts = counts.pairs.items()
    frequent = pair_counts >= min_count
    keys, pair_counts = keys[frequent], pair_counts[frequent]
    left = keys >> _ID_BITS
    right = keys & ((1 << _ID_BITS) - 1)
    count_a = counts.word_counts[left]
    count_b = counts.word_counts[right]
    if scoring == "word2vec":
        scores = score_word2vec(pair_counts, count_a, count_b, counts.total_words, min_count)
    else:
        scores = score_npmi(pair_counts, count_a, count_b, counts.total_words)
    scores = np.atleast_1d(np.asarray(scores, dtype=np.float64))
    kept = np.flatnonzero(scores > threshold)
    words = counts.words
    phrases = {(words[left[j]], words[right[j]]): (float(scores[j]), int(pair_counts[j]))
               for j in kept}
    return PhraseTable(phrases, delimiter=delimiter, scoring=scoring, threshold=threshold,
                       min_count=min_count, total_words=counts.total_words)


def _progress_bar(progress: bool, description: str | None):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(desc=description or "phrases", unit=" words", unit_scale=True,
                dynamic_ncols=True, leave=False)


# -- validation and parsing ---------------------------------------------------------------


def _check_delimiter(delimiter: object) -> str:
    if not isinstance(delimiter, str) or not delimiter or \
            any(ch.isspace() for ch in delimiter):
        V.fail("delimiter", delimiter, "a non-empty string without whitespace")
    return delimiter  # type: ignore[return-value]


def _check_threshold(threshold: object, scoring: str) -> float:
    if threshold is None:
        return DEFAULT_THRESHOLDS[scoring]
    if scoring == "npmi":
        return V.check_float("threshold", threshold, min=-1.0, max=1.0)
    return V.check_float("threshold", threshold)


def _parse_table_file(text: str, path: str) -> PhraseModel:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    def bad(number: int, what: str, expected: str):
        raise FormatError(f"{where(path, line=number)}: {what} (expected {expected})")

    if not lines:
        bad(1, "empty file", f"a first line '{FILE_MAGIC}<TAB>{FILE_VERSION}<TAB>delimiter=_'")
    head = lines[0].rstrip("\r").split("\t")
    if head[0] != FILE_MAGIC:
        bad(1, f"not a phrase table (starts {lines[0][:30]!r})",
            f"a first line '{FILE_MAGIC}<TAB>{FILE_VERSION}<TAB>delimiter=...'")
    if len(head) != 3 or head[1] != str(FILE_VERSION) or not head[2].startswith("delimiter="):
        bad(1, f"unsupported header {lines[0]!r}",
            f"'{FILE_MAGIC}<TAB>{FILE_VERSION}<TAB>delimiter=...'")
    delimiter = head[2][len("delimiter="):]
    if not delimiter or any(ch.isspace() for ch in delimiter):
        bad(1, f"bad delimiter {delimiter!r}", "a non-empty delimiter without whitespace")

    tables: list[PhraseTable] = []
    settings: dict | None = None
    phrases: dict[tuple[str, str], tuple[float, int]] = {}
    declared = 0

    def close(number: int) -> None:
        if settings is None:
            return
        if len(phrases) != declared:
            bad(number, f"pass {len(tables) + 1} has {len(phrases)} phrases",
                f"the {declared} its 'pass' line declares")
        tables.append(PhraseTable(phrases, delimiter=delimiter, **settings))

    for number, line in enumerate(lines[1:], 2):
        line = line.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if fields[0] == "pass":
            close(number)
            settings, phrases = None, {}
            if len(fields) != 7 or fields[1] != str(len(tables) + 1):
                bad(number, f"bad pass line {line[:60]!r}",
                    f"'pass<TAB>{len(tables) + 1}<TAB>scoring=..<TAB>threshold=..<TAB>"
                    "min_count=..<TAB>total_words=..<TAB>phrases=..'")
            values = {}
            for field, name in zip(fields[2:], ("scoring", "threshold", "min_count",
                                                "total_words", "phrases")):
                key, sep, value = field.partition("=")
                if key != name or not sep:
                    bad(number, f"field {field!r}", f"{name}=VALUE")
                values[name] = value
            if values["scoring"] not in SCORINGS:
                bad(number, f"unknown scoring {values['scoring']!r}",
                    "one of " + ", ".join(SCORINGS))
            try:
                threshold = float(values["threshold"])
                min_count = int(values["min_count"])
                total_words = int(values["total_words"])
                declared = int(values["phrases"])
            except ValueError:
                bad(number, f"bad number in {line[:60]!r}",
                    "a number for threshold, integers for min_count, total_words, phrases")
            if not math.isfinite(threshold) or min_count < 1 or total_words < 0 \
                    or declared < 0:
                bad(number, f"value out of range in {line[:60]!r}",
                    "a finite threshold, min_count >= 1, total_words >= 0, phrases >= 0")
            if values["scoring"] == "npmi" and not -1.0 <= threshold <= 1.0:
                bad(number, f"npmi threshold {threshold}", "a threshold in [-1, 1]")
            settings = dict(scoring=values["scoring"], threshold=threshold,
                            min_count=min_count, total_words=total_words)
            continue
        if settings is None:
            bad(number, f"phrase line {line[:60]!r} before any 'pass' line",
                "a 'pass' line first")
        if len(fields) != 5:
            bad(number, f"{len(fields)} tab-separated fields",
                "5: pass, left, right, score, count")
        pass_field, left, right, score_text, count_text = fields
        if pass_field != str(len(tables) + 1):
            bad(number, f"pass {pass_field!r}", f"pass {len(tables) + 1}, as declared above")
        if not left or not right or any(ch.isspace() for ch in left + right):
            bad(number, f"phrase parts {left!r} and {right!r}",
                "two non-empty tokens without whitespace")
        try:
            score = float(score_text)
            count = int(count_text)
        except ValueError:
            bad(number, f"score {score_text!r} or count {count_text!r}",
                "a number and an integer")
        if not math.isfinite(score) or count < 1:
            bad(number, f"score {score_text} or count {count_text} out of range",
                "a finite score and a count >= 1")
        if (left, right) in phrases:
            bad(number, f"duplicate phrase {left!r} {right!r}", "each phrase once per pass")
        phrases[(left, right)] = (score, count)
    close(len(lines) + 1)
    return PhraseModel(tables, delimiter=delimiter)
