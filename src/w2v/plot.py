"""Labelled scatter plots of word vectors: PNG/SVG (matplotlib) and offline HTML (plotly).

Build a :class:`PlotData` with :func:`plot_data` (which words, their groups, analogy
arrows, the 2-D or 3-D projection), then write it with :func:`save_plot`. The HTML
file inlines plotly.js from the installed ``plotly`` package, so it opens without a
network connection. matplotlib and plotly are imported only when a file is written
(``pip install 'w2v[plot]'``).

Example
-------
>>> data = plot_data(kv, neighbours_of="france", analogies=["man:king::woman:queen"])
>>> save_plot(data, "france.html")
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._fileio import atomic_write
from ._validation import check_int, fail
from .errors import ParameterError
from .projection import MAX_PROJECTION_POINTS, MissingExtraError, project_words
from .vectors import KeyedVectors

__all__ = ["PlotData", "PLOT_FORMATS", "DEFAULT_NEIGHBOURS", "GROUP_COLOURS",
           "parse_analogy", "select_words", "cluster_labels", "plot_data", "save_plot",
           "plotly_figure", "to_html", "plot_format"]

PLOT_FORMATS = ("png", "svg", "html")
DEFAULT_NEIGHBOURS = 30  # a neighbourhood that fills a plot without burying the labels

# matplotlib's "tab10" palette, written out so the PNG and the HTML colour the same
# group the same way without importing matplotlib for HTML.
GROUP_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

FIGURE_INCHES = (9.0, 7.0)   # a readable plot at README width
PNG_DPI = 110                # ~1000 x 770 pixels: sharp labels, files well under 300 KB
LABEL_POINTS = 8             # label font size
MARKER_AREA = 28             # matplotlib marker area (points^2)
HTML_MARKER_SIZE = 7         # plotly marker diameter (pixels)
KMEANS_ITERATIONS = 50       # spherical k-means converges in a few dozen steps on <= 5000 points

NEIGHBOURS_GROUP = "neighbours"
TOP_GROUP = "most frequent"


@dataclass(frozen=True)
class PlotData:
    """What a plot shows.

    Attributes
    ----------
    words : tuple of str
        One label per point.
    coords : numpy.ndarray of shape (len(words), dims)
        Projected coordinates (dims is 2 or 3).
    groups : tuple of str
        The group (legend entry, colour) of each point.
    arrows : tuple of (int, int)
        Arrows from point ``i`` to point ``j`` (analogy pairs: a -> b and c -> d).
    title : str
    """

    words: tuple[str, ...]
    coords: np.ndarray
    groups: tuple[str, ...]
    arrows: tuple[tuple[int, int], ...] = ()
    title: str = ""

    @property
    def dims(self) -> int:
        return int(self.coords.shape[1])

    def group_names(self) -> list[str]:
        """Distinct groups in order of first appearance."""
        return list(dict.fromkeys(self.groups))

    def colour_of(self, group: str) -> str:
        return GROUP_COLOURS[self.group_names().index(group) % len(GROUP_COLOURS)]


def parse_analogy(text: str) -> tuple[str, ...]:
    """Split ``"a:b::c:d"`` (or ``"a:b::c"``, answer left to the model) into its words."""
    if not isinstance(text, str) or "::" not in text:
        fail("analogy", text, "'a:b::c:d' or 'a:b::c'")
    left, _, right = text.partition("::")
    pair1, pair2 = left.split(":"), right.split(":")
    words = tuple(pair1 + pair2)
    if len(pair1) != 2 or len(pair2) not in (1, 2) or not all(w.strip() for w in words):
        fail("analogy", text, "'a:b::c:d' or 'a:b::c'")
    return tuple(w.strip() for w in words)


def cluster_labels(unit_vectors: np.ndarray, n_clusters: int, *,
                   random_state: int = 0) -> np.ndarray:
    """Spherical k-means (cosine) cluster of each row, numbered 0.. by cluster size.

    Seeds with k-means++ from ``random_state``; runs at most :data:`KMEANS_ITERATIONS`
    assignment steps. Returns an int array of length ``len(unit_vectors)``.
    """
    x = np.asarray(unit_vectors, dtype=np.float64)
    n_clusters = check_int("n_clusters", n_clusters, min=1, max=max(1, len(x)))
    rng = np.random.default_rng(random_state)
    centres = [x[rng.integers(len(x))]]
    for _ in range(1, n_clusters):
        distance = np.min(1.0 - x @ np.array(centres).T, axis=1).clip(min=0.0)
        total = distance.sum()
        pick = rng.choice(len(x), p=distance / total) if total > 0 else rng.integers(len(x))
        centres.append(x[pick])
    centres = np.array(centres)
    labels = np.full(len(x), -1)
    for _ in range(KMEANS_ITERATIONS):
        new_labels = np.argmax(x @ centres.T, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for k in range(n_clusters):
            members = x[labels == k]
            if len(members):
                mean = members.sum(axis=0)
                centres[k] = mean / (np.linalg.norm(mean) or 1.0)
    order = np.argsort(-np.bincount(labels, minlength=n_clusters), kind="stable")
    rank = np.empty(n_clusters, dtype=int)
    rank[order] = np.arange(n_clusters)
    return rank[labels]


def select_words(kv: KeyedVectors, *, groups: Sequence[Sequence[str]] = (),
                 top: int | None = None, neighbours_of: str | None = None,
                 topn: int = DEFAULT_NEIGHBOURS, analogies: Sequence[str] = (),
                 ) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    """The words a plot shows, the group of each, and its arrows.

    Parameters
    ----------
    kv : KeyedVectors
    groups : sequence of word lists
        Each list is one coloured group (``"group 1"``, ``"group 2"``, ...).
    top : int or None
        Add the ``top`` most frequent words (the first rows).
    neighbours_of : str or None
        Add this word and its ``topn`` nearest neighbours.
    analogies : sequence of str
        ``"a:b::c:d"`` (``d`` may be left out: the model's answer is used); adds the
        four words and the arrows a -> b, c -> d.

    Returns
    -------
    words, groups, arrows
        A word shown twice keeps its first group.

    Raises
    ------
    VocabularyError
        A requested word is not in ``kv``.
    ParameterError
        Nothing to plot, more than :data:`MAX_PROJECTION_POINTS` words, a bad analogy.
    """
    words: list[str] = []
    labels: list[str] = []
    position: dict[str, int] = {}

    def add(word: str, label: str) -> int:
        kv.index_of(word)  # VocabularyError naming the word
        if word not in position:
            position[word] = len(words)
            words.append(word)
            labels.append(label)
        return position[word]

    arrows: list[tuple[int, int]] = []
    for text in analogies:
        parts = parse_analogy(text)
        if len(parts) == 3:
            parts = parts + (kv.analogy(*parts, topn=1)[0][0],)
        a, b, c, d = parts
        label = f"{a}:{b}::{c}:{d}"
        ia, ib, ic, id_ = (add(w, label) for w in (a, b, c, d))
        arrows += [(ia, ib), (ic, id_)]
    for number, group in enumerate(groups, start=1):
        if isinstance(group, str):
            fail("groups", group, "a list of word lists")
        for word in group:
            add(word, f"group {number}")
    if neighbours_of is not None:
        topn = check_int("topn", topn, min=1, max=MAX_PROJECTION_POINTS - 1)
        add(neighbours_of, neighbours_of)
        for word, _ in kv.most_similar(neighbours_of, topn=min(topn, len(kv) - 1)):
            add(word, NEIGHBOURS_GROUP)
    if top is not None:
        top = check_int("top", top, min=1, max=MAX_PROJECTION_POINTS)
        for word in kv.words[:top]:
            add(word, TOP_GROUP)
    if not words:
        raise ParameterError("parameter words: nothing to plot (expected words, top, "
                             "neighbours_of or analogies)")
    if len(words) > MAX_PROJECTION_POINTS:
        raise ParameterError(f"parameter words: {len(words)} words (expected at most "
                             f"{MAX_PROJECTION_POINTS})")
    return words, labels, arrows


def plot_data(kv: KeyedVectors, *, groups: Sequence[Sequence[str]] = (),
              top: int | None = None, neighbours_of: str | None = None,
              topn: int = DEFAULT_NEIGHBOURS, analogies: Sequence[str] = (),
              clusters: int = 0, method: str = "pca", dims: int = 2,
              random_state: int = 0, title: str | None = None) -> PlotData:
    """Select words (see :func:`select_words`), colour and project them.

    Parameters
    ----------
    clusters : int >= 0
        When > 0, colour the points that are not part of an analogy by spherical
        k-means clusters of their unit vectors instead of their groups.
    method, dims, random_state
        See :func:`w2v.projection.project`.
    title : str or None
        Default: the method and what was selected.
    """
    clusters = check_int("clusters", clusters, min=0, max=MAX_PROJECTION_POINTS)
    words, labels, arrows = select_words(kv, groups=groups, top=top,
                                         neighbours_of=neighbours_of, topn=topn,
                                         analogies=analogies)
    if clusters:
        in_arrows = {i for pair in arrows for i in pair}
        rows = [i for i in range(len(words)) if i not in in_arrows]
        if rows:
            unit = kv.unit_vectors()[[kv.index[words[i]] for i in rows]]
            found = cluster_labels(unit, min(clusters, len(rows)), random_state=random_state)
            for i, k in zip(rows, found):
                labels[i] = f"cluster {k + 1}"
    coords = project_words(kv, words, method=method, dims=dims, random_state=random_state)
    if title is None:
        title = f"{len(words)} words, {method.upper() if method == 'pca' else method} {dims}-D"
        if neighbours_of is not None:
            title = f"neighbours of {neighbours_of!r}: {title}"
    return PlotData(tuple(words), coords, tuple(labels), tuple(arrows), title)


def _require(module: str, extra: str = "plot"):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(f"parameter format: expected the optional dependency "
                                f"{module.split('.')[0]!r} to be installed "
                                f"(pip install 'w2v[{extra}]')") from None


def plot_format(path: str | os.PathLike, format: str | None = None) -> str:
    """The output format: ``format`` if given, else the file's extension."""
    if format is None:
        format = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if format not in PLOT_FORMATS:
        fail("format", format, "one of " + ", ".join(repr(f) for f in PLOT_FORMATS)
             + " (from the output file's extension)")
    return format


def save_plot(data: PlotData, path: str | os.PathLike, *, format: str | None = None) -> None:
    """Write ``data`` as PNG, SVG (matplotlib) or self-contained HTML (plotly), atomically.

    Parameters
    ----------
    format : {'png', 'svg', 'html'} or None
        Default: from the extension of ``path``.
    """
    format = plot_format(path, format)
    if format == "html":
        text = to_html(data)
        with atomic_write(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    figure = _matplotlib_figure(data)
    with atomic_write(path, "wb") as f:
        figure.savefig(f, format=format, dpi=PNG_DPI, bbox_inches="tight")


def _matplotlib_figure(data: PlotData):
    _require("matplotlib")
    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    matplotlib.rcParams["svg.fonttype"] = "none"  # SVG labels stay text (searchable)
    figure = Figure(figsize=FIGURE_INCHES)
    three_d = data.dims == 3
    axes = figure.add_subplot(projection="3d" if three_d else None)
    groups = np.array(data.groups)
    shading = {"depthshade": False} if three_d else {}  # keep group colours exact in 3-D
    for group in data.group_names():
        rows = groups == group
        axes.scatter(*data.coords[rows].T, s=MARKER_AREA, color=data.colour_of(group),
                     label=group, **shading)
    for word, point in zip(data.words, data.coords):
        if three_d:
            axes.text(*point, f" {word}", fontsize=LABEL_POINTS)
        else:
            axes.annotate(word, point, xytext=(3, 3), textcoords="offset points",
                          fontsize=LABEL_POINTS)
    for start, end in data.arrows:
        colour = data.colour_of(data.groups[start])
        if three_d:
            axes.quiver(*data.coords[start], *(data.coords[end] - data.coords[start]),
                        color=colour, arrow_length_ratio=0.1)
        else:
            axes.annotate("", xy=data.coords[end], xytext=data.coords[start],
                          arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.5})
    axes.set_title(data.title)
    if len(data.group_names()) > 1:
        axes.legend(loc="best", fontsize=LABEL_POINTS)
    return figure


def plotly_figure(data: PlotData):
    """A plotly ``Figure``: one trace per group, labelled points, analogy arrows."""
    go = _require("plotly.graph_objects")
    figure = go.Figure()
    groups = np.array(data.groups)
    three_d = data.dims == 3
    for group in data.group_names():
        rows = np.flatnonzero(groups == group)
        xyz = data.coords[rows]
        common = {"name": group, "mode": "markers+text", "text": [data.words[i] for i in rows],
                  "textposition": "top center", "hovertemplate": "%{text}<extra></extra>",
                  "marker": {"size": HTML_MARKER_SIZE, "color": data.colour_of(group)}}
        if three_d:
            figure.add_trace(go.Scatter3d(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], **common))
        else:
            figure.add_trace(go.Scatter(x=xyz[:, 0], y=xyz[:, 1], **common))
    for start, end in data.arrows:
        colour = data.colour_of(data.groups[start])
        a, b = data.coords[start], data.coords[end]
        if three_d:
            figure.add_trace(go.Scatter3d(x=[a[0], b[0]], y=[a[1], b[1]], z=[a[2], b[2]],
                                          mode="lines", line={"color": colour, "width": 4},
                                          showlegend=False, hoverinfo="skip"))
        else:
            figure.add_annotation(x=b[0], y=b[1], ax=a[0], ay=a[1], xref="x", yref="y",
                                  axref="x", ayref="y", showarrow=True, arrowhead=2,
                                  arrowwidth=1.5, arrowcolor=colour, text="")
    figure.update_layout(title=data.title, template="plotly_white",
                         legend={"itemsizing": "constant"})
    return figure


def to_html(data: PlotData) -> str:
    """A complete HTML page with plotly.js inlined: opens offline, no CDN."""
    figure = plotly_figure(data)
    return figure.to_html(include_plotlyjs=True, full_html=True,
                          config={"displaylogo": False, "responsive": True},
                          div_id="w2v-plot")
