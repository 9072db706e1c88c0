"""Projections: PCA against the covariance eigen-decomposition, t-SNE/UMAP shapes and
structure, validation, and the error naming the extra to install."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from w2v import projection
from w2v.errors import ParameterError, VocabularyError
from w2v.projection import MAX_PROJECTION_POINTS, MissingExtraError, pca, project, project_words
from w2v.vectors import KeyedVectors


def _clusters(n_per_cluster=20, dim=16, seed=0):
    """Three tight clusters far apart, and each row's cluster number."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, dim)) * 10
    x = np.vstack([c + rng.normal(scale=0.3, size=(n_per_cluster, dim)) for c in centres])
    return x, np.repeat(np.arange(3), n_per_cluster)


def _nearest_is_same_cluster(coords, labels) -> float:
    d = np.linalg.norm(coords[:, None] - coords[None], axis=2)
    np.fill_diagonal(d, np.inf)
    return float(np.mean(labels[np.argmin(d, axis=1)] == labels))


@pytest.mark.parametrize("dims", [2, 3])
def test_pca_variances_are_the_top_eigenvalues(dims):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.1])
    scores = project(x, method="pca", dims=dims)
    assert scores.shape == (200, dims)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(x.T)))[::-1]
    assert np.allclose(np.var(scores, axis=0, ddof=1), eigenvalues[:dims], rtol=1e-8)
    # Components are uncorrelated and each one's largest coordinate is positive.
    assert np.allclose(np.corrcoef(scores.T) - np.eye(dims), 0, atol=1e-8)
    for column in scores.T:
        assert column[np.argmax(np.abs(column))] > 0


def test_pca_is_deterministic_and_pads_beyond_rank():
    x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])  # two points: rank 1 after centring
    first = pca(x, 3)
    assert np.array_equal(first, pca(x.copy(), 3))
    assert first.shape == (2, 3)
    assert np.allclose(first[:, 1:], 0)
    assert np.isclose(abs(first[0, 0] - first[1, 0]), np.linalg.norm(x[0] - x[1]))


def test_pca_keeps_clusters_apart():
    x, labels = _clusters()
    assert _nearest_is_same_cluster(project(x), labels) == 1.0


def test_tsne_keeps_clusters_apart():
    pytest.importorskip("sklearn")
    x, labels = _clusters(n_per_cluster=15)
    for dims in (2, 3):
        coords = project(x, method="tsne", dims=dims)
        assert coords.shape == (45, dims) and np.all(np.isfinite(coords))
        assert _nearest_is_same_cluster(coords, labels) == 1.0


@pytest.mark.slow
def test_umap_keeps_clusters_apart():
    pytest.importorskip("umap")  # importing and compiling umap takes ~15 s: slow
    x, labels = _clusters(n_per_cluster=15)
    coords = project(x, method="umap", dims=2)
    assert coords.shape == (45, 2)
    assert _nearest_is_same_cluster(coords, labels) == 1.0


def test_umap_gets_parameters_that_fit_the_selection(monkeypatch):
    """The wiring to umap-learn, with a stand-in (the real library compiles for ~15 s)."""
    calls = []

    class FakeUMAP:
        def __init__(self, **kwargs):
            calls.append(kwargs)

        def fit_transform(self, x):
            return x[:, :calls[-1]["n_components"]] * 2.0

    real_import = importlib.import_module
    monkeypatch.setattr(projection.importlib, "import_module",
                        lambda name, *a: type("umap", (), {"UMAP": FakeUMAP})
                        if name == "umap" else real_import(name, *a))
    x, _ = _clusters(n_per_cluster=3)  # 9 points: fewer than UMAP's default 15 neighbours
    coords = project(x, method="umap", dims=3, random_state=7)
    assert np.allclose(coords, x[:, :3] * 2.0)
    assert calls[-1]["n_components"] == 3 and calls[-1]["random_state"] == 7
    assert calls[-1]["n_neighbors"] == 8 and calls[-1]["init"] == "random"
    project(np.random.default_rng(0).normal(size=(40, 5)), method="umap")
    assert calls[-1]["n_neighbors"] == projection.UMAP_DEFAULT_NEIGHBOURS
    assert calls[-1]["init"] == "spectral"


@pytest.mark.parametrize("method, module, extra", [("tsne", "sklearn.manifold", "w2v[tsne]"),
                                                   ("umap", "umap", "w2v[umap]")])
def test_missing_library_names_the_extra(monkeypatch, method, module, extra):
    real_import = importlib.import_module

    def without(name, *args):
        if name == module:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args)

    monkeypatch.setattr(projection.importlib, "import_module", without)
    x, _ = _clusters(n_per_cluster=5)
    with pytest.raises(MissingExtraError, match=extra.replace("[", r"\[").replace("]", r"\]")):
        project(x, method=method)
    assert project(x, method="pca").shape == (15, 2)  # PCA needs nothing optional


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "lda"}, "method='lda'"),
    ({"dims": 4}, "dims=4"),
    ({"dims": 1}, "dims=1"),
    ({"random_state": -1}, "random_state=-1"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        project(np.ones((10, 3)), **kwargs)


def test_bad_inputs():
    with pytest.raises(ParameterError, match="2-D"):
        project(np.ones(5))
    with pytest.raises(ParameterError, match="at least one"):
        project(np.ones((0, 3)))
    with pytest.raises(ParameterError, match="non-finite"):
        project(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ParameterError, match=f"at most {MAX_PROJECTION_POINTS}"):
        project(np.zeros((MAX_PROJECTION_POINTS + 1, 2)))
    with pytest.raises(ParameterError, match="at least 4"):
        project(np.ones((3, 5)), method="tsne")


def test_project_words_uses_unit_vectors_and_names_missing_words():
    kv = KeyedVectors(["a", "b", "c", "d"], np.array(
        [[1.0, 0.0], [10.0, 0.0], [0.0, 1.0], [0.0, 3.0]]))
    unit = project_words(kv, ["a", "b", "c", "d"])
    assert np.allclose(unit[0], unit[1]) and np.allclose(unit[2], unit[3])
    raw = project_words(kv, ["a", "b", "c", "d"], unit=False)
    assert not np.allclose(raw[0], raw[1])
    with pytest.raises(VocabularyError, match="'zebra'"):
        project_words(kv, ["a", "zebra"])
