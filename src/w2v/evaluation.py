"""Analogy and word-similarity benchmarks, with the bundled standard evaluation sets.

* :func:`evaluate_analogies`: accuracy on an analogy set (``a b c d``: a is to b as c is
  to d) by 3CosAdd or 3CosMul (Levy & Goldberg 2014), per section, with the Google set's
  semantic / syntactic / total summary and the count of out-of-vocabulary questions.
* :func:`evaluate_similarity`: Spearman and Pearson correlation between the model's
  cosine similarities and human scores of word pairs, with the pairs found and the OOV
  pairs.
* :func:`evaluate`: a whole suite of both kinds, as an :class:`EvaluationReport` with
  ``to_dict()`` (for JSON) and ``to_table()``; :func:`format_comparison` puts several
  reports side by side, one column per model.

The semantics are gensim 4's ``evaluate_word_analogies`` / ``evaluate_word_pairs``, so
the figures can be compared with it on the same vectors:

* Only the first ``restrict_vocab`` words (the most frequent, by convention) count as
  known, and the answer is searched among them only.
* ``case_insensitive`` (default): the words of the evaluation file and of the vocabulary
  are compared upper-cased; when several vocabulary words share an upper-cased form, the
  first (most frequent) one stands for them all.
* A question (pair) with any word outside the restricted vocabulary is skipped and counted
  as OOV; accuracy is correct / questions not skipped.
* The three question words (every case variant of them) are never taken as the answer.
  gensim looks at its top 5 candidates only, so it can differ on a question whose top 5
  are all case variants of question words; here the best remaining word always answers.

Analogies are solved for all questions at once: the restricted vocabulary is
unit-normalised once and the scores of a block of questions against it are one matrix
product, so the full Google set on a 100k x 300 model takes seconds.

Evaluation files are plain text, one item a line, tab- or space-separated; blank lines and
lines starting with ``#`` are ignored; analogy files may start sections with ``: name``
lines (questions before the first one form a section named after the set, as in the MSR
set; gensim refuses such files). A malformed line raises :class:`~w2v.errors.EvaluationDataError` naming
``file:line``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterable, Sequence

import numpy as np

from ._fileio import open_binary
from ._fileio import READ_ERRORS
from ._validation import check_bool, check_choice, check_int, fail
from .errors import EvaluationDataError, where
from .vectors import KeyedVectors

__all__ = [
    "evaluate_analogies", "evaluate_similarity", "evaluate", "format_comparison",
    "AnalogySection", "AnalogyResult", "SimilarityResult", "EvaluationReport",
    "spearman", "pearson", "ANALOGY_SETS", "SIMILARITY_SETS", "SUITES", "METHODS",
    "COSMUL_EPSILON", "DEFAULT_ANALOGY_RESTRICT_VOCAB", "DEFAULT_SIMILARITY_RESTRICT_VOCAB",
]

#: Bundled analogy sets: name -> file in ``w2v/data/eval/analogy/``.
ANALOGY_SETS = {
    "google": "questions-words.txt",
    "msr": "msr.txt",
    "google_phrases": "questions-phrases.txt",
}
#: Bundled word-similarity sets: name -> file in ``w2v/data/eval/similarity/``.
SIMILARITY_SETS = {
    "ws353": "ws353.txt",
    "ws353_similarity": "ws353_similarity.txt",
    "ws353_relatedness": "ws353_relatedness.txt",
    "simlex999": "simlex999.txt",
    "men": "men.txt",
    "rw": "rw.txt",
    "mturk287": "mturk287.txt",
    "mturk771": "mturk771.txt",
    "simverb3500": "simverb3500.txt",
    "rg65": "rg65.txt",
}
_STANDARD = ("google", "msr", "ws353", "ws353_similarity", "ws353_relatedness",
             "simlex999", "men", "rw", "mturk287", "mturk771", "simverb3500", "rg65")
#: Named suites. ``standard`` is every bundled single-word set: the issue's list, and it
#: takes a few seconds even on a large model, so it is the default rather than a subset.
#: ``quick`` is the four most reported sets; ``all`` adds the phrase analogies, which only
#: a model trained on phrase-joined text can answer; ``none`` is nothing (only the files
#: the caller names).
SUITES = {
    "quick": ("google", "ws353", "simlex999", "men"),
    "standard": _STANDARD,
    "all": _STANDARD + ("google_phrases",),
    "none": (),
}
#: Analogy solvers: 3CosAdd (vector offset, Mikolov et al. 2013) and 3CosMul (Levy &
#: Goldberg 2014).
METHODS = ("3cosadd", "3cosmul")
#: 3CosMul's epsilon (Levy & Goldberg 2014, section 4): keeps the quotient finite when the
#: shifted cosine to the subtracted word is near 0. (gensim's most_similar_cosmul uses 1e-6.)
COSMUL_EPSILON = 1e-3
#: Analogies: search the 30,000 most frequent words, as word2vec's compute-accuracy and the
#: published text8 figures do.
DEFAULT_ANALOGY_RESTRICT_VOCAB = 30_000
#: Word pairs: gensim's evaluate_word_pairs default.
DEFAULT_SIMILARITY_RESTRICT_VOCAB = 300_000
#: Sections whose name starts with this are syntactic in the Google set (gram1 .. gram9);
#: the others are semantic.
SYNTACTIC_PREFIX = "gram"
#: Analogy scores are computed for at most this many (question, word) pairs at once:
#: 2**24 float32 scores are 64 MiB per score matrix (3CosMul holds three).
_SCORE_BLOCK_ELEMENTS = 2 ** 24
#: ... and at most this many questions at once (larger blocks gain nothing in BLAS speed).
_MAX_QUESTIONS_PER_BLOCK = 1024
_ANALOGY_FORMAT = "4 words 'a b c d' or a ': section' line"
_PAIR_FORMAT = "'word1 word2 score', tab- or space-separated"


# -- results -------------------------------------------------------------------------------

def _nan_to_none(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


@dataclass(frozen=True)
class AnalogySection:
    """Counts of one section (or of a group of sections) of an analogy set.

    Attributes
    ----------
    name : str
    correct : int
        Questions answered correctly.
    evaluated : int
        Questions whose four words are all in the restricted vocabulary.
    oov : int
        Questions skipped because a word is outside the restricted vocabulary.
    """

    name: str
    correct: int
    evaluated: int
    oov: int

    @property
    def questions(self) -> int:
        """All questions of the section, skipped ones included."""
        return self.evaluated + self.oov

    @property
    def accuracy(self) -> float:
        """``correct / evaluated``; NaN when no question could be evaluated."""
        return self.correct / self.evaluated if self.evaluated else math.nan

    def to_dict(self) -> dict:
        return {"name": self.name, "correct": self.correct, "evaluated": self.evaluated,
                "oov": self.oov, "accuracy": _nan_to_none(self.accuracy)}

    @classmethod
    def combine(cls, name: str, sections: Iterable["AnalogySection"]) -> "AnalogySection":
        sections = list(sections)
        return cls(name, sum(s.correct for s in sections), sum(s.evaluated for s in sections),
                   sum(s.oov for s in sections))


@dataclass(frozen=True)
class AnalogyResult:
    """Accuracy on one analogy set.

    Attributes
    ----------
    name : str
        The bundled set's name, or the file's name without extension.
    source : str
        Where the questions came from (``bundled:...`` or the path).
    method : str
        ``'3cosadd'`` or ``'3cosmul'``.
    vocab_size : int
        Number of words searched (``restrict_vocab`` clipped to the vocabulary).
    case_insensitive : bool
    sections : tuple of AnalogySection
        In file order.
    semantic, syntactic : AnalogySection or None
        The Google set's groups (sections named ``gram*`` are syntactic); None when the
        file has no ``gram*`` section.
    total : AnalogySection
        All sections together.
    """

    name: str
    source: str
    method: str
    vocab_size: int
    case_insensitive: bool
    sections: tuple[AnalogySection, ...]
    semantic: AnalogySection | None
    syntactic: AnalogySection | None
    total: AnalogySection

    @property
    def accuracy(self) -> float:
        """Total accuracy over the questions not skipped (NaN if none)."""
        return self.total.accuracy

    @property
    def oov(self) -> int:
        """Questions skipped for out-of-vocabulary words."""
        return self.total.oov

    def to_dict(self) -> dict:
        return {
            "name": self.name, "source": self.source, "method": self.method,
            "vocab_size": self.vocab_size, "case_insensitive": self.case_insensitive,
            "sections": [s.to_dict() for s in self.sections],
            "semantic": None if self.semantic is None else self.semantic.to_dict(),
            "syntactic": None if self.syntactic is None else self.syntactic.to_dict(),
            "total": self.total.to_dict(),
        }


@dataclass(frozen=True)
class SimilarityResult:
    """Correlation with human similarity scores on one word-pair set.

    Attributes
    ----------
    name, source : str
        As in :class:`AnalogyResult`.
    spearman, pearson : float
        Correlation between human scores and cosine similarities over the pairs found;
        NaN when fewer than two pairs were found or either side is constant.
    pairs_found, pairs_total : int
    oov_pairs : tuple of (str, str)
        The pairs skipped because a word is outside the restricted vocabulary, as written
        in the file.
    vocab_size : int
    case_insensitive : bool
    """

    name: str
    source: str
    spearman: float
    pearson: float
    pairs_found: int
    pairs_total: int
    oov_pairs: tuple[tuple[str, str], ...]
    vocab_size: int
    case_insensitive: bool

    @property
    def oov_ratio(self) -> float:
        """Fraction of pairs skipped (gensim reports it in percent)."""
        return (self.pairs_total - self.pairs_found) / self.pairs_total

    def to_dict(self) -> dict:
        return {
            "name": self.name, "source": self.source,
            "spearman": _nan_to_none(self.spearman), "pearson": _nan_to_none(self.pearson),
            "pairs_found": self.pairs_found, "pairs_total": self.pairs_total,
            "oov_pairs": [list(p) for p in self.oov_pairs],
            "vocab_size": self.vocab_size, "case_insensitive": self.case_insensitive,
        }


@dataclass(frozen=True)
class EvaluationReport:
    """Results of one model on a suite of evaluation sets.

    Attributes
    ----------
    name : str
        The model's label (a column header in tables).
    analogies : tuple of AnalogyResult
    similarities : tuple of SimilarityResult
    method : str
    restrict_vocab, similarity_restrict_vocab : int or None
        As requested (None: the whole vocabulary).
    case_insensitive : bool
    """

    name: str
    analogies: tuple[AnalogyResult, ...] = ()
    similarities: tuple[SimilarityResult, ...] = ()
    method: str = "3cosadd"
    restrict_vocab: int | None = DEFAULT_ANALOGY_RESTRICT_VOCAB
    similarity_restrict_vocab: int | None = DEFAULT_SIMILARITY_RESTRICT_VOCAB
    case_insensitive: bool = True

    def to_dict(self) -> dict:
        """Plain data for JSON (NaN becomes None)."""
        return {
            "name": self.name,
            "settings": {"method": self.method, "restrict_vocab": self.restrict_vocab,
                         "similarity_restrict_vocab": self.similarity_restrict_vocab,
                         "case_insensitive": self.case_insensitive},
            "analogy": [a.to_dict() for a in self.analogies],
            "similarity": [s.to_dict() for s in self.similarities],
        }

    def to_table(self, *, show_oov: bool = False) -> str:
        """An aligned text table (see :func:`format_comparison`)."""
        return format_comparison([self], show_oov=show_oov)


# -- correlation ---------------------------------------------------------------------------

def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their ranks (scipy's rankdata)."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    starts_group = np.empty(len(x), dtype=bool)
    starts_group[:1] = True
    starts_group[1:] = ordered[1:] != ordered[:-1]
    group_of = np.cumsum(starts_group) - 1
    first = np.flatnonzero(starts_group)
    end = np.append(first[1:], len(x))  # one past each group's last position
    mean_rank = (first + end + 1) / 2.0  # mean of the 1-based ranks first+1 .. end
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = mean_rank[group_of]
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's correlation coefficient; NaN for fewer than two points or a constant side."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("pearson: expected two 1-D sequences of the same length")
    if len(x) < 2:
        return math.nan
    dx = x - x.mean()
    dy = y - y.mean()
    denominator = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if denominator == 0.0:
        return math.nan
    return max(-1.0, min(1.0, float(dx @ dy) / denominator))


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson's on average ranks, as scipy.stats.spearmanr)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("spearman: expected two 1-D sequences of the same length")
    return pearson(_average_ranks(x), _average_ranks(y))


# -- evaluation files ----------------------------------------------------------------------

@dataclass
class _Dataset:
    name: str
    source: str
    lines: list[str] = field(repr=False)


def _resolve(path_or_name, kind: str) -> _Dataset:
    """Read a bundled set by name, or a user file by path; ``kind`` is analogy|similarity."""
    table, other = ((ANALOGY_SETS, SIMILARITY_SETS) if kind == "analogy"
                    else (SIMILARITY_SETS, ANALOGY_SETS))
    if isinstance(path_or_name, str) and path_or_name in table:
        resource = resources.files("w2v").joinpath("data", "eval", kind, table[path_or_name])
        source = f"bundled:{kind}/{table[path_or_name]}"
        return _Dataset(path_or_name, source, _decode(resource.read_bytes(), source))
    if not isinstance(path_or_name, (str, os.PathLike)):
        fail("path_or_name", path_or_name, f"a path or a bundled {kind} set name")
    path = os.fspath(path_or_name)
    if not os.path.exists(path):
        if path in other:
            other_kind = "similarity" if kind == "analogy" else "analogy"
            raise EvaluationDataError(f"{path}: is a bundled {other_kind} set (expected an "
                                      f"{kind} set: one of {', '.join(table)}, or a file)")
        raise EvaluationDataError(f"{path}: no such file (expected a file or a bundled "
                                  f"{kind} set: {', '.join(table)})")
    with open_binary(path, error=EvaluationDataError) as f:
        try:
            data = f.read()
        except READ_ERRORS as exc:  # OSError, or a corrupt compressed file
            raise EvaluationDataError(f"{where(path)}: cannot read ({exc})") from None
    name = os.path.basename(path)
    for suffix in (".gz", ".bz2", ".xz", ".zip", ".txt", ".tsv", ".csv"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return _Dataset(name, path, _decode(data, path))


def _decode(data: bytes, source: str) -> list[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise EvaluationDataError(f"{where(source, line=line)}: byte {data[exc.start]:#04x} "
                                  "is not UTF-8 (expected UTF-8 text)") from None
    return [line.rstrip("\r") for line in text.split("\n")]


def _items(dataset: _Dataset):
    """(line number, stripped line) of the lines that are neither blank nor comments."""
    for number, line in enumerate(dataset.lines, start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped


def _parse_analogies(dataset: _Dataset) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    """Sections of (line number, [a, b, c, d]); questions before any header go in a
    section named after the set."""
    sections: list[tuple[str, list]] = []
    for number, line in _items(dataset):
        if line.startswith(":"):
            title = line[1:].strip()
            if not title:
                raise EvaluationDataError(f"{where(dataset.source, line=number)}: empty "
                                          "section name (expected ': name')")
            sections.append((title, []))
            continue
        words = line.split()
        if len(words) != 4:
            raise EvaluationDataError(f"{where(dataset.source, line=number)}: {len(words)} "
                                      f"fields (expected {_ANALOGY_FORMAT})")
        if not sections:
            sections.append((dataset.name, []))
        sections[-1][1].append((number, words))
    if not any(questions for _, questions in sections):
        raise EvaluationDataError(f"{where(dataset.source)}: no questions "
                                  f"(expected lines of {_ANALOGY_FORMAT})")
    return sections


def _parse_pairs(dataset: _Dataset) -> list[tuple[str, str, float]]:
    pairs = []
    for number, line in _items(dataset):
        fields = [f.strip() for f in line.split("\t")] if "\t" in line else line.split()
        if len(fields) != 3 or not all(fields):
            raise EvaluationDataError(f"{where(dataset.source, line=number)}: {len(fields)} "
                                      f"fields (expected {_PAIR_FORMAT})")
        try:
            score = float(fields[2])
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise EvaluationDataError(f"{where(dataset.source, line=number)}: score "
                                      f"{fields[2]!r} is not a finite number (expected "
                                      f"{_PAIR_FORMAT})")
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise EvaluationDataError(f"{where(dataset.source)}: no word pairs "
                                  f"(expected lines of {_PAIR_FORMAT})")
    return pairs


# -- vocabulary lookup ---------------------------------------------------------------------

def load_similarity_pairs(path_or_name) -> list[tuple[str, str, float]]:
    """The ``(word1, word2, human score)`` pairs of a bundled word-similarity set
    (``"ws353"``, ``"simlex999"``, ...) or of a file in the same format."""
    return _parse_pairs(_resolve(path_or_name, "similarity"))


class _Lookup:
    """The restricted vocabulary as gensim sees it: key (word, upper-cased if case
    insensitive) -> the first row with that key; every row's key id."""

    def __init__(self, kv: KeyedVectors, restrict_vocab: int | None, case_insensitive: bool):
        self.size = len(kv) if restrict_vocab is None else min(restrict_vocab, len(kv))
        self.case_insensitive = case_insensitive
        words = kv.words[: self.size]
        keys = [w.upper() for w in words] if case_insensitive else words
        key_id: dict[str, int] = {}
        first_row: list[int] = []
        row_key = np.empty(self.size, dtype=np.int64)
        for row, key in enumerate(keys):
            kid = key_id.setdefault(key, len(first_row))
            if kid == len(first_row):
                first_row.append(row)
            row_key[row] = kid
        self.key_id = key_id
        self.first_row = np.asarray(first_row, dtype=np.int64)
        self.row_key = row_key
        # Rows other than the first of their key (case variants): few, kept apart.
        variant_rows = np.flatnonzero(self.first_row[row_key] != np.arange(self.size))
        self.variants: dict[int, list[int]] = {}
        for row in variant_rows.tolist():
            self.variants.setdefault(int(row_key[row]), []).append(row)

    def key(self, word: str) -> str:
        return word.upper() if self.case_insensitive else word

    def find(self, word: str) -> int:
        """Key id of ``word``, or -1 when it is outside the restricted vocabulary."""
        return self.key_id.get(self.key(word), -1)


# -- analogies -----------------------------------------------------------------------------

def _solve_analogies(unit: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                     excluded: list[tuple[int, int]], method: str,
                     epsilon: float = COSMUL_EPSILON) -> np.ndarray:
    """Row of the best answer to each question ``a : b :: c : ?``.

    ``unit`` is the restricted vocabulary, unit-normalised (R x D); ``a, b, c`` are rows;
    ``excluded`` lists extra (question, row) pairs never to answer (case variants of the
    question words). The question words' own rows are always excluded.
    """
    n_questions, vocab = len(a), unit.shape[0]
    answers = np.empty(n_questions, dtype=np.int64)
    if n_questions == 0:
        return answers
    matrices = 1 if method == "3cosadd" else 3
    block = int(np.clip(_SCORE_BLOCK_ELEMENTS // (matrices * vocab), 1,
                        _MAX_QUESTIONS_PER_BLOCK))
    excluded_q = np.array([q for q, _ in excluded], dtype=np.int64)
    excluded_row = np.array([r for _, r in excluded], dtype=np.int64)
    unit_t = unit.T
    for start in range(0, n_questions, block):
        stop = min(start + block, n_questions)
        qa, qb, qc = a[start:stop], b[start:stop], c[start:stop]
        if method == "3cosadd":
            scores = (unit[qb] - unit[qa] + unit[qc]) @ unit_t
        else:
            # Cosines shifted to [0, 1] (Levy & Goldberg 2014, footnote 7):
            # ((cb + 1)/2)((cc + 1)/2) / ((ca + 1)/2 + eps)
            #   = (cb + 1)(cc + 1) / (ca + 1 + 2 eps) / 2, and the constant 1/2 does not
            # change the argmax, so it is left out (fewer passes over the block).
            scores = unit[qb] @ unit_t
            scores += 1.0
            shifted_c = unit[qc] @ unit_t
            shifted_c += 1.0
            scores *= shifted_c
            del shifted_c
            shifted_a = unit[qa] @ unit_t
            shifted_a += 1.0 + 2.0 * epsilon
            scores /= shifted_a
            del shifted_a
        local = np.arange(stop - start)
        for rows in (qa, qb, qc):
            scores[local, rows] = -np.inf
        in_block = (excluded_q >= start) & (excluded_q < stop)
        scores[excluded_q[in_block] - start, excluded_row[in_block]] = -np.inf
        answers[start:stop] = np.argmax(scores, axis=1)
    return answers


def _unit_rows(kv: KeyedVectors, n: int) -> np.ndarray:
    """The first ``n`` vectors at unit length (zero vectors stay zero), float32.

    Normalises only those rows, so a 3M-word model restricted to 30k words costs 30k rows;
    the whole vocabulary uses (and fills) the cache of :meth:`KeyedVectors.unit_vectors`.
    """
    if n == len(kv):
        return kv.unit_vectors()
    rows = kv.vectors[:n]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return (rows / norms).astype(np.float32, copy=False)


def _analogy_result(kv: KeyedVectors, lookup: _Lookup, dataset: _Dataset,
                    method: str) -> AnalogyResult:
    sections = _parse_analogies(dataset)
    ids: list[tuple[int, int, int, int]] = []  # key ids of evaluated questions
    section_of: list[int] = []
    oov_per_section = [0] * len(sections)
    for s, (_, questions) in enumerate(sections):
        for _, words in questions:
            kids = tuple(lookup.find(w) for w in words)
            if min(kids) < 0:
                oov_per_section[s] += 1
            else:
                ids.append(kids)  # type: ignore[arg-type]
                section_of.append(s)
    keys = np.array(ids, dtype=np.int64).reshape(-1, 4)
    rows = lookup.first_row[keys[:, :3]]
    excluded = []
    if lookup.variants:
        for q, kids in enumerate(keys[:, :3].tolist()):
            for kid in set(kids):
                excluded.extend((q, row) for row in lookup.variants.get(kid, ()))
    unit = _unit_rows(kv, lookup.size)
    answers = _solve_analogies(unit, rows[:, 0], rows[:, 1], rows[:, 2], excluded, method)
    correct = lookup.row_key[answers] == keys[:, 3]
    section_index = np.array(section_of, dtype=np.int64)
    correct_per_section = np.bincount(section_index[correct], minlength=len(sections))
    evaluated_per_section = np.bincount(section_index, minlength=len(sections))
    results = tuple(
        AnalogySection(title, int(correct_per_section[s]), int(evaluated_per_section[s]),
                       oov_per_section[s])
        for s, (title, _) in enumerate(sections))
    syntactic = [r for r in results if r.name.startswith(SYNTACTIC_PREFIX)]
    semantic = [r for r in results if not r.name.startswith(SYNTACTIC_PREFIX)]
    return AnalogyResult(
        name=dataset.name, source=dataset.source, method=method, vocab_size=lookup.size,
        case_insensitive=lookup.case_insensitive, sections=results,
        semantic=AnalogySection.combine("semantic", semantic) if syntactic else None,
        syntactic=AnalogySection.combine("syntactic", syntactic) if syntactic else None,
        total=AnalogySection.combine("total", results))


def _similarity_result(kv: KeyedVectors, lookup: _Lookup, dataset: _Dataset) -> SimilarityResult:
    pairs = _parse_pairs(dataset)
    found_rows, gold, oov_pairs = [], [], []
    for w1, w2, score in pairs:
        k1, k2 = lookup.find(w1), lookup.find(w2)
        if k1 < 0 or k2 < 0:
            oov_pairs.append((w1, w2))
        else:
            found_rows.append((lookup.first_row[k1], lookup.first_row[k2]))
            gold.append(score)
    rows = np.array(found_rows, dtype=np.int64).reshape(-1, 2)
    left = kv.vectors[rows[:, 0]].astype(np.float64)
    right = kv.vectors[rows[:, 1]].astype(np.float64)
    norms = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    norms[norms == 0.0] = 1.0  # a zero vector has cosine 0 with everything
    cosines = np.einsum("ij,ij->i", left, right) / norms
    return SimilarityResult(
        name=dataset.name, source=dataset.source, spearman=spearman(gold, cosines),
        pearson=pearson(gold, cosines), pairs_found=len(gold), pairs_total=len(pairs),
        oov_pairs=tuple(oov_pairs), vocab_size=lookup.size,
        case_insensitive=lookup.case_insensitive)


# -- public API ----------------------------------------------------------------------------

def _check_kv(kv) -> KeyedVectors:
    if not isinstance(kv, KeyedVectors):
        fail("kv", type(kv).__name__, "a w2v.KeyedVectors")
    return kv


def evaluate_analogies(kv: KeyedVectors, path_or_name, *,
                       restrict_vocab: int | None = DEFAULT_ANALOGY_RESTRICT_VOCAB,
                       method: str = "3cosadd", case_insensitive: bool = True) -> AnalogyResult:
    """Accuracy of ``kv`` on an analogy set.

    Parameters
    ----------
    kv : KeyedVectors
        Words in frequency order (most frequent first).
    path_or_name : str or path-like
        A bundled set (``'google'``, ``'msr'``, ``'google_phrases'``; a bundled name wins
        over a file of the same name) or a file of ``a b c d`` lines, optionally split by
        ``: section`` lines (questions before the first header form a section named
        after the file).
    restrict_vocab : int or None, default 30000
        Only the first ``restrict_vocab`` words are known and searched; None: all.
    method : {'3cosadd', '3cosmul'}
        3CosAdd: argmax cos(x, b - a + c) over unit vectors. 3CosMul: argmax
        cos'(x, b) cos'(x, c) / (cos'(x, a) + COSMUL_EPSILON) with cos' = (cos + 1) / 2.
    case_insensitive : bool, default True
        Compare words upper-cased (see the module notes).

    Returns
    -------
    AnalogyResult

    Raises
    ------
    EvaluationDataError
        The file is missing or has a malformed line.
    ParameterError
        A parameter is out of range.
    """
    kv = _check_kv(kv)
    restrict_vocab = check_int("restrict_vocab", restrict_vocab, min=1, allow_none=True)
    method = check_choice("method", method, METHODS)
    case_insensitive = check_bool("case_insensitive", case_insensitive)
    dataset = _resolve(path_or_name, "analogy")
    return _analogy_result(kv, _Lookup(kv, restrict_vocab, case_insensitive), dataset, method)


def evaluate_similarity(kv: KeyedVectors, path_or_name, *,
                        restrict_vocab: int | None = DEFAULT_SIMILARITY_RESTRICT_VOCAB,
                        case_insensitive: bool = True) -> SimilarityResult:
    """Spearman and Pearson correlation of ``kv``'s cosine similarities with human scores.

    Parameters
    ----------
    kv : KeyedVectors
    path_or_name : str or path-like
        A bundled set (``'ws353'``, ``'simlex999'``, ... see :data:`SIMILARITY_SETS`; a
        bundled name wins over a file of the same name) or a file of ``word1 word2 score``
        lines (tab-separated if the line has a tab, else whitespace-separated).
    restrict_vocab : int or None, default 300000
        Only the first ``restrict_vocab`` words are known; None: all.
    case_insensitive : bool, default True

    Returns
    -------
    SimilarityResult
        Pairs with a word outside the restricted vocabulary are skipped and listed.

    Raises
    ------
    EvaluationDataError
        The file is missing or has a malformed line (wrong field count, non-numeric score).
    ParameterError
        A parameter is out of range.
    """
    kv = _check_kv(kv)
    restrict_vocab = check_int("restrict_vocab", restrict_vocab, min=1, allow_none=True)
    case_insensitive = check_bool("case_insensitive", case_insensitive)
    dataset = _resolve(path_or_name, "similarity")
    return _similarity_result(kv, _Lookup(kv, restrict_vocab, case_insensitive), dataset)


def evaluate(kv: KeyedVectors, *, suite: str = "standard", analogies: Sequence = (),
             similarities: Sequence = (),
             restrict_vocab: int | None = DEFAULT_ANALOGY_RESTRICT_VOCAB,
             similarity_restrict_vocab: int | None = DEFAULT_SIMILARITY_RESTRICT_VOCAB,
             method: str = "3cosadd", case_insensitive: bool = True,
             name: str = "model") -> EvaluationReport:
    """Evaluate ``kv`` on a suite of bundled sets plus any user files.

    Parameters
    ----------
    kv : KeyedVectors
    suite : {'standard', 'quick', 'all', 'none'}, default 'standard'
        Bundled sets to run (see :data:`SUITES`).
    analogies, similarities : sequence of str or path-like
        Extra analogy / word-pair sets (files or bundled names), run after the suite.
    restrict_vocab : int or None, default 30000
        Vocabulary searched by the analogies.
    similarity_restrict_vocab : int or None, default 300000
        Vocabulary known to the word-pair sets.
    method : {'3cosadd', '3cosmul'}
    case_insensitive : bool, default True
    name : str
        The model's label in tables and JSON.

    Returns
    -------
    EvaluationReport
    """
    kv = _check_kv(kv)
    suite = check_choice("suite", suite, SUITES)
    restrict_vocab = check_int("restrict_vocab", restrict_vocab, min=1, allow_none=True)
    similarity_restrict_vocab = check_int("similarity_restrict_vocab",
                                          similarity_restrict_vocab, min=1, allow_none=True)
    method = check_choice("method", method, METHODS)
    case_insensitive = check_bool("case_insensitive", case_insensitive)
    if isinstance(analogies, (str, os.PathLike)):
        analogies = [analogies]
    if isinstance(similarities, (str, os.PathLike)):
        similarities = [similarities]
    analogy_sets = [n for n in SUITES[suite] if n in ANALOGY_SETS] + list(analogies)
    similarity_sets = [n for n in SUITES[suite] if n in SIMILARITY_SETS] + list(similarities)
    if not analogy_sets and not similarity_sets:
        fail("suite", suite, "a non-empty suite or at least one analogy or similarity file")
    # Read every file first, so a bad one fails before minutes of work.
    analogy_data = [_resolve(p, "analogy") for p in analogy_sets]
    similarity_data = [_resolve(p, "similarity") for p in similarity_sets]
    analogy_results: tuple[AnalogyResult, ...] = ()
    if analogy_data:
        lookup = _Lookup(kv, restrict_vocab, case_insensitive)
        analogy_results = tuple(_analogy_result(kv, lookup, d, method) for d in analogy_data)
    similarity_results: tuple[SimilarityResult, ...] = ()
    if similarity_data:
        lookup = _Lookup(kv, similarity_restrict_vocab, case_insensitive)
        similarity_results = tuple(_similarity_result(kv, lookup, d) for d in similarity_data)
    return EvaluationReport(name=str(name), analogies=analogy_results,
                            similarities=similarity_results, method=method,
                            restrict_vocab=restrict_vocab,
                            similarity_restrict_vocab=similarity_restrict_vocab,
                            case_insensitive=case_insensitive)


# -- tables --------------------------------------------------------------------------------

_METHOD_TITLE = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}
_COLUMN_GAP = "   "  # between the label column and each model's column
_PART_GAP = "  "  # between the parts of one cell (accuracy, counts)


def _accuracy_cell(section: AnalogySection) -> tuple[str, ...]:
    accuracy = "n/a" if not section.evaluated else f"{100.0 * section.accuracy:.2f}%"
    return accuracy, f"{section.correct}/{section.evaluated}"


def _number(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4f}"


def _vocab_text(n: int | None) -> str:
    return "all words" if n is None else f"top {n} words"


def _result_rows(result) -> list[tuple[str, tuple[str, ...]]]:
    """(row label, cell parts) of one result; the label '' is the set's own row."""
    if isinstance(result, SimilarityResult):
        return [("", (_number(result.spearman), _number(result.pearson),
                      f"{result.pairs_found}/{result.pairs_total}"))]
    rows = []
    if len(result.sections) > 1:
        rows.extend((s.name, _accuracy_cell(s)) for s in result.sections)
    for group in (result.semantic, result.syntactic):
        if group is not None:
            rows.append((group.name, _accuracy_cell(group)))
    rows.append(("total", _accuracy_cell(result.total)))
    rows.append(("skipped (OOV)", ("", f"{result.total.oov}/{result.total.questions}")))
    return rows


def _block(reports: list[EvaluationReport], kind: str) -> list[tuple[str, list[str]]]:
    """Rows (label, one rendered cell per report) of the analogy or similarity results,
    the parts of the cells aligned within the block."""
    order: list[tuple[str, str]] = []
    cells: dict[tuple[str, str], list[tuple[str, ...] | None]] = {}
    for column, report in enumerate(reports):
        seen: dict[str, int] = {}
        for result in getattr(report, kind):
            # Two sets of the same name in one report are told apart as name #2, #3...
            seen[result.name] = seen.get(result.name, 0) + 1
            label = result.name if seen[result.name] == 1 else f"{result.name} #{seen[result.name]}"
            for row_label, parts in _result_rows(result):
                key = (label, row_label)
                if key not in cells:
                    cells[key] = [None] * len(reports)
                    order.append(key)
                cells[key][column] = parts
    part_widths = []
    for column in range(len(reports)):
        widths: list[int] = []
        for row in cells.values():
            parts = row[column] or ()
            widths.extend(0 for _ in range(len(parts) - len(widths)))
            widths = [max(w, len(p)) for w, p in zip(widths, parts)] + widths[len(parts):]
        part_widths.append(widths)

    def render(parts, widths) -> str:
        if parts is None:
            return ""
        return _PART_GAP.join(p.rjust(w) for p, w in zip(parts, widths))

    rows: list[tuple[str, list[str]]] = []
    previous = None
    for label, row_label in order:
        rendered = [render(p, part_widths[c]) for c, p in enumerate(cells[(label, row_label)])]
        if row_label == "":
            rows.append((label, rendered))
        else:
            if label != previous:
                rows.append((label, [""] * len(reports)))
            rows.append(("  " + row_label, rendered))
        previous = label
    return rows


def _setting(reports: list[EvaluationReport], text) -> str:
    """One setting for a heading: its text if all reports share it, else per model."""
    texts = [text(r) for r in reports]
    if len(set(texts)) == 1:
        return texts[0]
    return ", ".join(f"{r.name}: {t}" for r, t in zip(reports, texts))


def format_comparison(reports: Sequence[EvaluationReport], *, show_oov: bool = False) -> str:
    """An aligned text table of one or more reports, one column per model.

    Analogy rows give the accuracy and ``correct/evaluated`` of each section (when the
    set has several), of the semantic / syntactic groups (Google set) and of the total,
    and the questions skipped as OOV out of all questions. Similarity rows give
    Spearman's rho, Pearson's r and ``pairs found/total``. The headings name the method
    and vocabulary restriction (per model when they differ). ``show_oov`` lists the OOV word
    pairs after the table.
    """
    reports = list(reports)
    if not reports:
        return ""
    blocks: list[tuple[str, list[tuple[str, list[str]]]]] = []
    if any(r.analogies for r in reports):
        method = _setting(reports, lambda r: _METHOD_TITLE[r.method])
        vocab = _setting(reports, lambda r: _vocab_text(r.restrict_vocab))
        blocks.append((f"Analogy accuracy ({method}; {vocab}): accuracy  correct/evaluated",
                       _block(reports, "analogies")))
    if any(r.similarities for r in reports):
        vocab = _setting(reports, lambda r: _vocab_text(r.similarity_restrict_vocab))
        blocks.append((f"Word similarity ({vocab}): Spearman rho  Pearson r  "
                       "pairs found/total", _block(reports, "similarities")))
    header = ["benchmark"] + [r.name for r in reports]
    all_rows = [row for _, rows in blocks for row in rows]
    label_width = max([len(header[0])] + [len(label) for label, _ in all_rows])
    widths = [max([len(header[c + 1])] + [len(cells[c]) for _, cells in all_rows])
              for c in range(len(reports))]

    def line(label: str, cells: Sequence[str]) -> str:
        return (label.ljust(label_width)
                + "".join(_COLUMN_GAP + c.rjust(w) for c, w in zip(cells, widths))).rstrip()

    lines = [line(header[0], header[1:])]
    lines.append("-" * len(lines[0]))
    for heading, rows in blocks:
        lines.append(heading)
        lines.extend(line(label, cells) for label, cells in rows)
    if show_oov:
        for report in reports:
            for result in report.similarities:
                if result.oov_pairs:
                    pairs = ", ".join(f"{a}-{b}" for a, b in result.oov_pairs)
                    lines.append(f"{report.name}: {result.name}: {len(result.oov_pairs)} OOV "
                                 f"pairs: {pairs}")
    return "\n".join(lines)
