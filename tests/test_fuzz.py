"""Fuzzing every reader: arbitrary or mutated bytes load correctly or raise W2VError.

Each reader gets (a) arbitrary bytes, some wrapped in a compression format, and (b) a
valid file of its format with a few random edits (flipped, inserted, deleted bytes, a
truncation). Whatever the bytes, the call must return or raise a
:class:`w2v.errors.W2VError`; any other exception (IndexError, a bare ValueError,
MemoryError, zipfile or Unicode errors...) or a hang fails the test.

The examples per test are bounded so that the whole file runs in well under a minute on
two cores; Hypothesis shrinks any failure to a minimal input.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tempfile
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v import corpus as corpus_module
from w2v import formats
from w2v.corpus import TextCorpus
from w2v.errors import W2VError
from w2v.evaluation import evaluate_analogies, evaluate_similarity
from w2v.model import Word2Vec
from w2v.phrases import PhraseModel, learn_phrases
from w2v.vectors import KeyedVectors
from w2v.vocab import Vocabulary

#: Examples per test: the whole file then runs in about 11 s (2 cores, shared); 1500
#: per test (90 s) found nothing more.
EXAMPLES = 120
#: The model-file readers parse zip + JSON + .npy per example: fewer, they cost more.
MODEL_EXAMPLES = 80
#: One call on inputs of a few hundred bytes takes milliseconds; this much means a hang.
CALL_TIMEOUT_SECONDS = 20.0
#: Most memory a vectors reader may use on a file of a few bytes whatever its header
#: says: its up-front rows (64 MiB) plus a few copies of a first line of up to 32 bytes
#: for each of at most 2**20 dimensions.
MAX_READER_BYTES = 256 * 2**20
#: A corpus block this small puts block boundaries inside tokens, characters and lines.
SMALL_BLOCK = 7

FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ_MODEL = settings(FUZZ, max_examples=MODEL_EXAMPLES)


# -- helpers ---------------------------------------------------------------------------------

def load_or_library_error(call, *args, **kwargs):
    """Run ``call``; return its result, or None if it raised a W2VError.

    Fails the test on any other exception, and if the call does not return within
    ``CALL_TIMEOUT_SECONDS`` (it runs in a thread so a hang cannot stall the suite).
    """
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = call(*args, **kwargs)
        except W2VError as exc:
            outcome["library_error"] = exc
        except BaseException as exc:  # noqa: BLE001 - exactly what the test looks for
            outcome["other"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(CALL_TIMEOUT_SECONDS)
    if thread.is_alive():
        pytest.fail(f"{getattr(call, '__name__', call)} still running after "
                    f"{CALL_TIMEOUT_SECONDS} s: a hang")
    if "other" in outcome:
        exc = outcome["other"]
        raise AssertionError(f"{getattr(call, '__name__', call)} raised "
                             f"{type(exc).__name__}: {exc}") from exc
    return outcome.get("value")


def apply_edits(data: bytes, edits) -> bytes:
    """Apply (kind, position, argument) edits; positions wrap around the current length."""
    out = bytearray(data)
    for kind, position, argument in edits:
        if kind == "flip" and out:
            out[position % len(out)] ^= argument
        elif kind == "truncate":
            del out[position % (len(out) + 1):]
        elif kind == "insert":
            at = position % (len(out) + 1)
            out[at:at] = argument
        elif kind == "delete" and out:
            at = position % len(out)
            del out[at:at + argument]
    return bytes(out)


EDIT = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 16), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 16), st.none()),
    st.tuples(st.just("insert"), st.integers(0, 1 << 16), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 16), st.integers(1, 16)),
)


def mutated(valid: bytes):
    """A strategy: ``valid`` with one to four random edits."""
    return st.lists(EDIT, min_size=1, max_size=4).map(lambda edits: apply_edits(valid, edits))


def _zip_one(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("member.txt", data)
    return buffer.getvalue()


#: Arbitrary bytes, plain or wrapped in each compression format the readers undo, and
#: compressed streams cut short.
ARBITRARY = st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=200).map(gzip.compress),
    st.binary(max_size=200).map(bz2.compress),
    st.binary(max_size=200).map(lzma.compress),
    st.binary(max_size=200).map(_zip_one),
    st.tuples(st.binary(min_size=1, max_size=200), st.floats(0, 1)).map(
        lambda pair: gzip.compress(pair[0])[:int(len(gzip.compress(pair[0])) * pair[1])]),
    st.binary(max_size=100).map(lambda body: b"PK\x03\x04" + body),
    st.binary(max_size=100).map(lambda body: b"\x1f\x8b" + body),
)


@pytest.fixture(scope="module")
def scratch():
    """One directory for the module; each example overwrites its file."""
    with tempfile.TemporaryDirectory(prefix="w2v-fuzz-") as directory:
        yield directory


def write(directory: str, name: str, data: bytes) -> str:
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


# -- valid samples of each format --------------------------------------------------------------

CORPUS = "the cat sat on the mat\nnaïve café €5 ünïcödé\n\tthe dog  sat\r\n\nend".encode()
VOCAB = b"the 40\ncat 12\ndog 12\ncaf\xc3\xa9 3\n"
ANALOGIES = b": capitals\nathens greece berlin germany\nparis france rome italy\n" \
            b": other\na b c d\n"
PAIRS = b"# comment\ncat\tdog\t7.5\ncar bus 6\nking queen 8.25\n"


def sample_kv() -> KeyedVectors:
    rng = np.random.default_rng(0)
    return KeyedVectors(["a", "b", "café", "d"], rng.standard_normal((4, 3)).astype(np.float32))


class Samples(dict):
    """Valid files by format; a short repr keeps Hypothesis' failure reports readable."""

    def __repr__(self) -> str:
        return f"<valid samples: {', '.join(self)}>"


@pytest.fixture(scope="module")
def valid_files(scratch):
    """Bytes of a valid file of every format, made by the library's own writers."""
    kv = sample_kv()
    files = Samples()
    for name, save in (("w2v_text", lambda p: formats.save_word2vec(p, kv, binary=False)),
                       ("w2v_binary", lambda p: formats.save_word2vec(p, kv, binary=True)),
                       ("glove", lambda p: formats.save_glove(p, kv))):
        path = os.path.join(scratch, "valid-" + name)
        save(path)
        with open(path, "rb") as f:
            files[name] = f.read()
    sentences = [["new", "york", "is", "big"], ["i", "like", "new", "york"]] * 10
    model = Word2Vec(dim=3, min_count=1, epochs=1, threads=1, seed=1, sample=0).fit(sentences)
    path = os.path.join(scratch, "valid-model")
    model.save(path)
    with open(path, "rb") as f:
        files["model"] = f.read()
    with zipfile.ZipFile(path) as archive:
        files["model_members"] = {n: archive.read(n) for n in archive.namelist()}
    phrases = learn_phrases(sentences, passes=1, min_count=1, threshold=0.0)
    path = os.path.join(scratch, "valid-phrases")
    phrases.save(path)
    with open(path, "rb") as f:
        files["phrases"] = f.read()
    return files


def test_valid_samples_load(valid_files, scratch):
    """The unmutated samples are valid, so the mutation tests start from real files."""
    assert formats.load_word2vec(write(scratch, "t", valid_files["w2v_text"])).words[2] == "café"
    assert len(formats.load_word2vec(write(scratch, "b", valid_files["w2v_binary"]),
                                     binary=True)) == 4
    assert formats.load_glove(write(scratch, "g", valid_files["glove"])).dim == 3
    assert "new" in Word2Vec.load(write(scratch, "m", valid_files["model"])).vocabulary_
    assert len(PhraseModel.load(write(scratch, "p", valid_files["phrases"])).tables) == 1
    assert len(Vocabulary.load(write(scratch, "v", VOCAB))) == 4
    assert sum(map(len, TextCorpus(write(scratch, "c", CORPUS)))) == 14
    kv = sample_kv()
    assert evaluate_analogies(kv, write(scratch, "a", ANALOGIES)).oov == 3
    assert len(evaluate_similarity(kv, write(scratch, "s", PAIRS)).oov_pairs) == 3


# -- corpus ------------------------------------------------------------------------------------

def read_corpus(path: str, errors: str, small_blocks: bool) -> int:
    original = corpus_module._BLOCK_SIZE
    corpus_module._BLOCK_SIZE = SMALL_BLOCK if small_blocks else original
    try:
        return sum(len(sentence) for sentence in TextCorpus(path, errors=errors,
                                                            max_sentence_length=3))
    finally:
        corpus_module._BLOCK_SIZE = original


@FUZZ
@given(data=st.one_of(ARBITRARY, mutated(CORPUS)),
       errors=st.sampled_from(corpus_module.ENCODING_ERRORS), small_blocks=st.booleans())
def test_text_corpus_reads_or_raises_corpus_errors(scratch, data, errors, small_blocks):
    path = write(scratch, "corpus", data)
    load_or_library_error(read_corpus, path, errors, small_blocks)


@FUZZ
@given(data=st.one_of(ARBITRARY, mutated(CORPUS)), small_blocks=st.booleans())
def test_replace_and_ignore_never_fail_on_plain_text_without_nul(scratch, data, small_blocks):
    """Beyond not crashing: with errors='replace' or 'ignore', a plain file without NUL
    bytes (so not binary, not compressed) always reads, and gives str.split()'s tokens."""
    data = b"x" + data.replace(b"\x00", b" ")  # no NUL, and no compression magic first
    path = write(scratch, "corpus-text", data)
    for errors in ("replace", "ignore"):
        expected = len(data.decode("utf-8", errors).split())
        assert read_corpus(path, errors, small_blocks) == expected


# -- vocabulary ----------------------------------------------------------------------------------

@FUZZ
@given(data=st.one_of(ARBITRARY, mutated(VOCAB)))
def test_vocabulary_load_reads_or_raises(scratch, data):
    vocab = load_or_library_error(Vocabulary.load, write(scratch, "vocab", data))
    if vocab is not None:
        assert len(vocab) >= 1 and (vocab.counts >= 0).all()


# -- vectors files -------------------------------------------------------------------------------

def check_vectors(kv) -> None:
    """A loaded KeyedVectors is whole: finite float32, one row per distinct word."""
    if kv is None:
        return
    assert kv.vectors.dtype == np.float32 and kv.vectors.ndim == 2
    assert np.isfinite(kv.vectors).all()
    assert len(kv.words) == len(set(kv.words)) == kv.vectors.shape[0]


@FUZZ
@given(st.data())
def test_word2vec_readers_read_or_raise(scratch, valid_files, data):
    source = data.draw(st.one_of(ARBITRARY, mutated(valid_files["w2v_text"]),
                                 mutated(valid_files["w2v_binary"])))
    binary = data.draw(st.sampled_from([True, False, None]))
    path = write(scratch, "w2v", source)
    check_vectors(load_or_library_error(formats.load_word2vec, path, binary=binary))


@FUZZ
@given(st.data())
def test_glove_and_auto_readers_read_or_raise(scratch, valid_files, data):
    source = data.draw(st.one_of(ARBITRARY, mutated(valid_files["glove"]),
                                 mutated(valid_files["w2v_text"]),
                                 mutated(valid_files["w2v_binary"])))
    path = write(scratch, "vectors", source)
    check_vectors(load_or_library_error(formats.load_glove, path))
    check_vectors(load_or_library_error(formats.load_vectors, path, format="auto"))


@FUZZ
@given(count=st.integers(10**6, 10**13), dim=st.integers(1, 1 << 20),
       body=st.binary(max_size=64), kind=st.sampled_from(["plain", "gzip"]))
def test_a_header_claiming_huge_counts_does_not_allocate_for_them(scratch, count, dim, body,
                                                                  kind):
    data = f"{count} {dim}\n".encode() + body
    if kind == "gzip":
        data = gzip.compress(data)
    path = write(scratch, "huge-header", data)
    tracemalloc.start()
    try:
        for binary in (True, False, None):
            load_or_library_error(formats.load_word2vec, path, binary=binary)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Bounded by the reader's caps, whatever the header says (10^13 rows of even one
    # float would be 40 TB): 64 MiB of rows allocated up front, and a first line of up to
    # 32 bytes per dimension read (and copied once) to tell text from binary.
    assert peak < MAX_READER_BYTES, f"peak {peak / 2**20:.0f} MiB"


# -- native model file ------------------------------------------------------------------------

def rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def check_model(path: str) -> None:
    result = load_or_library_error(formats.read_model_file, path)
    model = load_or_library_error(Word2Vec.load, path)
    if model is not None:
        assert result is not None
        assert model.word_vectors_.shape == (len(model.vocabulary_), model.dim)
        assert np.isfinite(model.word_vectors_).all()
    check_vectors(load_or_library_error(formats.load_vectors, path))


@FUZZ_MODEL
@given(st.data())
def test_model_readers_read_or_raise_on_a_mutated_archive(scratch, valid_files, data):
    source = data.draw(st.one_of(ARBITRARY, mutated(valid_files["model"])))
    check_model(write(scratch, "model", source))


@FUZZ_MODEL
@given(st.data())
def test_model_readers_read_or_raise_on_mutated_members(scratch, valid_files, data):
    """Edits inside one member of an intact archive (so CRCs match): the JSON header,
    the vocabulary and the .npy parsers see the damage, not the zip layer."""
    members = dict(valid_files["model_members"])
    name = data.draw(st.sampled_from(sorted(members)))
    members[name] = data.draw(mutated(members[name]))
    check_model(write(scratch, "model-members", rezip(members)))


# -- evaluation files and phrase tables ---------------------------------------------------------

@FUZZ
@given(data=st.one_of(ARBITRARY, mutated(ANALOGIES), mutated(PAIRS)))
def test_evaluation_readers_read_or_raise(scratch, data):
    kv = sample_kv()
    path = write(scratch, "evaluation-set.txt", data)
    load_or_library_error(evaluate_analogies, kv, path)
    load_or_library_error(evaluate_similarity, kv, path)


@FUZZ
@given(st.data())
def test_phrase_table_loader_reads_or_raises(scratch, valid_files, data):
    source = data.draw(st.one_of(ARBITRARY, mutated(valid_files["phrases"])))
    load_or_library_error(PhraseModel.load, write(scratch, "phrases", source))
