"""Tests of w2v.evaluation and `w2v evaluate`: equality with gensim on the same vectors,
3CosMul, correlations against scipy, file parsing and errors, reports and the CLI."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import math
import os
from importlib import resources

import numpy as np
import pytest
from scipy import stats

from w2v import evaluation
from w2v.errors import EvaluationDataError, ParameterError
from w2v.evaluation import (COSMUL_EPSILON, SUITES, evaluate, evaluate_analogies,
                            evaluate_similarity, format_comparison, pearson, spearman)
from w2v.vectors import KeyedVectors

gensim_models = pytest.importorskip("gensim.models")

DIM = 24
SEED = 1234
#: Fraction of the evaluation words left out of the model, so that some questions are OOV.
DROPPED_FRACTION = 0.03
#: Words at the end of the vocabulary that restrict_vocab cuts off.
CUT_BY_RESTRICTION = 40


def bundled_path(kind: str, filename: str) -> str:
    return str(resources.files("w2v").joinpath("data", "eval", kind, filename))


GOOGLE = bundled_path("analogy", "questions-words.txt")
WS353 = bundled_path("similarity", "ws353.txt")


def google_pairs() -> dict[str, set[tuple[str, str]]]:
    """Section -> the (a, b) word pairs its questions are built from (lower-cased)."""
    sections: dict[str, set] = {}
    with open(GOOGLE, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                current = sections.setdefault(line[1:].strip(), set())
                continue
            a, b, c, d = line.lower().split()
            current.update([(a, b), (c, d)])
    return sections


def build_model() -> KeyedVectors:
    """Vectors with partial analogy structure over the Google and WS-353 words.

    Each section has a relation vector; the second word of each pair is pulled halfway
    towards first + relation, so some questions are answered right and many wrong. A
    few words are dropped (OOV), a more frequent upper-case variant precedes one word,
    and capitalised variants of other words follow at the end (past restrict_vocab for
    some of them).
    """
    rng = np.random.default_rng(SEED)
    sections = google_pairs()
    words = {w for pairs in sections.values() for pair in pairs for w in pair}
    with open(WS353, encoding="utf-8") as f:
        for line in f:
            words.update(w.lower() for w in line.split("\t")[:2])
    words = sorted(words)
    rng.shuffle(words)
    words = words[int(DROPPED_FRACTION * len(words)):]
    row = {w: i for i, w in enumerate(words)}
    vectors = rng.standard_normal((len(words), DIM))
    for pairs in sections.values():
        relation = 0.6 * rng.standard_normal(DIM)
        for x, y in sorted(pairs):
            if x in row and y in row:
                vectors[row[y]] = 0.5 * vectors[row[y]] + 0.5 * (vectors[row[x]] + relation)
    upper_first = words[200].upper()  # more frequent than its lower-case form
    variants = [w.capitalize() for w in words[:CUT_BY_RESTRICTION + 20]]
    all_words = words[:10] + [upper_first] + words[10:] + variants
    all_vectors = np.vstack([vectors[:10], rng.standard_normal((1, DIM)), vectors[10:],
                             rng.standard_normal((len(variants), DIM))])
    return KeyedVectors(all_words, all_vectors.astype(np.float32))


def to_gensim(kv: KeyedVectors):
    g = gensim_models.KeyedVectors(vector_size=kv.dim)
    g.add_vectors(kv.words, kv.vectors)
    return g


@pytest.fixture(scope="module")
def model() -> KeyedVectors:
    return build_model()


@pytest.fixture(scope="module")
def gensim_model(model):
    return to_gensim(model)


# -- equality with gensim ------------------------------------------------------------------

@pytest.mark.parametrize("case_insensitive", [True, False])
def test_google_analogies_equal_gensim(model, gensim_model, case_insensitive):
    restrict = len(model) - CUT_BY_RESTRICTION
    ours = evaluate_analogies(model, "google", restrict_vocab=restrict,
                              case_insensitive=case_insensitive)
    score, sections = gensim_model.evaluate_word_analogies(
        GOOGLE, restrict_vocab=restrict, case_insensitive=case_insensitive)
    gensim_sections, gensim_total = sections[:-1], sections[-1]
    assert [s.name for s in ours.sections] == [s["section"] for s in gensim_sections]
    for mine, theirs in zip(ours.sections, gensim_sections):
        assert mine.correct == len(theirs["correct"])
        assert mine.evaluated == len(theirs["correct"]) + len(theirs["incorrect"])
    assert ours.total.evaluated == len(gensim_total["correct"]) + len(gensim_total["incorrect"])
    assert abs(ours.accuracy - score) < 1e-9
    assert ours.oov == ours.total.questions - ours.total.evaluated
    assert ours.total.questions == 19544
    if case_insensitive:  # the structure must be visible, or equality proves little
        assert 0.2 < ours.accuracy < 0.9
        assert ours.oov > 0


def test_google_semantic_syntactic_groups(model):
    result = evaluate_analogies(model, "google")
    syntactic = [s for s in result.sections if s.name.startswith("gram")]
    semantic = [s for s in result.sections if not s.name.startswith("gram")]
    assert len(syntactic) == 9 and len(semantic) == 5
    assert result.syntactic.correct == sum(s.correct for s in syntactic)
    assert result.semantic.evaluated == sum(s.evaluated for s in semantic)
    assert result.semantic.oov + result.syntactic.oov == result.total.oov


def test_ws353_equal_gensim(model, gensim_model):
    restrict = len(model) - CUT_BY_RESTRICTION
    ours = evaluate_similarity(model, "ws353", restrict_vocab=restrict)
    (pearson_r, _), (spearman_rho, _), oov_percent = gensim_model.evaluate_word_pairs(
        WS353, restrict_vocab=restrict)
    assert abs(ours.spearman - spearman_rho) < 1e-9
    # Cosines are float64 here, float32 in gensim: Pearson agrees to float32 precision.
    assert abs(ours.pearson - pearson_r) < 1e-6
    assert abs(100.0 * ours.oov_ratio - oov_percent) < 1e-9
    assert ours.pairs_total == 353
    assert 0 < len(ours.oov_pairs) == ours.pairs_total - ours.pairs_found


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")
def test_cosmul_equals_gensim_most_similar_cosmul():
    """Our 3CosMul solver, at gensim's epsilon, gives most_similar_cosmul's answers."""
    rng = np.random.default_rng(SEED + 1)
    kv = build_model()
    lower = [w for w in kv.words if w == w.lower()]  # no case variants: gensim has none
    kv = KeyedVectors(lower, np.stack([kv[w] for w in lower]))
    g = to_gensim(kv)
    questions = [line.lower().split() for line in open(GOOGLE, encoding="utf-8")
                 if not line.startswith(":")]
    questions = [q for q in questions if all(w in kv for w in q[:3])]
    sample = [questions[i] for i in rng.choice(len(questions), 300, replace=False)]
    rows = np.array([[kv.index[w] for w in q[:3]] for q in sample])
    gensim_epsilon = 1e-6  # the constant in gensim's most_similar_cosmul
    answers = evaluation._solve_analogies(kv.unit_vectors(), rows[:, 0], rows[:, 1],
                                          rows[:, 2], [], "3cosmul", gensim_epsilon)
    expected = [g.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0]
                for a, b, c, _ in sample]
    assert [kv.words[i] for i in answers] == expected


def test_cosmul_accuracy_equals_brute_force(model, tmp_path):
    """The public 3CosMul path (blocks, masks, restrict_vocab) against a per-question loop."""
    # Every 40th question of all sections, lower-cased to match the vocabulary exactly.
    lines = open(GOOGLE, encoding="utf-8").read().lower().splitlines()[::40]
    path = tmp_path / "sample.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    restrict = len(model) - CUT_BY_RESTRICTION
    result = evaluate_analogies(model, path, method="3cosmul", restrict_vocab=restrict,
                                case_insensitive=False)
    unit = model.unit_vectors()[:restrict].astype(np.float64)
    known = {w: i for i, w in enumerate(model.words[:restrict])}
    correct = evaluated = 0
    for line in lines:
        words = line.split()
        if line.startswith(":") or not all(w in known for w in words):
            continue
        evaluated += 1
        a, b, c = (unit @ unit[known[w]] for w in words[:3])
        score = ((b + 1) / 2) * ((c + 1) / 2) / ((a + 1) / 2 + COSMUL_EPSILON)
        score[[known[w] for w in words[:3]]] = -np.inf
        correct += model.words[int(np.argmax(score))] == words[3]
    assert result.total.evaluated == evaluated > 100
    assert result.total.correct == correct


# -- semantics on hand-made vectors --------------------------------------------------------

def tiny_model(words_and_vectors) -> KeyedVectors:
    words = [w for w, _ in words_and_vectors]
    return KeyedVectors(words, np.array([v for _, v in words_and_vectors], dtype=np.float32))


def write(path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_case_variant_of_question_word_is_not_an_answer(tmp_path):
    # b - a + c = (1, 1, 0): "B" (a variant of question word b) is the best match,
    # "d" the next; case-insensitively "B" counts as b and is excluded.
    kv = tiny_model([("a", [1, 0, 0]), ("b", [1, 1, 0]), ("c", [1, 0, 0.1]),
                     ("d", [0.9, 1, 0.4]), ("B", [1, 1, 0.05]), ("e", [0, 0, 1])])
    questions = write(tmp_path / "q.txt", "a b c d\n")
    assert evaluate_analogies(kv, questions).total.correct == 1
    assert evaluate_analogies(kv, questions, case_insensitive=False).total.correct == 0


def test_restrict_vocab_limits_known_and_searched_words(tmp_path):
    kv = tiny_model([("a", [1, 0, 0]), ("b", [1, 1, 0]), ("c", [1, 0, 0.1]),
                     ("d", [0.5, 1, 0.9]), ("e", [0, 0, 1]), ("best", [1, 1, 0.1])])
    questions = write(tmp_path / "q.txt", "a b c d\na b c best\n")
    everything = evaluate_analogies(kv, questions, restrict_vocab=None)
    assert (everything.total.correct, everything.total.evaluated) == (1, 2)
    restricted = evaluate_analogies(kv, questions, restrict_vocab=5)
    assert restricted.oov == 1  # "best" is unknown now ...
    assert restricted.total.correct == 1  # ... so "d" wins the first question


def test_questions_without_section_form_one_section_named_after_file(tmp_path):
    kv = tiny_model([("x", [1, 0]), ("y", [0, 1])])
    questions = write(tmp_path / "mine.txt", "# comment\r\n\r\nx y x y\r\nx y q y\r\n")
    result = evaluate_analogies(kv, questions)
    assert [s.name for s in result.sections] == ["mine"]
    assert (result.total.evaluated, result.oov) == (1, 1)
    assert result.semantic is None and result.syntactic is None


def test_similarity_pairs_tab_or_space_and_gzip(tmp_path):
    kv = tiny_model([("cat", [1, 0.1]), ("dog", [1, 0.3]), ("car", [0.2, 1]),
                     ("Road", [0.1, 1])])
    text = "# header\ncat\tdog\t9\ncat car 2.5\ndog\troad\t1e0\ncat unicorn 5\n"
    plain = write(tmp_path / "pairs.txt", text)
    packed = tmp_path / "pairs.txt.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    for source in (plain, packed):
        result = evaluate_similarity(kv, source)
        assert result.name == "pairs"
        assert (result.pairs_found, result.pairs_total) == (3, 4)
        assert result.oov_pairs == (("cat", "unicorn"),)
        gold = [9.0, 2.5, 1.0]
        vectors = kv.vectors.astype(np.float64)
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        cosines = [unit[0] @ unit[1], unit[0] @ unit[2], unit[1] @ unit[3]]
        assert result.spearman == pytest.approx(stats.spearmanr(gold, cosines)[0], abs=1e-12)
        assert result.pearson == pytest.approx(stats.pearsonr(gold, cosines)[0], abs=1e-9)


def test_similarity_with_too_few_pairs_found_is_nan(model, tmp_path):
    pairs = write(tmp_path / "p.txt", "zzzz yyyy 1\nqqqq wwww 2\n")
    result = evaluate_similarity(model, pairs)
    assert result.pairs_found == 0 and math.isnan(result.spearman)
    assert result.to_dict()["spearman"] is None


# -- correlations --------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_spearman_and_pearson_equal_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 60))
    x = rng.integers(0, 6, n).astype(float)  # many ties
    y = x + rng.normal(0, 2, n)
    y[: n // 3] = np.round(y[: n // 3])
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)


def test_correlation_of_constant_or_single_point_is_nan():
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert math.isnan(pearson([1.0], [2.0]))


# -- bad files and parameters --------------------------------------------------------------

@pytest.mark.parametrize("text, line, fragment", [
    (": sec\na b c d\na b c\n", 3, "3 fields"),
    ("a b c d e\n", 1, "5 fields"),
    (": sec\n:\na b c d\n", 2, "empty section name"),
])
def test_malformed_analogy_file_names_file_and_line(model, tmp_path, text, line, fragment):
    path = write(tmp_path / "bad.txt", text)
    with pytest.raises(EvaluationDataError) as info:
        evaluate_analogies(model, path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: ") and fragment in message
    assert "expected" in message


@pytest.mark.parametrize("text, line, fragment", [
    ("cat dog 1\ncat dog\n", 2, "2 fields"),
    ("cat dog 1\ncat\tdog\thigh\n", 2, "'high' is not a finite number"),
    ("cat dog nan\n", 1, "not a finite number"),
    ("cat\t\t3\n", 1, "fields"),
])
def test_malformed_pairs_file_names_file_and_line(model, tmp_path, text, line, fragment):
    path = write(tmp_path / "bad.txt", text)
    with pytest.raises(EvaluationDataError) as info:
        evaluate_similarity(model, path)
    assert str(info.value).startswith(f"{path}:{line}: ") and fragment in str(info.value)


def test_other_bad_evaluation_inputs(model, tmp_path):
    with pytest.raises(EvaluationDataError, match="no such file"):
        evaluate_similarity(model, tmp_path / "missing.txt")
    with pytest.raises(EvaluationDataError, match="is a bundled similarity set"):
        evaluate_analogies(model, "ws353")
    with pytest.raises(EvaluationDataError, match="no word pairs"):
        evaluate_similarity(model, write(tmp_path / "empty.txt", "# nothing\n\n"))
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(b"cat dog 1\ncaf\xe9 dog 2\n")
    with pytest.raises(EvaluationDataError, match=r"latin1.txt:2: .*UTF-8"):
        evaluate_similarity(model, latin1)


def test_parameters_are_validated(model):
    with pytest.raises(ParameterError, match="method"):
        evaluate_analogies(model, "google", method="3cosavg")
    with pytest.raises(ParameterError, match="restrict_vocab=0"):
        evaluate_analogies(model, "google", restrict_vocab=0)
    with pytest.raises(ParameterError, match="kv"):
        evaluate_similarity({"cat": [1.0]}, "ws353")
    with pytest.raises(ParameterError, match="suite"):
        evaluate(model, suite="none")


# -- suites and reports --------------------------------------------------------------------

def test_every_bundled_set_loads(model):
    report = evaluate(model, suite="all", restrict_vocab=None)
    names = [r.name for r in report.analogies] + [r.name for r in report.similarities]
    assert sorted(names) == sorted(SUITES["all"])
    for result in report.analogies:
        kind, filename = "analogy", evaluation.ANALOGY_SETS[result.name]
        with open(bundled_path(kind, filename), encoding="utf-8") as f:
            questions = sum(1 for line in f if line.strip() and not line.startswith(":"))
        assert result.total.questions == questions
    for result in report.similarities:
        with open(bundled_path("similarity", evaluation.SIMILARITY_SETS[result.name]),
                  encoding="utf-8") as f:
            assert result.pairs_total == sum(1 for line in f if line.strip())


def test_report_dict_and_comparison_table(model, tmp_path):
    extra = write(tmp_path / "extra.txt", "zzcat zzdog 1\n")
    first = evaluate(model, suite="quick", name="first", similarities=[extra])
    second = evaluate(model, suite="quick", name="second", method="3cosmul")
    data = json.loads(json.dumps(first.to_dict(), allow_nan=False))
    assert data["settings"]["method"] == "3cosadd"
    assert [a["name"] for a in data["analogy"]] == ["google"]
    google = first.analogies[0]
    assert data["analogy"][0]["total"]["correct"] == google.total.correct
    assert [s["name"] for s in data["similarity"]] == ["ws353", "simlex999", "men", "extra"]

    table = format_comparison([first, second], show_oov=True)
    lines = table.splitlines()
    assert lines[0].split() == ["benchmark", "first", "second"]
    total = next(line for line in lines if line.strip().startswith("total"))
    assert f"{google.total.correct}/{google.total.evaluated}" in total
    assert f"{second.analogies[0].total.correct}/" in total
    extra_row = next(line for line in lines if line.startswith("extra"))
    assert "0/1" in extra_row  # only "first" evaluated it; its pair is OOV
    assert "first: extra: 1 OOV pairs: zzcat-zzdog" in table
    # Cells are right-aligned: full rows end exactly under the last header.
    for label in ("  total", "  skipped (OOV)", "ws353 ", "men "):
        row = next(line for line in lines if line.startswith(label))
        assert len(row) == len(lines[0]), row
    assert "3CosAdd" in table and "3CosMul" in table  # the methods differ per column
    assert first.to_table() == format_comparison([first])


# -- command line --------------------------------------------------------------------------

def write_word2vec_text(path, kv: KeyedVectors) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{len(kv)} {kv.dim}\n")
        for word, vector in zip(kv.words, kv.vectors):
            f.write(word + " " + " ".join(repr(float(x)) for x in vector) + "\n")


def run_cli(argv) -> tuple[int, str, str]:
    from w2v.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def needs_formats():
    try:
        from w2v.formats import load_keyed_vectors  # noqa: F401
    except ImportError:
        pytest.skip("w2v.formats.load_keyed_vectors is not written yet (another module)")


def test_cli_json_matches_python_api(model, tmp_path):
    needs_formats()
    path = tmp_path / "vectors.txt"
    write_word2vec_text(path, model)
    other = tmp_path / "other.txt"
    write_word2vec_text(other, KeyedVectors(model.words[::-1], model.vectors[::-1]))
    status, out, _ = run_cli(["evaluate", str(path), str(other), "--suite", "quick",
                              "--method", "3cosmul", "--json"])
    assert status == 0
    reports = json.loads(out)["models"]
    assert [r["name"] for r in reports] == ["vectors.txt", "other.txt"]
    expected = evaluate(model, suite="quick", method="3cosmul", name="vectors.txt")
    assert reports[0]["analogy"] == expected.to_dict()["analogy"]
    for mine, theirs in zip(reports[0]["similarity"], expected.to_dict()["similarity"]):
        assert mine["spearman"] == pytest.approx(theirs["spearman"], abs=1e-6)
    status, out, _ = run_cli(["evaluate", str(path), "--suite", "none",
                              "--similarity", WS353])
    assert status == 0 and out.splitlines()[0].split() == ["benchmark", "vectors.txt"]


def test_cli_bad_evaluation_file_is_one_line_error(model, tmp_path):
    needs_formats()
    path = tmp_path / "vectors.txt"
    write_word2vec_text(path, model)
    bad = write(tmp_path / "bad.txt", "cat dog 1\ncat dog one\n")
    status, out, err = run_cli(["evaluate", str(path), "--similarity", bad])
    assert status == 2 and out == ""
    assert err.startswith(f"w2v: error: {bad}:2: ") and len(err.strip().splitlines()) == 1


# -- bundled data provenance ---------------------------------------------------------------

@pytest.mark.slow
def test_bundled_sets_are_copies_of_shared_data():
    shared = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "eval")
    if not os.path.isdir(shared):
        pytest.skip(f"shared evaluation data not found at {shared}")
    for kind, table in (("analogy", evaluation.ANALOGY_SETS),
                        ("similarity", evaluation.SIMILARITY_SETS)):
        for filename in table.values():
            with open(os.path.join(shared, kind, filename), "rb") as f:
                assert f.read() == resources.files("w2v").joinpath(
                    "data", "eval", kind, filename).read_bytes(), filename
