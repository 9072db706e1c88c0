"""Tests of w2v.lab: the toy walks against hand-written NumPy steps and the real kernel,
co-occurrence counts and PMI against brute force, the PMI correlation, SVD, the window
and vectors studies, the HTML reports' embedded numbers, and the ``w2v lab`` command.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from w2v import kernels
from w2v.cli import main
from w2v.errors import ParameterError, VocabularyError
from w2v.lab import pmi as lab_pmi
from w2v.lab import toy, vectors_study, window
from w2v.lab.report import Report, read_report_data
from w2v.model import Word2Vec

#: The walks compute in float64 and store float32, the kernel sums float32 under
#: fastmath: a few float32 ulps over one epoch of the toy.
KERNEL_ATOL = 1e-6


@pytest.fixture(scope="module")
def problem():
    return toy.toy_problem()


def _kernel_epoch(problem, arch, layer, negative):
    """The real kernel on the toy sentence as one chunk (constant alpha, full window,
    no subsampling, no batching), called here directly with typed arrays."""
    w_in = problem.word_vectors.copy()
    w_out = problem.context_vectors.copy()
    n, dim = w_in.shape
    tokens = problem.tokens.astype(np.int32)
    max_targets = n if layer == kernels.LAYER_SOFTMAX else 1 + negative
    scratch = kernels.Scratch(dim=dim, window=toy.TOY_WINDOW,
                              max_sentence_length=len(tokens), max_targets=max_targets,
                              max_hidden=1)
    kernels.train_chunk(
        w_in, w_out, tokens, np.array([0, len(tokens)], np.int64), np.ones(n, np.float32),
        arch, layer, 1, 0, toy.TOY_WINDOW, 0, negative, problem.alias_threshold,
        problem.alias_index, np.zeros((1, 1), np.int32), np.zeros((1, 1), np.uint8),
        np.zeros(1, np.int32), toy.TOY_ALPHA, toy.TOY_ALPHA,
        np.array([problem.rng_state], np.uint64), *scratch.arrays())
    return w_in, w_out


# -- the toy ---------------------------------------------------------------------------

def test_toy_problem_is_the_seed_example(problem):
    assert len(problem.words) == 8
    assert problem.tokens.tolist() == [problem.vocabulary.index[w]
                                       for w in toy.TOY_SENTENCE.split()]
    assert problem.word_vectors.shape == (8, toy.TOY_DIM)


def test_first_cbow_step_equals_a_hand_written_numpy_step(problem):
    step = toy.cbow_softmax_steps(problem)[0]
    w_in = problem.word_vectors.astype(np.float64)
    w_out = problem.context_vectors.astype(np.float64)
    centre, context = problem.tokens[0], problem.tokens[1]   # position 0: one neighbour
    h = w_in[context]
    p = np.exp(w_out @ h) / np.exp(w_out @ h).sum()
    e = -p
    e[centre] += 1.0
    np.testing.assert_allclose(step.hidden, h, rtol=1e-12)
    np.testing.assert_allclose(step.output, p, rtol=1e-10)
    np.testing.assert_allclose(step.error, e, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(step.context_vectors, w_out + toy.TOY_ALPHA * np.outer(e, h),
                               atol=KERNEL_ATOL)
    expected_in = w_in.copy()
    expected_in[context] += toy.TOY_ALPHA * e @ w_out
    np.testing.assert_allclose(step.word_vectors, expected_in, atol=KERNEL_ATOL)
    assert step.loss == pytest.approx(-math.log(p[centre]))


def test_cbow_middle_step_averages_two_contexts(problem):
    step = toy.cbow_softmax_steps(problem)[4]
    before = toy.cbow_softmax_steps(problem)[3].word_vectors.astype(np.float64)
    a, b = problem.tokens[3], problem.tokens[5]
    assert step.contexts == [a, b]
    np.testing.assert_allclose(step.hidden, (before[a] + before[b]) / 2, rtol=1e-12)
    assert step.one_hot.sum() == pytest.approx(1.0)
    assert step.one_hot[a] == pytest.approx(0.5)


def test_cbow_walk_ends_where_the_kernel_ends(problem):
    steps = toy.cbow_softmax_steps(problem)
    assert len(steps) == len(problem.tokens)
    w_in, w_out = _kernel_epoch(problem, kernels.ARCH_CBOW, kernels.LAYER_SOFTMAX, 0)
    np.testing.assert_allclose(steps[-1].word_vectors, w_in, atol=KERNEL_ATOL)
    np.testing.assert_allclose(steps[-1].context_vectors, w_out, atol=KERNEL_ATOL)
    assert not np.allclose(w_in, problem.word_vectors)   # the epoch did change the weights
    k_in, k_out = toy.kernel_weights(problem, arch="cbow")
    np.testing.assert_array_equal(k_in, w_in)
    np.testing.assert_array_equal(k_out, w_out)


def test_skipgram_walk_ends_where_the_kernel_ends(problem):
    steps = toy.skipgram_ns_steps(problem)
    assert len(steps) == 2 * (len(problem.tokens) - 1)   # window 1: every adjacent pair twice
    w_in, w_out = _kernel_epoch(problem, kernels.ARCH_SKIPGRAM, kernels.LAYER_NS,
                                toy.TOY_NEGATIVE)
    np.testing.assert_allclose(steps[-1].word_vectors, w_in, atol=KERNEL_ATOL)
    np.testing.assert_allclose(steps[-1].context_vectors, w_out, atol=KERNEL_ATOL)


def test_skipgram_step_equals_a_hand_written_numpy_step(problem):
    steps = toy.skipgram_ns_steps(problem)
    before_in = steps[2].word_vectors.astype(np.float64)
    before_out = steps[2].context_vectors.astype(np.float64)
    step = steps[3]
    assert step.labels[0] == 1.0 and (step.labels[1:] == 0.0).all()
    assert step.rows[0] == problem.tokens[step.position]
    assert len(step.rows) <= 1 + toy.TOY_NEGATIVE
    h = before_in[step.input_word]
    sig = 1.0 / (1.0 + np.exp(-(before_out[step.rows] @ h)))
    np.testing.assert_allclose(step.sigmoid, sig, rtol=1e-10)
    g = toy.TOY_ALPHA * (step.labels - sig)
    expected_out = before_out.copy()
    for t, row in enumerate(step.rows):
        expected_out[row] += g[t] * h
    expected_in = before_in.copy()
    expected_in[step.input_word] += g @ before_out[step.rows]
    np.testing.assert_allclose(step.context_vectors, expected_out, atol=KERNEL_ATOL)
    np.testing.assert_allclose(step.word_vectors, expected_in, atol=KERNEL_ATOL)


def test_toy_parameters_are_validated():
    with pytest.raises(ParameterError, match="sentence"):
        toy.toy_problem("alone")
    with pytest.raises(ParameterError, match="arch"):
        toy.kernel_weights(toy.toy_problem(), arch="glove")


def test_movement_study_brings_groups_together_and_apart():
    study = toy.movement_study(epochs=10)
    assert study.snapshots.shape[0] == 11
    assert study.projected.shape == (11, len(study.words), 2)
    assert study.within[-1] > 0.9
    assert study.within[-1] - study.between[-1] > 0.3
    assert study.between[-1] < study.between.max()
    # the recorded cosine is the one of the snapshot
    index = {w: i for i, w in enumerate(study.words)}
    u = study.snapshots[-1] / np.linalg.norm(study.snapshots[-1], axis=1, keepdims=True)
    cat, dog, car = (u[index[w]] for w in ("cat", "dog", "car"))
    assert -1.0 <= study.between[-1] <= 1.0
    assert float(cat @ dog) > float(cat @ car)


def test_toy_report_numbers_match_the_walks(tmp_path):
    report = toy.build_toy_report(epochs=3)
    path = tmp_path / "toy.html"
    report.write(path)
    page = path.read_text(encoding="utf-8")
    data = read_report_data(page)
    problem = toy.toy_problem()
    steps = toy.cbow_softmax_steps(problem)
    np.testing.assert_allclose(data["cbow_steps"][2]["output"], steps[2].output)
    np.testing.assert_allclose(data["cbow_steps"][-1]["word_vectors"], steps[-1].word_vectors)
    assert data["cbow_kernel_max_difference"] < KERNEL_ATOL
    assert data["skipgram_kernel_max_difference"] < KERNEL_ATOL
    assert data["words"] == problem.words
    assert "http" not in page and "<link" not in page     # opens offline
    assert page.count("data:image/png;base64,") == 1


# -- PMI -------------------------------------------------------------------------------

def _brute_counts(sentences_ids, top, window, dynamic):
    counts = np.zeros((top, top))
    for ids in sentences_ids:
        for i, w in enumerate(ids):
            for j, c in enumerate(ids):
                d = abs(i - j)
                if 1 <= d <= window and w < top and c < top:
                    counts[w, c] += (window - d + 1) / window if dynamic else 1.0
    return counts


@pytest.mark.parametrize("dynamic", [True, False])
def test_cooccurrence_counts_match_brute_force(dynamic):
    gen = np.random.default_rng(3)
    sentences = [gen.integers(0, 12, size=gen.integers(0, 15)) for _ in range(20)]
    tokens = np.concatenate(sentences).astype(np.int32)
    starts = np.cumsum([0] + [len(s) for s in sentences])
    counts = lab_pmi.cooccurrence_counts(tokens, starts, top=8, window=3, dynamic=dynamic)
    np.testing.assert_allclose(counts, _brute_counts(sentences, 8, 3, dynamic))
    np.testing.assert_allclose(counts, counts.T)   # a symmetric window


def test_pmi_matrix_formula():
    counts = np.array([[0.0, 2.0, 1.0], [2.0, 4.0, 0.0], [1.0, 0.0, 6.0]])
    pmi = lab_pmi.pmi_matrix(counts)
    total, row, col = counts.sum(), counts.sum(1), counts.sum(0)
    assert pmi[0, 1] == pytest.approx(math.log(2.0 * total / (row[0] * col[1])))
    assert pmi[0, 0] == -np.inf
    smooth = lab_pmi.pmi_matrix(counts, context_smoothing=0.75)
    pc = col ** 0.75 / (col ** 0.75).sum()
    assert smooth[2, 2] == pytest.approx(math.log(6.0 / total / (row[2] / total * pc[2])))
    ppmi = lab_pmi.ppmi_matrix(counts)
    assert (ppmi >= 0).all() and ppmi[0, 0] == 0


def test_randomized_svd_finds_the_top_singular_values():
    gen = np.random.default_rng(0)
    matrix = gen.standard_normal((60, 5)) @ gen.standard_normal((5, 40)) \
        + 1e-3 * gen.standard_normal((60, 40))
    u, s, vt = lab_pmi.randomized_svd(matrix, 5)
    np.testing.assert_allclose(s, np.linalg.svd(matrix, compute_uv=False)[:5], rtol=1e-6)
    np.testing.assert_allclose(u.T @ u, np.eye(5), atol=1e-8)
    emb = lab_pmi.svd_embeddings(np.abs(matrix) + 1.0, 3)
    assert emb.shape == (60, 3)


@pytest.fixture(scope="module")
def ns_model():
    corpus = toy.two_group_corpus(n_sentences=300)
    model = Word2Vec(arch="skipgram", loss="ns", dim=8, window=2, negative=3, sample=0.0,
                     min_count=1, epochs=5, threads=1, seed=3)
    return model.fit(corpus), corpus


def test_pmi_study_correlation_matches_a_direct_computation(ns_model):
    model, corpus = ns_model
    study = lab_pmi.pmi_study(model, corpus, top=10, evaluate=False)
    ids = [model.vocabulary_.encode(s) for s in corpus]
    counts = _brute_counts(ids, 10, model.window, model.shrink_windows)
    seen = counts > 0
    total = counts.sum()
    pmi = np.log(counts[seen] * total
                 / np.outer(counts.sum(1), counts.sum(0))[seen]) - math.log(model.negative)
    dots = (model.word_vectors_[:10].astype(np.float64)
            @ model.context_vectors_[:10].astype(np.float64).T)[seen]
    assert study.pairs == seen.sum()
    assert study.pearson == pytest.approx(np.corrcoef(dots, pmi)[0, 1], abs=1e-9)
    assert study.mean_shifted_pmi == pytest.approx(pmi.mean())
    assert study.pearson > 0.3         # trained vectors do follow the counts


def test_pmi_study_rejects_a_hierarchical_softmax_model():
    model = Word2Vec(loss="hs", dim=4, min_count=1, epochs=1, threads=1)
    model.build_vocab([["a", "b", "c"]])
    with pytest.raises(ParameterError, match="negative-sampling"):
        lab_pmi.pmi_study(model, [["a", "b", "c"]])


def test_pmi_report_embeds_its_numbers(ns_model):
    model, corpus = ns_model
    report = lab_pmi.build_pmi_report(model, corpus, top=12)
    data = read_report_data(report.render())
    study = lab_pmi.pmi_study(model, corpus, top=12, evaluate=False)
    assert data["pearson"] == pytest.approx(study.pearson)
    assert data["pairs"] == study.pairs
    assert set(data["scores"]) >= set(lab_pmi.SIMILARITY_BENCHMARKS)


# -- window and vectors studies --------------------------------------------------------

def test_window_study_trains_one_model_per_window():
    corpus = toy.two_group_corpus(n_sentences=200)
    study = window.window_study(corpus, windows="2,1", epochs=1, dim=6, min_count=1,
                                threads=1, probes=("cat", "absent"), keep_models=True)
    assert study.windows == [1, 2]
    assert [m.window for m in study.models] == [1, 2]
    assert study.models[0].vocabulary_ is study.models[1].vocabulary_
    assert list(study.neighbours) == ["cat"]
    assert len(study.neighbours["cat"]) == 2 and len(study.neighbours["cat"][0]) == 8
    assert set(study.scores) == set(window.SIMILARITY_SETS + window.RELATEDNESS_SETS)


@pytest.mark.parametrize("bad", ["2,x", "", "3,3", [0]])
def test_window_study_rejects_bad_windows(bad):
    with pytest.raises(ParameterError, match="windows"):
        window.window_study([["a", "b"]], windows=bad)


def test_in_out_neighbours_and_similarity_match_numpy(ns_model):
    model, _ = ns_model
    unit_in = model.word_vectors_ / np.linalg.norm(model.word_vectors_, axis=1, keepdims=True)
    unit_out = model.context_vectors_ / np.linalg.norm(model.context_vectors_, axis=1,
                                                        keepdims=True)
    i = model.vocabulary_.index["cat"]
    scores = unit_out @ unit_in[i]
    scores[i] = -np.inf
    expected = [model.vocabulary_.words[j] for j in np.argsort(-scores)[:5]]
    got = vectors_study.neighbours(model, "cat", mode="in-out", topn=5)
    assert [w for w, _ in got] == expected
    assert got[0][1] == pytest.approx(scores.max(), rel=1e-5)
    pairs = [("cat", "dog", 9.0), ("cat", "car", 1.0), ("bus", "van", 8.0),
             ("cat", "missing", 3.0)]
    rho, found = vectors_study.in_out_similarity(model, pairs)
    assert found == 3
    ours = [(unit_in[model.vocabulary_.index[a]] @ unit_out[model.vocabulary_.index[b]]
             + unit_out[model.vocabulary_.index[a]] @ unit_in[model.vocabulary_.index[b]]) / 2
            for a, b, _ in pairs[:3]]
    from w2v.evaluation import spearman
    assert rho == pytest.approx(spearman(ours, [9.0, 1.0, 8.0]))


def test_vectors_study_errors(ns_model):
    model, _ = ns_model
    with pytest.raises(VocabularyError):
        vectors_study.neighbours(model, "unicorn")
    with pytest.raises(ParameterError, match="mode"):
        vectors_study.neighbours(model, "cat", mode="diagonal")
    with pytest.raises(ParameterError, match="words"):
        vectors_study.vectors_study(model, words=["unicorn"])


def test_vectors_report_lists_every_mode(ns_model):
    model, _ = ns_model
    data = read_report_data(vectors_study.build_vectors_report(
        model, words="cat,car,unicorn", topn=3).render())
    assert data["words"] == ["cat", "car"]
    assert set(data["neighbours"]["cat"]) == set(vectors_study.MODES)
    assert [w for w, _ in data["neighbours"]["car"]["in"]] == \
        [w for w, _ in vectors_study.neighbours(model, "car", topn=3)]


# -- the report writer and the command -------------------------------------------------

def test_report_escapes_text_and_round_trips_data(tmp_path):
    report = Report("a <b> & c")
    report.paragraph("</script><script>alert(1)</script>")
    report.table(["x", "y"], [["<i>", float("nan")]])
    report.data = {"value": float("nan"), "array": np.arange(3), "text": "</script>"}
    page = report.render()
    assert "<script>alert" not in page and "&lt;b&gt;" in page
    assert read_report_data(page) == {"value": None, "array": [0, 1, 2], "text": "</script>"}
    report.write(tmp_path / "r.html")
    assert os.listdir(tmp_path) == ["r.html"]


def test_cli_lab_toy_writes_a_report(tmp_path, capsys):
    out = tmp_path / "toy.html"
    assert main(["lab", "toy", "-o", str(out), "--epochs", "2"]) == 0
    assert read_report_data(out.read_text(encoding="utf-8"))["words"][0] == "the"


def test_cli_lab_reports_user_errors(tmp_path, capsys):
    assert main(["lab", "pmi", str(tmp_path / "missing.w2v"), str(tmp_path)]) == 2
    assert "w2v: error:" in capsys.readouterr().err
    assert main(["lab", "window", str(tmp_path / "nothing"), "-o", str(tmp_path / "w.html")]) == 2
    assert not (tmp_path / "w.html").exists()
