"""The bad-input table (issue 6): every bad corpus, vectors, model or evaluation file, and
the exact error it must give, both from the command line and from Python.

Each row of ``CASES`` says how to make the bad input, the ``w2v`` command lines that read
it, the Python calls that read it, the exception type and a regular expression that the
whole message must match (``{path}`` is the bad file, ``{dir}`` its directory). Through
the CLI, ``w2v.cli.main`` must return 2 and print exactly one line on stderr,
``w2v: error: MESSAGE``, with no traceback, and a failed ``w2v train`` must leave nothing
in its output directory (no model, no temporary file, no checkpoint). Through Python,
the call must raise that :class:`w2v.errors.W2VError` subclass with that message.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from w2v import corpus as corpus_module
from w2v import formats
from w2v.cli import EXIT_USER_ERROR, main
from w2v.corpus import MAX_TOKEN_LENGTH, TextCorpus
from w2v.errors import (CorpusError, EvaluationDataError, FormatError, TrainingError,
                        W2VError)
from w2v.evaluation import evaluate_analogies, evaluate_similarity
from w2v.model import Word2Vec
from w2v.vectors import KeyedVectors

# -- the inputs the cases start from ------------------------------------------------------------

WORDS = ["a", "b", "c"]
DIM = 4
#: Multiples of 1/8: exact in float32 and in short decimals, so file layouts are known.
VALUES = np.arange(len(WORDS) * DIM, dtype=np.float32).reshape(len(WORDS), DIM) / 8

HEADER = f"{len(WORDS)} {DIM}\n".encode()
TEXT_ROWS = [f"{w} {' '.join(f'{v:g}' for v in row)}\n".encode()
             for w, row in zip(WORDS, VALUES)]
BINARY_ROWS = [w.encode() + b" " + row.astype("<f4").tobytes() + b"\n"
               for w, row in zip(WORDS, VALUES)]
#: Bytes of one binary row: word, space, DIM float32, newline.
BINARY_ROW = 1 + 1 + 4 * DIM + 1
TEXT = HEADER + b"".join(TEXT_ROWS)
BINARY = HEADER + b"".join(BINARY_ROWS)


def binary_with(row: int, column: int, value: float) -> bytes:
    values = VALUES.copy()
    values[row, column] = value
    return HEADER + b"".join(w.encode() + b" " + r.astype("<f4").tobytes() + b"\n"
                             for w, r in zip(WORDS, values))


@functools.lru_cache(maxsize=1)
def tiny_model_members() -> dict[str, bytes]:
    """The members of a small trained model file (vocabulary: 6 words, dim 4)."""
    import tempfile

    sentences = [["new", "york", "is", "big"], ["i", "like", "new", "york"]] * 10
    model = Word2Vec(dim=DIM, min_count=1, epochs=1, threads=1, seed=1, sample=0)
    model.fit(sentences)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.w2v")
        model.save(path)
        with zipfile.ZipFile(path) as archive:
            return {n: archive.read(n) for n in archive.namelist()}


MODEL_WORDS = 6


def model_bytes(edit: Callable[[dict], None] | None = None) -> bytes:
    members = dict(tiny_model_members())
    if edit is not None:
        edit(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def edit_array(name: str, change: Callable[[np.ndarray], np.ndarray]):
    def edit(members):
        array = np.load(io.BytesIO(members[name]))
        members[name] = npy_bytes(change(array))
    return edit


def with_nan(array):
    array = array.copy()
    array[1, 2] = np.nan
    return array


def future_version(members):
    header = json.loads(members["header.json"])
    header["format_version"] = formats.MODEL_FORMAT_VERSION + 1
    members["header.json"] = json.dumps(header).encode()


def cut_npy(members):
    members["word_vectors.npy"] = members["word_vectors.npy"][:-6]


EVAL_KV = KeyedVectors(WORDS, VALUES)


# -- how cases make their input ---------------------------------------------------------------------

def file(name: str, data: bytes | Callable[[], bytes]):
    """A case input: a file ``name`` holding ``data``."""
    def make(directory: str, monkeypatch) -> str:
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(data() if callable(data) else data)
        return path
    return make


def with_good_vectors(make):
    """Also write ``good.txt``, valid vectors for the evaluation-file cases."""
    def wrapped(directory, monkeypatch):
        with open(os.path.join(directory, "good.txt"), "wb") as f:
            f.write(TEXT)
        return make(directory, monkeypatch)
    return wrapped


def directory_with(files: dict[str, bytes]):
    def make(directory, monkeypatch):
        path = os.path.join(directory, "corpus_dir")
        os.mkdir(path)
        for name, data in files.items():
            with open(os.path.join(path, name), "wb") as f:
                f.write(data)
        return path
    return make


def missing(directory, monkeypatch):
    return os.path.join(directory, "no_such_corpus.txt")


def two_member_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "the cat\n")
        archive.writestr("b.txt", "the dog\n")
    return buffer.getvalue()


def truncated_gzip() -> bytes:
    data = gzip.compress(b"the cat sat on the mat\n" * 2000)
    return data[:len(data) // 2]


#: Before the giant token: 14 bytes, 12 characters (two of them two bytes long).
GIANT_PREFIX = "héllo wörld\n".encode()
#: Three times the token limit: far beyond it, yet quick to write and read.
GIANT_TOKEN_BYTES = 3 * MAX_TOKEN_LENGTH


# -- commands and calls -------------------------------------------------------------------------------

OUTPUT_DIR = "out"
TRAIN = ["train", "{path}", "-o", "{dir}/" + OUTPUT_DIR + "/model.w2v", "--no-progress",
         "--epochs", "1"]
#: The CLI's way to Word2Vec.load a model: resume from it as a checkpoint.
RESUME = ["train", "{path}", "-o", "{dir}/" + OUTPUT_DIR + "/model.w2v", "--no-progress",
          "--resume", "--checkpoint", "{path}"]
SIMILAR = ["similar", "{path}", "a"]
EVALUATE = ["evaluate", "{path}"]
QUERY = (SIMILAR, EVALUATE)


def fit(path):
    return Word2Vec(epochs=1, threads=1).fit(path)


def load_binary(path):
    return formats.load_word2vec(path, binary=True)


def load_text(path):
    return formats.load_word2vec(path, binary=False)


def analogies(path):
    return evaluate_analogies(EVAL_KV, path)


def similarity(path):
    return evaluate_similarity(EVAL_KV, path)


# -- the table ------------------------------------------------------------------------------------------

TRUNCATED = (r"\(expected more; truncated file, or a header count that disagrees with the "
             r"content\?\)")
TRUNCATED_LINES = (r"\(expected more lines; truncated file, or a header count that disagrees "
                   r"with the content\?\)")
EXTRA = (r"\(expected the end of the file; does the header's count disagree with the "
         r"content\?\)")
NOT_FINITE = r"holds NaN, infinity or a value beyond float32 range \(expected finite numbers\)"
UTF8_HINT = (r"\(expected utf-8 text; to read it anyway, pass errors='replace' or 'ignore', "
             r"or on the command line --encoding-errors replace\)")
NO_FILES = r"\(expected a corpus file or a directory of them\)"
MIN_COUNT = r"no word occurs at least min_count=5 times"


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable                      # (directory, monkeypatch) -> path of the input
    commands: tuple[list[str], ...]     # w2v command lines; {path}, {dir} substituted
    calls: tuple[Callable, ...]         # Python calls, each given the path
    error: type[W2VError]
    message: str                        # regex the whole message must match


CASES = [
    # -- corpora ---------------------------------------------------------------------------------
    Case("corpus-binary", file("model.bin", b"\x7fELF\x02\x01\x01" + bytes(64)),
         (TRAIN,), (fit,), CorpusError,
         r"{path}: looks binary: it has a NUL byte at byte 7 \(expected a text file\)"),
    Case("corpus-invalid-utf8", file("latin1.txt", b"the cat sat\nthe \xe9t\xe9 dog\n"),
         (TRAIN,), (fit,), CorpusError,
         r"{path}: byte 16: cannot decode as utf-8 \(invalid continuation byte\) " + UTF8_HINT),
    Case("corpus-invalid-utf8-gzip",
         file("latin1.txt.gz", gzip.compress(b"the cat sat\nthe \xff dog\n")),
         (TRAIN,), (fit,), CorpusError,  # the offset is in the decompressed text
         r"{path}: byte 16: cannot decode as utf-8 \(invalid start byte\) " + UTF8_HINT),
    Case("corpus-utf8-cut-at-end", file("cut.txt", "the cat é".encode()[:-1]),
         (TRAIN,), (fit,), CorpusError,
         r"{path}: byte 8: cannot decode as utf-8 \(unexpected end of data\) " + UTF8_HINT),
    Case("corpus-empty", file("empty.txt", b""), (TRAIN,), (fit,), CorpusError,
         r"{path}: " + MIN_COUNT + r": the corpus has no words at all \(expected text: one "
         r"sentence per line, words separated by whitespace\)"),
    Case("corpus-only-whitespace", file("blank.txt", b" \n\t\r\n\n  "), (TRAIN,), (fit,),
         CorpusError,
         r"{path}: " + MIN_COUNT + r": the corpus has no words at all \(expected text: one "
         r"sentence per line, words separated by whitespace\)"),
    Case("corpus-no-word-reaches-min-count", file("rare.txt", b"a b c d\ne f a b\n"),
         (TRAIN,), (fit,), CorpusError,
         r"{path}: " + MIN_COUNT + r" in 8 tokens \(expected some; lower min_count\)"),
    Case("corpus-one-word-reaches-min-count", file("one.txt", b"a a a a a b\na c\n"),
         (TRAIN,), (fit,), TrainingError,
         r"the vocabulary has 1 word\(s\); training needs at least 2 \(lower min_count or "
         r"use a larger corpus\)"),
    Case("corpus-missing", missing, (TRAIN,), (fit,), CorpusError,
         r"{path}: no such file or directory " + NO_FILES),
    Case("corpus-empty-directory", directory_with({}), (TRAIN,), (fit,), CorpusError,
         r"{path}: directory holds no \(non-hidden\) file \(expected corpus files\)"),
    Case("corpus-directory-of-hidden-files", directory_with({".notes": b"a a a a a b b b b b"}),
         (TRAIN,), (fit,), CorpusError,
         r"{path}: directory holds no \(non-hidden\) file \(expected corpus files\)"),
    Case("corpus-directory-holding-a-binary-file",
         directory_with({"a.txt": b"the cat sat\n" * 10, "b.npy": npy_bytes(VALUES)}),
         (TRAIN,), (fit,), CorpusError,
         rf"{{path}}/b\.npy: looks binary: it has a NUL byte at byte "
         rf"{npy_bytes(VALUES).index(0)} \(expected a text file\)"),
    Case("corpus-not-a-regular-file", lambda d, m: os.devnull, (TRAIN,), (fit,), CorpusError,
         r"{path}: not a regular file or directory " + NO_FILES),
    Case("corpus-zip-of-two-files", file("two.zip", two_member_zip), (TRAIN,), (fit,),
         CorpusError, r"{path}: zip archive has 2 members \(expected exactly one\)"),
    Case("corpus-truncated-gzip", file("cut.txt.gz", truncated_gzip), (TRAIN,), (fit,),
         CorpusError,
         r"{path}: byte 0: cannot decompress \(Compressed file ended before the "
         r"end-of-stream marker was reached\) \(expected an intact compressed file\)"),
    Case("corpus-giant-token-without-whitespace",
         file("dump.txt", lambda: GIANT_PREFIX + b"x" * GIANT_TOKEN_BYTES),
         (TRAIN,), (fit,), CorpusError,
         r"{path}: byte 14: token longer than 1,048,576 characters \(expected words "
         r"separated by whitespace; is this a text corpus\?\)"),

    # -- word2vec, GloVe and .vec files ----------------------------------------------------------------
    Case("vectors-binary-truncated", file("cut.bin", BINARY[:-5]), QUERY,
         (formats.load_vectors, load_binary), FormatError,
         rf"{{path}}: byte {len(HEADER) + 2 * BINARY_ROW + 2}: file ends inside the vector "
         rf"of 'c' after 2 of the 3 vectors the header announces " + TRUNCATED),
    Case("vectors-text-truncated-mid-line", file("cut.txt", TEXT[:-6]), QUERY,
         (formats.load_vectors, load_text), FormatError,
         r"{path}:4: 3 values for 'c' \(expected 4, as the header says\)"),
    Case("vectors-text-truncated-at-a-line", file("cut.txt", HEADER + TEXT_ROWS[0]), QUERY,
         (formats.load_vectors, load_text), FormatError,
         r"{path}:3: file ends after 1 of the 3 vectors the header announces " +
         TRUNCATED_LINES),
    Case("vectors-text-header-count-too-large",
         file("more.txt", b"4 4\n" + b"".join(TEXT_ROWS)), QUERY,
         (formats.load_vectors, load_text), FormatError,
         r"{path}:5: file ends after 3 of the 4 vectors the header announces " +
         TRUNCATED_LINES),
    Case("vectors-text-header-count-too-small",
         file("fewer.txt", b"2 4\n" + b"".join(TEXT_ROWS)), QUERY,
         (formats.load_vectors, load_text), FormatError,
         rf"{{path}}: byte {len(HEADER) + len(TEXT_ROWS[0]) + len(TEXT_ROWS[1])}: more data "
         r"after the 2 vectors the header announces " + EXTRA),
    Case("vectors-binary-header-count-too-large",
         file("more.bin", b"4 4\n" + b"".join(BINARY_ROWS)), QUERY,
         (formats.load_vectors, load_binary), FormatError,
         rf"{{path}}: byte {len(HEADER) + 3 * BINARY_ROW}: file ends before a word after 3 "
         r"of the 4 vectors the header announces " + TRUNCATED),
    Case("vectors-binary-header-count-too-small",
         file("fewer.bin", b"2 4\n" + b"".join(BINARY_ROWS)), QUERY,
         (formats.load_vectors, load_binary), FormatError,
         rf"{{path}}: byte {len(HEADER) + 2 * BINARY_ROW}: more data after the 2 vectors the "
         r"header announces " + EXTRA),
    Case("vectors-header-claims-10^12-rows",
         file("huge.bin", b"1000000000000 4\n" + b"".join(BINARY_ROWS)), QUERY,
         (formats.load_vectors, load_binary), FormatError,
         rf"{{path}}: byte {len(b'1000000000000 4') + 1 + 3 * BINARY_ROW}: file ends before "
         r"a word after 3 of the 1000000000000 vectors the header announces " + TRUNCATED),
    Case("vectors-header-not-two-integers", file("bad.bin", b"3 4 5\n" + BINARY[4:]),
         (), (load_binary,), FormatError,
         r"{path}:1: header '3 4 5' is not two integers \(expected 'WORDS DIMENSIONS', the "
         r"word2vec header\)"),
    # Detected: without a header it is taken for GloVe, whose line 1 has 2 values.
    Case("vectors-header-not-two-integers-detected",
         file("bad.bin", b"3 4 5\n" + BINARY[4:]), QUERY, (formats.load_vectors,),
         FormatError,
         r"{path}:2: 1 values for 'a' \(expected 2, as on line 1; is this a binary file read "
         r"as text\?\)"),
    Case("vectors-header-dimension-zero", file("zero.txt", b"3 0\n" + b"".join(TEXT_ROWS)),
         QUERY, (formats.load_vectors, load_text), FormatError,
         r"{path}:1: header says 3 words of dimension 0 \(expected words >= 0 and 1 <= "
         r"dimension <= 1048576\)"),
    Case("vectors-text-mixed-dimensions",
         file("mixed.txt", HEADER + TEXT_ROWS[0] + b"b 1 2 3\n" + TEXT_ROWS[2]), QUERY,
         (formats.load_vectors, load_text), FormatError,
         r"{path}:3: 3 values for 'b' \(expected 4, as the header says\)"),
    Case("vectors-glove-mixed-dimensions",
         file("mixed.glove", TEXT_ROWS[0] + b"b 1 2 3 4 5\n" + TEXT_ROWS[2]), QUERY,
         (formats.load_vectors, formats.load_glove), FormatError,
         r"{path}:2: 5 values for 'b' \(expected 4, as on line 1\)"),
    Case("vectors-text-nan", file("nan.txt", HEADER + TEXT_ROWS[0] + b"b 1 nan 2 3\n" +
                                  TEXT_ROWS[2]),
         QUERY, (formats.load_vectors, load_text), FormatError,
         r"{path}:3: vector of 'b' " + NOT_FINITE),
    Case("vectors-text-inf", file("inf.txt", HEADER + TEXT_ROWS[0] + TEXT_ROWS[1] +
                                  b"c 1 2 -inf 3\n"),
         QUERY, (formats.load_vectors, load_text), FormatError,
         r"{path}:4: vector of 'c' " + NOT_FINITE),
    Case("vectors-text-beyond-float32", file("big.txt", HEADER + b"a 1 2 3 1e39\n" +
                                             b"".join(TEXT_ROWS[1:])),
         QUERY, (formats.load_vectors, load_text), FormatError,
         r"{path}:2: vector of 'a' " + NOT_FINITE),
    Case("vectors-glove-nan", file("nan.glove", TEXT_ROWS[0] + b"b 1 2 NaN 3\n"), QUERY,
         (formats.load_vectors, formats.load_glove), FormatError,
         r"{path}:2: vector of 'b' " + NOT_FINITE),
    Case("vectors-binary-nan", file("nan.bin", binary_with(1, 2, np.nan)), QUERY,
         (formats.load_vectors, load_binary), FormatError,
         rf"{{path}}: byte {len(HEADER) + BINARY_ROW}: vector of 'b' " + NOT_FINITE),
    Case("vectors-binary-inf", file("inf.bin", binary_with(2, 0, np.inf)), QUERY,
         (formats.load_vectors, load_binary), FormatError,
         rf"{{path}}: byte {len(HEADER) + 2 * BINARY_ROW}: vector of 'c' " + NOT_FINITE),
    Case("vectors-text-duplicate-word", file("dup.txt", HEADER + TEXT_ROWS[0] + TEXT_ROWS[1] +
                                             TEXT_ROWS[0]),
         QUERY, (formats.load_vectors, load_text), FormatError,
         r"{path}:4: duplicate word 'a' \(first at line 2; expected each word once\)"),
    Case("vectors-text-read-as-binary", file("v.txt", TEXT), (), (load_binary,), FormatError,
         r"{path}:2: looks like the word2vec text format \(expected binary; pass "
         r"binary=False, or binary=None to detect it\)"),
    Case("vectors-binary-read-as-text", file("v.bin", BINARY), (), (load_text,), FormatError,
         r"{path}:2: looks like the binary word2vec format \(expected text; pass "
         r"binary=True, or binary=None to detect it\)"),
    Case("vectors-empty-file", file("empty.vec", b""), QUERY, (formats.load_vectors,),
         FormatError, r"{path}: byte 0: no vectors \(expected lines 'word v1 \.\.\. vD'\)"),
    Case("vectors-missing", missing, QUERY, (formats.load_vectors,), FormatError,
         r"{path}: no such file"),

    # -- native model files ---------------------------------------------------------------------------------
    Case("model-future-format-version", file("future.w2v", lambda: model_bytes(future_version)),
         QUERY + (RESUME,), (formats.load_vectors, Word2Vec.load), FormatError,
         rf"{{path}}: written by a newer w2v \(format_version "
         rf"{formats.MODEL_FORMAT_VERSION + 1}; this w2v reads up to "
         rf"{formats.MODEL_FORMAT_VERSION}\)"),
    Case("model-truncated", file("cut.w2v", lambda: model_bytes()[:-100]), QUERY,
         (formats.load_vectors,), FormatError,
         r"{path}: truncated or corrupt zip archive \(expected a w2v model file, or a zip "
         r"holding one vectors file\)"),
    Case("model-truncated-loaded-as-model", file("cut.w2v", lambda: model_bytes()[:-100]),
         (RESUME,), (Word2Vec.load,), FormatError,
         r"{path}: not a readable zip archive \(File is not a zip file; expected a w2v model "
         r"file\)"),
    Case("model-array-truncated-inside-the-archive", file("cut.w2v", lambda: model_bytes(cut_npy)),
         QUERY + (RESUME,), (formats.load_vectors, Word2Vec.load), FormatError,
         rf"{{path}}\[word_vectors\.npy\]: header says shape \({MODEL_WORDS}, {DIM}\) of "
         rf"float32 \({MODEL_WORDS * DIM * 4} bytes\) but {MODEL_WORDS * DIM * 4 - 6} bytes "
         r"follow \(expected as many; truncated or corrupt\?\)"),
    Case("model-nan", file("nan.w2v", lambda: model_bytes(edit_array("word_vectors.npy",
                                                                     with_nan))),
         QUERY, (formats.load_vectors,), FormatError,
         r"{path}\[word_vectors\.npy\] row 1: vector of '\w+' " + NOT_FINITE),
    Case("model-nan-loaded-as-model",
         file("nan.w2v", lambda: model_bytes(edit_array("word_vectors.npy", with_nan))),
         (RESUME,), (Word2Vec.load,), FormatError,
         r"{path}: word_vectors\.npy contains NaN or infinite values"),
    Case("model-vectors-narrower-than-dim",
         file("dim.w2v", lambda: model_bytes(edit_array("word_vectors.npy",
                                                        lambda a: a[:, :-1].copy()))),
         QUERY, (formats.load_vectors,), FormatError,
         rf"{{path}}\[word_vectors\.npy\]: {DIM - 1} columns \(expected dim={DIM}, as "
         r"header\.json says\)"),
    Case("model-vectors-narrower-than-dim-loaded-as-model",
         file("dim.w2v", lambda: model_bytes(edit_array("word_vectors.npy",
                                                        lambda a: a[:, :-1].copy()))),
         (RESUME,), (Word2Vec.load,), FormatError,
         rf"{{path}}: word_vectors\.npy has shape \({MODEL_WORDS}, {DIM - 1}\) and dtype "
         rf"float32 \(expected \({MODEL_WORDS}, {DIM}\), float32\)"),
    Case("model-context-vectors-of-another-width",
         file("ctx.w2v", lambda: model_bytes(edit_array("context_vectors.npy",
                                                        lambda a: a[:, :-1].copy()))),
         QUERY, (formats.load_vectors,), FormatError,
         rf"{{path}}\[context_vectors\.npy\]: shape \({MODEL_WORDS}, {DIM - 1}\) \(expected "
         rf"\({MODEL_WORDS}, {DIM}\), or \({MODEL_WORDS - 1}, {DIM}\) for hierarchical "
         r"softmax\)"),
    Case("model-fewer-rows-than-words",
         file("rows.w2v", lambda: model_bytes(edit_array("word_vectors.npy",
                                                         lambda a: a[:-1].copy()))),
         QUERY + (RESUME,), (formats.load_vectors, Word2Vec.load), FormatError,
         rf"{{path}}: word_vectors has shape \({MODEL_WORDS - 1}, {DIM}\) \(expected "
         rf"{MODEL_WORDS} rows, one per word of vocab\.txt\)"),
    Case("model-vectors-file-loaded-as-model", file("v.txt", TEXT), (RESUME,),
         (Word2Vec.load,), FormatError,
         r"{path}: not a readable zip archive \(File is not a zip file; expected a w2v model "
         r"file\)"),
    Case("model-loaded-as-binary-vectors", file("m.w2v", lambda: model_bytes()), (),
         (load_binary,), FormatError,
         rf"{{path}}: zip archive has {len(tiny_model_members())} members \(expected exactly "
         r"one\)"),

    # -- evaluation files ---------------------------------------------------------------------------------------
    Case("evaluation-analogy-line-of-three-words",
         with_good_vectors(file("questions.txt", b": capitals\na b c a\na b c\n")),
         (["evaluate", "{dir}/good.txt", "--suite", "none", "--analogies", "{path}"],),
         (analogies,), EvaluationDataError,
         r"{path}:3: 3 fields \(expected 4 words 'a b c d' or a ': section' line\)"),
    Case("evaluation-similarity-score-not-a-number",
         with_good_vectors(file("pairs.txt", b"a b 1.5\na c high\n")),
         (["evaluate", "{dir}/good.txt", "--suite", "none", "--similarity", "{path}"],),
         (similarity,), EvaluationDataError,
         r"{path}:2: score 'high' is not a finite number \(expected 'word1 word2 score', "
         r"tab- or space-separated\)"),
    Case("evaluation-similarity-not-utf8",
         with_good_vectors(file("pairs.txt", b"a b 1.5\na \xe9 2\n")),
         (["evaluate", "{dir}/good.txt", "--suite", "none", "--similarity", "{path}"],),
         (similarity,), EvaluationDataError,
         r"{path}:2: byte 0xe9 is not UTF-8 \(expected UTF-8 text\)"),
]


def substitute(text: str, path: str, directory: str, *, regex: bool) -> str:
    quote = re.escape if regex else (lambda s: s)
    return text.replace("{path}", quote(path)).replace("{dir}", quote(directory))


def make_input(case: Case, tmp_path, monkeypatch) -> tuple[str, str]:
    directory = str(tmp_path / "in")
    os.mkdir(directory)
    os.mkdir(os.path.join(directory, OUTPUT_DIR))
    return case.make(directory, monkeypatch), directory


CLI_PARAMS = [pytest.param(case, command, id=f"{case.id}-{command[0]}"
                           + ("-resume" if "--resume" in command else ""))
              for case in CASES for command in case.commands]
PYTHON_PARAMS = [pytest.param(case, call, id=f"{case.id}-{call.__name__}")
                 for case in CASES for call in case.calls]


def test_the_table_covers_every_case_both_ways_where_the_cli_can():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert all(case.calls for case in CASES)
    # Only forcing binary or text has no CLI spelling: the CLI always detects the format.
    without_cli = {case.id for case in CASES if not case.commands}
    assert without_cli == {"vectors-text-read-as-binary", "vectors-binary-read-as-text",
                           "vectors-header-not-two-integers", "model-loaded-as-binary-vectors"}


@pytest.mark.parametrize("case,command", CLI_PARAMS)
def test_cli_prints_one_line_and_exits_2(case, command, tmp_path, monkeypatch, capsys):
    path, directory = make_input(case, tmp_path, monkeypatch)
    argv = [substitute(arg, path, directory, regex=False) for arg in command]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == EXIT_USER_ERROR, err
    assert err.startswith("w2v: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    message = err[len("w2v: error: "):-1]
    assert re.fullmatch(substitute(case.message, path, directory, regex=True), message), \
        message
    # A failed command leaves nothing behind: no model, no temporary file, no checkpoint.
    assert os.listdir(os.path.join(directory, OUTPUT_DIR)) == []


@pytest.mark.parametrize("case,call", PYTHON_PARAMS)
def test_python_raises_the_typed_error(case, call, tmp_path, monkeypatch):
    path, directory = make_input(case, tmp_path, monkeypatch)
    with pytest.raises(W2VError) as info:
        call(path)
    assert type(info.value) is case.error
    message = str(info.value)
    assert re.fullmatch(substitute(case.message, path, directory, regex=True), message), \
        message
    assert "\n" not in message


# -- the ways around a bad byte ---------------------------------------------------------------------

@pytest.mark.parametrize("errors,word", [("replace", "caf\ufffd"), ("ignore", "caf")])
def test_encoding_errors_option_reads_an_invalid_utf8_corpus(tmp_path, capsys, errors, word):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"the caf\xe9 is open\nthe caf\xe9 is shut\n" * 5)
    out = tmp_path / "m.w2v"
    status = main(["train", str(path), "-o", str(out), "--no-progress", "--epochs", "1",
                   "--threads", "1", "--dim", "4", "--sample", "0",
                   "--encoding-errors", errors])
    assert status == 0, capsys.readouterr().err
    assert word in Word2Vec.load(out).vocabulary_
    model = Word2Vec(dim=4, epochs=1, threads=1, sample=0).fit(TextCorpus(path,
                                                                          errors=errors))
    assert word in model.vocabulary_


# -- the longest token ---------------------------------------------------------------------------------

#: A small block and limit to walk the token-length check across block boundaries.
SMALL_BLOCK, SMALL_LIMIT = 8, 24


@pytest.mark.parametrize("before", ["", "ab cd ", "héllo wörld\n", "x" * SMALL_LIMIT + " "])
@pytest.mark.parametrize("after", ["", " ef", "\ngh ij\n"])
def test_a_token_of_the_limit_is_read_and_one_more_character_is_refused(
        tmp_path, monkeypatch, before, after):
    monkeypatch.setattr(corpus_module, "_BLOCK_SIZE", SMALL_BLOCK)
    monkeypatch.setattr(corpus_module, "MAX_TOKEN_LENGTH", SMALL_LIMIT)
    path = tmp_path / "corpus.txt"
    token = "é" * SMALL_LIMIT  # two bytes a character: characters are what count
    path.write_bytes((before + token + after).encode())
    assert [t for s in TextCorpus(path) for t in s] == (before + token + after).split()
    path.write_bytes((before + token + "é" + after).encode())
    with pytest.raises(CorpusError) as info:
        list(TextCorpus(path))
    start = len(before.encode())
    assert str(info.value) == (f"{path}: byte {start}: token longer than {SMALL_LIMIT:,} "
                               "characters (expected words separated by whitespace; is "
                               "this a text corpus?)")


def test_giant_token_uses_memory_bounded_by_the_limit_not_the_file(tmp_path, monkeypatch):
    """The 1 GB single-token file of the issue, scaled down: a file 48 times the limit
    (patched down to one block, so that tracemalloc, which slows the scan, has little to
    trace) fails after reading about the limit, holding about that much."""
    import tracemalloc

    limit = corpus_module._BLOCK_SIZE
    monkeypatch.setattr(corpus_module, "MAX_TOKEN_LENGTH", limit)
    path = tmp_path / "dump.txt"
    path.write_bytes(b"x" * GIANT_TOKEN_BYTES)
    tracemalloc.start()
    try:
        with pytest.raises(CorpusError, match=f"byte 0: token longer than {limit:,} "):
            list(TextCorpus(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The held token (up to the limit plus a block), the block, and a copy of them.
    assert peak < 4 * (limit + corpus_module._BLOCK_SIZE) < GIANT_TOKEN_BYTES / 4, peak


# -- lines of gigabytes -------------------------------------------------------------------------------

#: Size of the single-line corpus: big enough that holding it (or its tokens) would show
#: plainly in the peak memory, small enough to write and train in a few seconds.
LONG_LINE_BYTES = 64_000_000

MEMORY_SCRIPT = textwrap.dedent("""
    import resource, sys
    from w2v.cli import main
    options = ["--no-progress", "--epochs", "1", "--threads", "1", "--dim", "10",
               "--window", "2", "--negative", "2", "--max-final-vocab", "50"]
    # Warm up (imports, compiled kernels, first allocations) on a small file, then
    # measure how much more the long line needs at its peak.
    assert main(["train", sys.argv[1], "-o", sys.argv[3]] + options) == 0
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["train", sys.argv[2], "-o", sys.argv[3]] + options) == 0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("peak growth KiB", after - before)
""")


def write_one_line(path, size: int) -> None:
    """``size`` bytes or a little more on a single line: 2000 distinct tokens of 40 to 120
    letters, repeated (long tokens keep the token count, and so the test, small)."""
    words = [("abcdefghijklmnopqrstuvwxyz" * 8)[i % 26:i % 26 + 40 + i % 81]
             for i in range(2000)]
    chunk = (" ".join(words) + " ").encode()
    with open(path, "wb") as f:
        for _ in range(size // len(chunk) + 1):
            f.write(chunk)


def test_training_on_a_64mb_line_without_newline_needs_bounded_memory(tmp_path):
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    write_one_line(small, 1_000_000)
    write_one_line(big, LONG_LINE_BYTES)
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(small), str(big), str(tmp_path / "m.w2v")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    growth = int(result.stdout.rsplit("peak growth KiB", 1)[1]) * 1024
    size = big.stat().st_size
    # Held whole, the line alone would add its size (and its tokens several times that).
    assert growth < size / 4, f"peak grew {growth / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB line"


# -- known bugs in files this test does not own ---------------------------------------------------------

def test_a_corpus_without_context_pairs_fails_clearly_or_saves(tmp_path):
    path = tmp_path / "one_word_lines.txt"
    path.write_text("cat\ndog\n" * 20)  # no line has two words: no (centre, context) pair
    try:
        model = Word2Vec(dim=4, min_count=1, epochs=1, threads=1).fit(path)
    except TrainingError as exc:
        assert "no training examples" in str(exc)
        return
    model.save(tmp_path / "m.w2v")
    assert Word2Vec.load(tmp_path / "m.w2v").vocabulary_.words == model.vocabulary_.words
