"""File formats: round trips, gensim interoperability, malformed files, the model file."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import time
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from w2v import formats
from w2v.cli import main
from w2v.errors import FormatError, ParameterError
from w2v.vectors import KeyedVectors


def make_kv(n_words=30, dim=7, seed=0, words=None):
    rng = np.random.default_rng(seed)
    words = words or [f"w{i}" for i in range(n_words)]
    return KeyedVectors(words, rng.standard_normal((len(words), dim)).astype(np.float32))


def bits(array):
    """The exact float32 bit patterns (tells -0.0 from 0.0, unlike ==)."""
    return np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)


def c_tool_binary(words, vectors, *, newline=True):
    """Bytes as word2vec.c writes them (newline=True) or as gensim does (False)."""
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    for word, row in zip(words, vectors):
        out.append(word.encode() + b" " + row.astype("<f4").tobytes() + (b"\n" if newline
                                                                       else b""))
    return b"".join(out)


# -- round trips -------------------------------------------------------------------------
# Values that stress a text format: signed zero, subnormals, the float32 extremes, values
# whose shortest decimal is long.
AWKWARD = np.array([0.0, -0.0, 1e-45, -1.4e-45, 1.17549435e-38, 3.4028235e38, -3.4028235e38,
                    0.1, 1 / 3, 16777217.0, 2.0 ** -24, 123456.789], dtype=np.float32)


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trip_is_exact(tmp_path, binary):
    kv = make_kv(words=["the", "über", "日本", "a-b_c", "x" * 200, "é"], dim=len(AWKWARD))
    kv.vectors[0] = AWKWARD
    path = tmp_path / "v.w2v"
    formats.save_word2vec(path, kv, binary=binary)
    back = formats.load_word2vec(path)
    assert back.words == kv.words
    assert np.array_equal(bits(back.vectors), bits(kv.vectors))


def test_glove_round_trip_is_exact(tmp_path):
    kv = make_kv(dim=len(AWKWARD))
    kv.vectors[3] = AWKWARD
    formats.save_glove(tmp_path / "v.glove", kv)
    back = formats.load_glove(tmp_path / "v.glove")
    assert back.words == kv.words
    assert np.array_equal(bits(back.vectors), bits(kv.vectors))
    assert not (tmp_path / "v.glove").read_bytes().startswith(b"30 ")


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 6)),
                  elements=st.floats(width=32, allow_nan=False, allow_infinity=False)))
def test_text_format_round_trips_any_finite_float32(values):
    kv = KeyedVectors([f"w{i}" for i in range(len(values))], values)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v.txt")
        formats.save_word2vec(path, kv)
        assert np.array_equal(bits(formats.load_word2vec(path).vectors), bits(values))


def test_text_values_use_nine_significant_digits(tmp_path):
    kv = KeyedVectors(["a"], np.array([[0.1, -2.5]], dtype=np.float32))
    formats.save_word2vec(tmp_path / "v.txt", kv)
    assert (tmp_path / "v.txt").read_text().splitlines()[1] == "a 0.100000001 -2.5"


def test_text_detection_copes_with_other_encodings_and_no_final_newline(tmp_path):
    (tmp_path / "latin1").write_bytes("2 2\ncafé 1 2\nthé 3 4\n".encode("latin-1"))
    kv = formats.load_word2vec(tmp_path / "latin1", encoding="latin-1")
    assert kv.words == ["café", "thé"]
    (tmp_path / "short").write_bytes(b"1 2\na 1 2")
    assert formats.load_word2vec(tmp_path / "short").words == ["a"]
    assert formats.load_vectors(tmp_path / "short").words == ["a"]


def test_binary_layout_is_the_c_tools(tmp_path):
    kv = make_kv(n_words=3, dim=4)
    formats.save_word2vec(tmp_path / "v.bin", kv, binary=True)
    assert (tmp_path / "v.bin").read_bytes() == c_tool_binary(kv.words, kv.vectors)


@pytest.mark.parametrize("newline", [True, False])
def test_reads_binary_with_and_without_newline_after_vectors(tmp_path, newline):
    kv = make_kv(n_words=50, dim=5)
    (tmp_path / "v.bin").write_bytes(c_tool_binary(kv.words, kv.vectors, newline=newline))
    back = formats.load_word2vec(tmp_path / "v.bin", binary=True)
    assert back.words == kv.words and np.array_equal(bits(back.vectors), bits(kv.vectors))


@pytest.mark.parametrize("binary", [False, True])
def test_limit_and_compressed_input(tmp_path, binary):
    kv = make_kv(n_words=40)
    formats.save_word2vec(tmp_path / "v", kv, binary=binary)
    with gzip.open(tmp_path / "v.gz", "wb") as f:
        f.write((tmp_path / "v").read_bytes())
    back = formats.load_word2vec(tmp_path / "v.gz", limit=10)
    assert back.words == kv.words[:10]
    assert np.array_equal(back.vectors, kv.vectors[:10])
    assert formats.load_vectors(tmp_path / "v.gz").words == kv.words


def test_load_vectors_detects_each_format(tmp_path):
    kv = make_kv()
    formats.save_word2vec(tmp_path / "bin", kv, binary=True)
    formats.save_word2vec(tmp_path / "txt", kv)
    formats.save_glove(tmp_path / "glove", kv)
    formats.save_model_file(tmp_path / "model", header={}, words=kv.words,
                            counts=np.arange(len(kv))[::-1],
                            arrays={"word_vectors": kv.vectors})
    for name in ("bin", "txt", "glove", "model"):
        back = formats.load_vectors(tmp_path / name)
        assert back.words == kv.words and np.array_equal(back.vectors, kv.vectors), name
    assert formats.load_vec(tmp_path / "txt").words == kv.words
    explicit = {"bin": "word2vec", "txt": "word2vec-text", "glove": "glove", "model": "model"}
    for name, fmt in explicit.items():
        assert formats.load_vectors(tmp_path / name, format=fmt, limit=3).words == kv.words[:3]


def test_binary_reading_is_fast(tmp_path):
    # 20k x 300 is 24 MB; reading it float by float in Python takes many seconds.
    n_words, dim, budget_s = 20_000, 300, 5.0
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n_words, dim)).astype(np.float32)
    (tmp_path / "v.bin").write_bytes(c_tool_binary([f"w{i}" for i in range(n_words)],
                                                   vectors))
    start = time.perf_counter()
    back = formats.load_word2vec(tmp_path / "v.bin")
    assert time.perf_counter() - start < budget_s
    assert np.array_equal(back.vectors, vectors)


# -- gensim ------------------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    kv = make_kv(words=["king", "queen", "über", "日本"] + [f"w{i}" for i in range(20)])
    formats.save_word2vec(tmp_path / "ours", kv, binary=binary)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(tmp_path / "ours", binary=binary)
    assert list(theirs.index_to_key) == kv.words
    assert np.array_equal(bits(theirs.vectors), bits(kv.vectors))

    theirs.save_word2vec_format(str(tmp_path / "gensim"), binary=binary)
    back = formats.load_word2vec(tmp_path / "gensim")  # format detected
    assert back.words == kv.words
    assert np.array_equal(bits(back.vectors), bits(kv.vectors))


# -- malformed files ---------------------------------------------------------------------
@pytest.mark.parametrize("content,match", [
    (b"", "empty file"),
    (b"3 x\na 1\n", r"v:1: header .* is not two integers"),
    (b"2 2\na 1 2\n", r"v:3: file ends after 1 of the 2 vectors"),
    (b"1 2\na 1 2\nb 3 4\n", r"v: byte 10: more data after the 1 vectors"),
    (b"2 2\na 1 2\nb 3\n", r"v:3: 1 values for 'b' \(expected 2, as the header says"),
    (b"2 2\na 1 2\nb 3 4 5\n", r"v:3: 3 values for 'b'"),
    (b"2 2\na 1 2\nb 3 four\n", r"v:3: value b'four' of 'b' is not a number"),
    (b"2 2\na 1 2\nb 3 nan\n", r"v:3: vector of 'b' holds NaN"),
    (b"2 2\na 1 2\nb inf 1\n", r"v:3: vector of 'b' holds NaN"),
    (b"2 2\na 1 2\nb 1e39 1\n", r"v:3: vector of 'b' holds NaN, infinity or a value beyond"),
    (b"2 2\na 1 2\na 3 4\n", r"v:3: duplicate word 'a' \(first at line 2"),
    (b"2 2\na 1 2\n\nb 3 4\n", r"v:3: line is empty"),
    (b"1 2\n\xff\xfe 1 2\n", r"v:2: word .* is not valid utf-8"),
    (b"1 2000000000\na 1\n", r"v:1: header says 1 words of dimension 2000000000"),
])
def test_malformed_text_files(tmp_path, content, match):
    (tmp_path / "v").write_bytes(content)
    with pytest.raises(FormatError, match=match):
        formats.load_word2vec(tmp_path / "v", binary=False)


def binary_file(tmp_path, words=("a", "b"), dim=3, newline=True, values=None):
    vectors = (np.arange(len(words) * dim, dtype=np.float32).reshape(len(words), dim)
               if values is None else values)
    data = c_tool_binary(list(words), vectors, newline=newline)
    (tmp_path / "v").write_bytes(data)
    return data


def test_truncated_binary_names_the_byte(tmp_path):
    data = binary_file(tmp_path)
    for cut in (len(data) - 3, 12, 7):
        (tmp_path / "v").write_bytes(data[:cut])
        with pytest.raises(FormatError, match=r"v: byte \d+: file ends .* after [01] of the 2 "
                                              "vectors"):
            formats.load_word2vec(tmp_path / "v", binary=True)


def test_binary_header_count_disagreeing_with_content(tmp_path):
    data = binary_file(tmp_path)
    (tmp_path / "v").write_bytes(b"1" + data[1:])  # header says 1 word, file holds 2
    with pytest.raises(FormatError, match=r"v: byte 19: more data after the 1 vectors"):
        formats.load_word2vec(tmp_path / "v")
    (tmp_path / "v").write_bytes(b"3" + data[1:])
    with pytest.raises(FormatError, match="after 2 of the 3 vectors"):
        formats.load_word2vec(tmp_path / "v")


def test_binary_nan_and_duplicate_words(tmp_path):
    binary_file(tmp_path, values=np.array([[1, 2, 3], [4, np.inf, 6]], np.float32))
    with pytest.raises(FormatError, match=r"v: byte 19: vector of 'b' holds NaN, infinity"):
        formats.load_word2vec(tmp_path / "v")
    binary_file(tmp_path, words=("a", "a"), newline=False)
    with pytest.raises(FormatError, match=r"v: byte 18: duplicate word 'a' \(first at byte 4"):
        formats.load_word2vec(tmp_path / "v")


def test_text_read_as_binary_and_binary_read_as_text(tmp_path):
    formats.save_word2vec(tmp_path / "t", make_kv(), binary=False)
    with pytest.raises(FormatError, match=r"t:2: looks like the word2vec text format "
                                          r"\(expected binary"):
        formats.load_word2vec(tmp_path / "t", binary=True)
    formats.save_word2vec(tmp_path / "b", make_kv(), binary=True)
    with pytest.raises(FormatError, match=r"b:2: looks like the binary word2vec format "
                                          r"\(expected text"):
        formats.load_word2vec(tmp_path / "b", binary=False)
    with pytest.raises(FormatError, match="b:2"):
        formats.load_vectors(tmp_path / "b", format="glove")


def test_malformed_glove_files(tmp_path):
    path = tmp_path / "g"
    path.write_bytes(b"a 1 2\nb 1 2 3\n")
    with pytest.raises(FormatError, match=r"g:2: 3 values for 'b' \(expected 2, as on line 1"):
        formats.load_glove(path)
    path.write_bytes(b"a 1 2\nb 1 2\na 3 4\n")
    with pytest.raises(FormatError, match=r"g:3: duplicate word 'a' \(first at line 1"):
        formats.load_glove(path)
    path.write_bytes(b"2 3\na 1 2 3\nb 4 5 6\n")
    with pytest.raises(FormatError, match="line 1 looks like a word2vec header"):
        formats.load_glove(path)
    path.write_bytes(b"\n\n")
    with pytest.raises(FormatError, match="no vectors"):
        formats.load_glove(path)
    path.write_bytes(b"a 1 2\nb 1 2\n\n")  # trailing blank lines are fine
    assert formats.load_glove(path).words == ["a", "b"]


def test_missing_file_and_bad_parameters(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        formats.load_vectors(tmp_path / "missing")
    formats.save_word2vec(tmp_path / "v", make_kv())
    with pytest.raises(ParameterError, match="parameter format="):
        formats.load_vectors(tmp_path / "v", format="pickle")
    with pytest.raises(ParameterError, match="parameter limit=0"):
        formats.load_word2vec(tmp_path / "v", limit=0)
    with pytest.raises(ParameterError, match="parameter kv="):
        formats.save_word2vec(tmp_path / "x", "not vectors")


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.binary(max_size=300),
    st.builds(lambda n, d, body: f"{n} {d}\n".encode() + body,
              st.integers(0, 5), st.integers(1, 4), st.binary(max_size=200)),
    st.builds(lambda body: gzip.compress(body), st.binary(max_size=100)),
    st.builds(lambda body: b"PK\x03\x04" + body, st.binary(max_size=100)),
))
def test_arbitrary_bytes_load_or_raise_format_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v")
        with open(path, "wb") as f:
            f.write(data)
        try:
            kv = formats.load_vectors(path)
        except FormatError:
            return
        assert kv.vectors.dtype == np.float32 and np.all(np.isfinite(kv.vectors))


# -- writing errors ----------------------------------------------------------------------
@pytest.mark.parametrize("save", [
    lambda p, kv: formats.save_word2vec(p, kv),
    lambda p, kv: formats.save_word2vec(p, kv, binary=True),
    lambda p, kv: formats.save_glove(p, kv),
])
def test_words_with_whitespace_are_refused_and_the_target_kept(tmp_path, save):
    (tmp_path / "v").write_bytes(b"old")
    for word in ("new york", "tab\there", "line\nbreak"):
        with pytest.raises(FormatError, match="holds whitespace"):
            save(tmp_path / "v", make_kv(words=["ok", word]))
    kv = make_kv(words=["a", "b"])
    kv.vectors[1, 0] = np.nan
    with pytest.raises(ParameterError, match="NaN"):
        save(tmp_path / "v", kv)
    assert (tmp_path / "v").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["v"]  # no temporary file left behind


# -- native model file -------------------------------------------------------------------
def save_model(path, n_words=20, dim=5, context_rows=None, **extra):
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(n_words)]
    arrays = {"word_vectors": rng.standard_normal((n_words, dim)).astype(np.float32),
              "context_vectors": rng.standard_normal((context_rows or n_words, dim))
              .astype(np.float32),
              "loss_history": np.array([3.5, 2.25])}
    arrays.update(extra)
    counts = np.arange(n_words, 0, -1) * 10
    formats.save_model_file(path, header={"params": {"dim": dim}, "note": "ü"}, words=words,
                            counts=counts, arrays=arrays)
    return words, counts, arrays


def test_model_file_round_trip_is_bit_exact(tmp_path):
    words, counts, arrays = save_model(tmp_path / "m")
    assert formats.is_model_file(tmp_path / "m")
    header, words2, counts2, arrays2 = formats.read_model_file(tmp_path / "m")
    assert header == {"params": {"dim": 5}, "note": "ü", "format": formats.MODEL_FORMAT,
                      "format_version": formats.MODEL_FORMAT_VERSION}
    assert words2 == words and np.array_equal(counts2, counts)
    assert arrays2.keys() == arrays.keys()
    for name in arrays:
        assert arrays2[name].dtype == arrays[name].dtype
        assert arrays2[name].tobytes() == arrays[name].tobytes()
    with zipfile.ZipFile(tmp_path / "m") as archive:
        assert {m.compress_type for m in archive.infolist()} == {zipfile.ZIP_STORED}
        assert archive.read("vocab.txt").decode().splitlines()[0] == "w0 200"


def test_load_keyed_vectors_in_out_sum(tmp_path):
    words, counts, arrays = save_model(tmp_path / "m")
    kv_in = formats.load_keyed_vectors(tmp_path / "m")
    assert kv_in.words == words and np.array_equal(kv_in.counts, counts)
    assert np.array_equal(kv_in.vectors, arrays["word_vectors"])
    assert np.array_equal(formats.load_keyed_vectors(tmp_path / "m", vectors="out").vectors,
                          arrays["context_vectors"])
    assert np.array_equal(formats.load_keyed_vectors(tmp_path / "m", vectors="sum").vectors,
                          arrays["word_vectors"] + arrays["context_vectors"])
    save_model(tmp_path / "hs", context_rows=19)  # hierarchical softmax: V - 1 node vectors
    for kind in ("out", "sum"):
        with pytest.raises(ParameterError, match="hierarchical softmax"):
            formats.load_keyed_vectors(tmp_path / "hs", vectors=kind)
    formats.save_word2vec(tmp_path / "v", kv_in)
    with pytest.raises(ParameterError, match="parameter vectors='out'"):
        formats.load_keyed_vectors(tmp_path / "v", vectors="out")
    assert formats.load_keyed_vectors(tmp_path / "v").words == words


def rewrite_member(path, name, data):
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    if data is None:
        del members[name]
    else:
        members[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for n, content in members.items():
            archive.writestr(n, content)


def test_model_file_from_a_newer_w2v(tmp_path):
    save_model(tmp_path / "m")
    header = {"format": formats.MODEL_FORMAT, "format_version": 2}
    rewrite_member(tmp_path / "m", "header.json", json.dumps(header).encode())
    with pytest.raises(FormatError, match=r"m: written by a newer w2v \(format_version 2; "
                                          r"this w2v reads up to 1\)"):
        formats.read_model_file(tmp_path / "m")


@pytest.mark.parametrize("member,data,match", [
    ("header.json", b"{not json", "not UTF-8 JSON"),
    ("header.json", b'{"format": "other", "format_version": 1}', "format 'other'"),
    ("header.json", b'{"format": "w2v-model", "format_version": "1"}', "format_version '1'"),
    ("header.json", None, "no header.json inside"),
    ("vocab.txt", None, "no vocab.txt inside"),
    ("vocab.txt", b"w0 10\nw1\n", r"\[vocab.txt\]:2: 'w1' \(expected 'word count'\)"),
    ("vocab.txt", b"w0 10\nw0 5\n", r"\[vocab.txt\]:2: duplicate word 'w0'"),
    ("word_vectors.npy", b"\x93NUMPY garbage", r"\[word_vectors.npy\]: not a numeric"),
])
def test_malformed_model_files(tmp_path, member, data, match):
    save_model(tmp_path / "m")
    rewrite_member(tmp_path / "m", member, data)
    with pytest.raises(FormatError, match=match):
        formats.read_model_file(tmp_path / "m")


def test_model_file_refuses_pickles_and_wrong_shapes(tmp_path):
    save_model(tmp_path / "m")
    import io
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    rewrite_member(tmp_path / "m", "evil.npy", buffer.getvalue())
    with pytest.raises(FormatError, match=r"\[evil.npy\]: not a numeric .npy array"):
        formats.read_model_file(tmp_path / "m")
    save_model(tmp_path / "m2", word_vectors=np.zeros((3, 5), np.float32))
    with pytest.raises(FormatError, match=r"word_vectors has shape \(3, 5\) \(expected 20 rows"):
        formats.read_model_file(tmp_path / "m2")


def test_model_file_corruption_and_non_zip(tmp_path):
    save_model(tmp_path / "m")
    data = bytearray((tmp_path / "m").read_bytes())
    (tmp_path / "cut").write_bytes(bytes(data[:len(data) // 2]))
    assert not formats.is_model_file(tmp_path / "cut")
    with pytest.raises(FormatError, match="cut: not a readable zip archive"):
        formats.read_model_file(tmp_path / "cut")
    (tmp_path / "text").write_bytes(b"2 2\na 1 2\n")
    assert not formats.is_model_file(tmp_path / "text")
    with pytest.raises(FormatError, match="text: not a readable zip archive"):
        formats.read_model_file(tmp_path / "text")


def test_save_model_file_validates_its_input(tmp_path):
    good = dict(header={}, words=["a", "b"], counts=np.array([2, 1]),
                arrays={"word_vectors": np.zeros((2, 3), np.float32)})
    for change, match in [({"words": ["a", "a b"]}, "without whitespace"),
                          ({"words": ["a", "a"]}, "unique words"),
                          ({"counts": np.array([1.5, 2])}, "parameter counts"),
                          ({"arrays": {"bad name": np.zeros(2)}}, "name 'bad name'"),
                          ({"arrays": {"x": np.array(["s"])}}, "numeric numpy array"),
                          ({"header": {"x": object()}}, "JSON-serialisable")]:
        with pytest.raises(ParameterError, match=match):
            formats.save_model_file(tmp_path / "m", **{**good, **change})
    assert not (tmp_path / "m").exists()


# -- CLI ---------------------------------------------------------------------------------
@pytest.fixture
def vectors_file(tmp_path):
    rng = np.random.default_rng(11)
    dim = 30
    base = {w: rng.standard_normal(dim) for w in ("man", "woman", "royal")}
    table = {"man": base["man"], "woman": base["woman"], "king": base["man"] + base["royal"],
             "queen": base["woman"] + base["royal"] + 0.05 * rng.standard_normal(dim)}
    table.update({f"filler{i}": 2 * rng.standard_normal(dim) for i in range(30)})
    kv = KeyedVectors(list(table), np.array(list(table.values())))
    formats.save_word2vec(tmp_path / "vectors.txt", kv)
    return tmp_path / "vectors.txt", kv


def test_cli_similar_prints_an_aligned_table(vectors_file, capsys):
    path, kv = vectors_file
    assert main(["similar", str(path), "king", "woman", "--negative", "man", "--topn", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = kv.most_similar(["king", "woman"], ["man"], topn=4)
    assert lines[1].split()[:2] == ["1", "queen"]
    assert [line.split()[1] for line in lines[1:]] == [w for w, _ in expected]
    assert [float(line.split()[2]) for line in lines[1:]] == pytest.approx(
        [s for _, s in expected], abs=1e-4)
    assert len({line.index(line.split()[2]) for line in lines[1:]}) == 1  # aligned column


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_cli_analogy(vectors_file, capsys, method):
    path, _ = vectors_file
    assert main(["analogy", str(path), "man", "king", "woman", "--method", method]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "man is to king as woman is to:"
    assert lines[2].split()[1] == "queen" and len(lines) == 2 + 5


def test_cli_unknown_word_and_bad_vectors_choice(vectors_file, capsys):
    path, kv = vectors_file
    assert main(["similar", str(path), "xyz"]) == 2
    assert capsys.readouterr().err == (f"w2v: error: word 'xyz' is not in the vocabulary "
                                       f"({len(kv)} words)\n")
    assert main(["analogy", str(path), "man", "king", "xyz"]) == 2
    assert "'xyz' is not in the vocabulary" in capsys.readouterr().err
    assert main(["similar", str(path), "king", "--vectors", "out"]) == 2
    assert "parameter vectors='out'" in capsys.readouterr().err


@pytest.mark.parametrize("fmt,reader", [
    ("word2vec", lambda p: formats.load_word2vec(p, binary=True)),
    ("word2vec-text", lambda p: formats.load_word2vec(p, binary=False)),
    ("glove", formats.load_glove),
])
def test_cli_convert(vectors_file, tmp_path, capsys, fmt, reader):
    path, kv = vectors_file
    out = tmp_path / f"out.{fmt}"
    assert main(["convert", str(path), str(out), "--format", fmt]) == 0
    assert f"wrote {len(kv)} vectors" in capsys.readouterr().out
    back = reader(out)
    assert back.words == kv.words and np.array_equal(back.vectors, kv.vectors)


def test_cli_convert_model_output_vectors(tmp_path, capsys):
    words, _, arrays = save_model(tmp_path / "m")
    assert main(["convert", str(tmp_path / "m"), str(tmp_path / "o"), "--format", "word2vec",
                 "--vectors", "out"]) == 0
    assert np.array_equal(formats.load_vectors(tmp_path / "o").vectors,
                          arrays["context_vectors"])
    assert main(["similar", str(tmp_path / "m"), "w1", "--vectors", "sum", "--topn", "2"]) == 0
