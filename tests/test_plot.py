"""Plots: word selection, groups, analogy arrows, clusters; PNG/SVG/HTML files; the
``w2v plot`` command on a model trained on the demo corpus."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from w2v.cli import main
from w2v.demo import demo_corpus_path
from w2v.errors import ParameterError, VocabularyError
from w2v.model import Word2Vec
from w2v.plot import (GROUP_COLOURS, NEIGHBOURS_GROUP, cluster_labels, parse_analogy,
                      plot_data, save_plot, select_words)
from w2v.vectors import KeyedVectors

pytest.importorskip("matplotlib")
pytest.importorskip("plotly")

# A small, quick demo model (about 3 s): enough for real neighbours and analogies.
DEMO_DIM = 32
DEMO_EPOCHS = 1


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.w2v"
    Word2Vec(dim=DEMO_DIM, epochs=DEMO_EPOCHS, seed=1).fit(demo_corpus_path()).save(path)
    return path


@pytest.fixture
def toy_kv():
    """Words along three directions (animals, vehicles, colours), nearly orthogonal."""
    rng = np.random.default_rng(0)
    groups = {"animal": ["cat", "dog", "cow", "hen"], "vehicle": ["car", "bus", "van", "cab"],
              "colour": ["red", "blue", "green", "pink"]}
    words, rows = [], []
    for axis, members in enumerate(groups.values()):
        for word in members:
            v = np.zeros(8)
            v[axis] = 1.0
            rows.append(v + rng.normal(scale=0.05, size=8))
            words.append(word)
    return KeyedVectors(words, np.array(rows))


def _png_pixels(data: bytes) -> np.ndarray:
    import matplotlib.image

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return matplotlib.image.imread(io.BytesIO(data), format="png")


def _non_background_fraction(pixels: np.ndarray) -> float:
    rgb = pixels[..., :3]
    return float(np.mean(np.any(np.abs(rgb - rgb[0, 0]) > 0.1, axis=-1)))


@pytest.mark.parametrize("text, words", [
    ("man:king::woman:queen", ("man", "king", "woman", "queen")),
    (" a : b :: c ", ("a", "b", "c")),
])
def test_parse_analogy(text, words):
    assert parse_analogy(text) == words


@pytest.mark.parametrize("text", ["man:king", "a:b:c::d", "a::b", ":b::c:d", "a:b::c:d:e", 7])
def test_parse_analogy_rejects(text):
    with pytest.raises(ParameterError, match="a:b::c:d"):
        parse_analogy(text)


def test_select_words_groups_neighbours_analogies(toy_kv):
    words, groups, arrows = select_words(
        toy_kv, groups=[["red", "blue"], ["car", "red"]], neighbours_of="cat", topn=3,
        analogies=["cat:dog::car:bus"])
    assert words[:4] == ["cat", "dog", "car", "bus"]
    assert arrows == [(0, 1), (2, 3)]
    assert groups[:4] == ["cat:dog::car:bus"] * 4
    assert groups[words.index("red")] == "group 1"  # first group wins
    assert groups[words.index("blue")] == "group 1"
    # cat's neighbours are the other animals (cat itself already plotted)
    assert {w for w, g in zip(words, groups) if g == NEIGHBOURS_GROUP} == {"cow", "hen"}
    assert len(words) == len(set(words))


def test_select_words_fills_in_the_analogy_answer(toy_kv):
    words, _, arrows = select_words(toy_kv, analogies=["car:bus::red"])
    assert words[:3] == ["car", "bus", "red"] and len(words) == 4
    assert words[3] == toy_kv.analogy("car", "bus", "red")[0][0]
    assert arrows == [(0, 1), (2, 3)]


def test_select_words_errors(toy_kv):
    with pytest.raises(VocabularyError, match="'zebra'"):
        select_words(toy_kv, groups=[["cat", "zebra"]])
    with pytest.raises(ParameterError, match="nothing to plot"):
        select_words(toy_kv)
    with pytest.raises(ParameterError, match="top=0"):
        select_words(toy_kv, top=0)
    with pytest.raises(ParameterError, match="word lists"):
        select_words(toy_kv, groups=["cat"])


def test_top_words_are_the_first_rows(toy_kv):
    words, groups, _ = select_words(toy_kv, top=5)
    assert words == toy_kv.words[:5]


def test_cluster_labels_find_planted_clusters(toy_kv):
    labels = cluster_labels(toy_kv.unit_vectors(), 3)
    found = [set(labels[i:i + 4]) for i in (0, 4, 8)]
    assert all(len(f) == 1 for f in found)          # each planted group in one cluster
    assert len(set.union(*found)) == 3              # three different clusters
    with pytest.raises(ParameterError, match="n_clusters"):
        cluster_labels(toy_kv.unit_vectors(), 0)


def test_plot_data_colours_by_cluster_but_keeps_analogies(toy_kv):
    data = plot_data(toy_kv, top=12, analogies=["cat:dog::car:bus"], clusters=3)
    assert data.coords.shape == (12, 2)
    assert set(data.groups[:4]) == {"cat:dog::car:bus"}
    assert {g for g in data.groups[4:]} == {"cluster 1", "cluster 2", "cluster 3"}
    assert data.colour_of(data.groups[0]) == GROUP_COLOURS[0]


@pytest.mark.parametrize("dims", [2, 3])
def test_png_and_svg_show_points_labels_and_arrows(toy_kv, tmp_path, dims):
    data = plot_data(toy_kv, groups=[toy_kv.words], analogies=["cat:dog::car:bus"], dims=dims)
    png = tmp_path / "p.png"
    save_plot(data, png)
    pixels = _png_pixels(png.read_bytes())
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    assert _non_background_fraction(pixels) > 0.01
    coloured = pixels[..., :3]
    # the analogy group's colour (the first of the palette) is drawn
    first = np.array([int(GROUP_COLOURS[0][i:i + 2], 16) / 255 for i in (1, 3, 5)])
    assert np.any(np.all(np.abs(coloured - first) < 0.05, axis=-1))
    svg = tmp_path / "p.svg"
    save_plot(data, svg)
    text = svg.read_text()
    for word in toy_kv.words:
        assert re.search(rf">\s*{word}\s*<", text), word


def test_html_is_offline_and_has_the_points(toy_kv, tmp_path):
    data = plot_data(toy_kv, top=12, analogies=["cat:dog::car:bus"])
    html = tmp_path / "p.html"
    save_plot(data, html)
    text = html.read_text()
    assert not re.search(r"<script[^>]+src=", text)      # nothing fetched: plotly inlined
    assert "plotly.js v" in text or "Plotly" in text
    for word in toy_kv.words:
        assert f'"{word}"' in text
    plain = tmp_path / "plain.html"                       # plotly.js itself says "arrowhead"
    save_plot(plot_data(toy_kv, top=12), plain)
    assert text.count('"arrowhead"') - plain.read_text().count('"arrowhead"') == 2


def test_save_plot_rejects_unknown_format(toy_kv, tmp_path):
    data = plot_data(toy_kv, top=3)
    with pytest.raises(ParameterError, match="format='jpg'"):
        save_plot(data, tmp_path / "p.jpg")
    assert not (tmp_path / "p.jpg").exists()


def test_cli_plot_png_and_html_for_the_demo_model(demo_model, tmp_path, capsys):
    png, html = tmp_path / "france.png", tmp_path / "france.html"
    for out in (png, html):
        status = main(["plot", str(demo_model), "--neighbours-of", "france", "--topn", "20",
                       "--analogy", "france:paris::germany", "--words", "one", "two",
                       "three", "-o", str(out)])
        assert status == 0
    assert "wrote" in capsys.readouterr().out
    assert _non_background_fraction(_png_pixels(png.read_bytes())) > 0.01
    text = html.read_text()
    assert '"france"' in text and '"paris"' in text and '"three"' in text


def test_cli_plot_user_errors(demo_model, tmp_path, capsys):
    assert main(["plot", str(demo_model), "--words", "zzzqqq", "-o",
                 str(tmp_path / "x.png")]) == 2
    assert "'zzzqqq' is not in the vocabulary" in capsys.readouterr().err
    assert main(["plot", str(demo_model), "--top", "10", "-o", str(tmp_path / "x.gif")]) == 2
    assert "format='gif'" in capsys.readouterr().err
    assert main(["plot", str(demo_model), "--analogy", "a:b", "-o",
                 str(tmp_path / "x.png")]) == 2
    assert not list(tmp_path.glob("x.*"))
