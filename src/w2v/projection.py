"""Project word vectors to 2-D or 3-D for plots: PCA, t-SNE, UMAP.

PCA needs nothing beyond NumPy and is deterministic (component signs are fixed so the
largest coordinate of each component is positive). t-SNE comes from scikit-learn
(``pip install 'w2v[tsne]'``) and UMAP from umap-learn (``pip install 'w2v[umap]'``);
asking for either without its library raises :class:`MissingExtraError`, which names
the extra to install.

Words are projected from their unit vectors by default: cosine similarity is what
every query measures, and unit vectors make Euclidean distances in the projection
follow it.
"""

from __future__ import annotations

import importlib
from typing import Sequence

import numpy as np

from ._validation import check_bool, check_choice, check_int
from .errors import ParameterError
from .vectors import KeyedVectors

__all__ = ["PROJECTION_METHODS", "PROJECTION_DIMS", "MAX_PROJECTION_POINTS",
           "MissingExtraError", "project", "project_words", "pca"]

PROJECTION_METHODS = ("pca", "tsne", "umap")
PROJECTION_DIMS = (2, 3)

# t-SNE is O(n^2) in memory for exact gradients and a few seconds per thousand points
# with Barnes-Hut; beyond a few thousand labelled points a scatter plot is unreadable
# anyway. The explorer and `w2v plot` never project more than this at once.
MAX_PROJECTION_POINTS = 5000

# scikit-learn's and umap-learn's own defaults; both must stay below the number of
# points, so small selections get smaller values (see _tsne_perplexity, _umap_neighbours).
TSNE_DEFAULT_PERPLEXITY = 30.0
UMAP_DEFAULT_NEIGHBOURS = 15
# UMAP's spectral initialisation solves an eigenproblem on the neighbour graph, which
# fails or is degenerate on a handful of points; below this it starts from random.
UMAP_SPECTRAL_MIN_POINTS = 20

# The (module to import, extra that installs it) behind each optional method.
_EXTRAS = {"tsne": ("sklearn.manifold", "tsne"), "umap": ("umap", "umap")}


class MissingExtraError(ParameterError, ImportError):
    """An optional library (scikit-learn, umap-learn) is needed but not installed."""


def _import_extra(method: str):
    module, extra = _EXTRAS[method]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"parameter method={method!r}: expected the optional dependency "
            f"{module.split('.')[0]!r} to be installed (pip install 'w2v[{extra}]')") from None


def pca(vectors: np.ndarray, dims: int) -> np.ndarray:
    """Principal component scores of the rows of ``vectors`` (centred), ``dims`` columns.

    Computed with a thin SVD in float64; each component's sign is chosen so that its
    largest-magnitude coordinate is positive, which makes the result deterministic.
    Components beyond the rank of the data are zero.
    """
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    scores = u[:, :dims] * s[:dims]
    for j in range(scores.shape[1]):
        column = scores[:, j]
        if column[np.argmax(np.abs(column))] < 0:
            scores[:, j] = -column
    if scores.shape[1] < dims:  # fewer points or dimensions than asked for
        scores = np.hstack([scores, np.zeros((scores.shape[0], dims - scores.shape[1]))])
    return scores


def _tsne_perplexity(n_points: int) -> float:
    # scikit-learn requires perplexity < n_samples; a third of the points keeps every
    # point's neighbourhood meaningful for small selections.
    return float(min(TSNE_DEFAULT_PERPLEXITY, max(1.0, (n_points - 1) / 3.0)))


def _umap_neighbours(n_points: int) -> int:
    return int(min(UMAP_DEFAULT_NEIGHBOURS, max(2, n_points - 1)))


def project(vectors: np.ndarray, *, method: str = "pca", dims: int = 2,
            random_state: int = 0) -> np.ndarray:
    """Project the rows of ``vectors`` to ``dims`` dimensions.

    Parameters
    ----------
    vectors : array of shape (n, d)
        At most :data:`MAX_PROJECTION_POINTS` finite rows; t-SNE and UMAP need at
        least ``dims + 2`` of them.
    method : {'pca', 'tsne', 'umap'}
    dims : {2, 3}
    random_state : int >= 0
        Seed of t-SNE and UMAP (PCA is deterministic).

    Returns
    -------
    numpy.ndarray of shape (n, dims), float64

    Raises
    ------
    ParameterError
        Bad method, dims, shape, too many or too few points.
    MissingExtraError
        ``method`` needs a library that is not installed.
    """
    method = check_choice("method", method, PROJECTION_METHODS)
    dims = check_int("dims", dims, min=min(PROJECTION_DIMS), max=max(PROJECTION_DIMS))
    random_state = check_int("random_state", random_state, min=0)
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ParameterError(f"parameter vectors: expected a 2-D array, got shape {x.shape}")
    n_points = x.shape[0]
    if n_points > MAX_PROJECTION_POINTS:
        raise ParameterError(f"parameter vectors: {n_points} rows (expected at most "
                             f"{MAX_PROJECTION_POINTS} points to project)")
    if n_points == 0:
        raise ParameterError("parameter vectors: no rows (expected at least one point)")
    if not np.all(np.isfinite(x)):
        raise ParameterError("parameter vectors: non-finite values (expected finite numbers)")
    if method == "pca":
        return pca(x, dims)
    minimum = dims + 2  # both neighbour-graph methods need a few more points than dims
    if n_points < minimum:
        raise ParameterError(f"parameter method={method!r}: {n_points} points (expected at "
                             f"least {minimum} for {method} in {dims}-D; use 'pca')")
    library = _import_extra(method)
    if method == "tsne":
        model = library.TSNE(n_components=dims, perplexity=_tsne_perplexity(n_points),
                             init="pca", random_state=random_state, metric="euclidean")
        return np.asarray(model.fit_transform(x), dtype=np.float64)
    init = "spectral" if n_points >= UMAP_SPECTRAL_MIN_POINTS else "random"
    # n_jobs=1: a random_state makes UMAP single-threaded anyway; saying so silences its warning.
    model = library.UMAP(n_components=dims, n_neighbors=_umap_neighbours(n_points),
                         random_state=random_state, init=init, n_jobs=1)
    return np.asarray(model.fit_transform(x), dtype=np.float64)


def project_words(kv: KeyedVectors, words: Sequence[str], *, method: str = "pca",
                  dims: int = 2, unit: bool = True, random_state: int = 0) -> np.ndarray:
    """Project the vectors of ``words`` (see :func:`project`).

    Parameters
    ----------
    kv : KeyedVectors
    words : sequence of str
        Words of ``kv`` (a :class:`~w2v.errors.VocabularyError` names a missing one).
    unit : bool, default True
        Project unit vectors (cosine geometry) rather than raw vectors.

    Returns
    -------
    numpy.ndarray of shape (len(words), dims)
    """
    unit = check_bool("unit", unit)
    rows = [kv.index_of(w) for w in words]
    matrix = kv.unit_vectors() if unit else kv.vectors
    return project(matrix[rows], method=method, dims=dims, random_state=random_state)
