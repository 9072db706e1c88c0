"""The ``w2v`` command line end to end: train, then query what was trained."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.cli import main
from w2v.formats import load_keyed_vectors
from w2v.model import Word2Vec


@pytest.fixture
def corpus_file(tmp_path):
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(400):
        if rng.random() < 0.5:
            lines.append(f"the {rng.choice(['cat', 'dog', 'cow'])} {rng.choice(['eats', 'sleeps'])}")
        else:
            lines.append(f"a {rng.choice(['car', 'bus', 'van'])} {rng.choice(['drives', 'parks'])}")
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_train_then_similar_analogy_and_convert(corpus_file, tmp_path, capsys):
    model_path = tmp_path / "m.w2v"
    vec_path = tmp_path / "v.txt"
    status = main(["train", str(corpus_file), "-o", str(model_path), "--dim", "8",
                   "--window", "2", "--min-count", "1", "--epochs", "3", "--threads", "1",
                   "--no-progress", "--save-vectors", str(vec_path)])
    assert status == 0
    out = capsys.readouterr().out
    assert "epoch 3: loss" in out and "saved" in out
    model = Word2Vec.load(model_path)
    assert model.dim == 8 and model.epochs_trained_ == 3
    kv = load_keyed_vectors(vec_path)
    assert kv.words == model.vocabulary_.words
    assert np.allclose(kv.vectors, model.word_vectors_)
    assert main(["similar", str(model_path), "cat", "--topn", "3"]) == 0
    assert main(["analogy", str(model_path), "cat", "dog", "car"]) == 0


def test_train_user_errors_exit_2_with_one_line(tmp_path, capsys):
    status = main(["train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "m.w2v"),
                   "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("w2v: error: ") and err.count("\n") == 1
    assert "missing.txt" in err
    assert not (tmp_path / "m.w2v").exists()


def test_train_rejects_bad_parameter_before_reading(corpus_file, tmp_path, capsys):
    status = main(["train", str(corpus_file), "-o", str(tmp_path / "m.w2v"), "--dim", "0"])
    assert status == 2
    assert "parameter dim=0" in capsys.readouterr().err


def test_help_lists_commands_and_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--negative" in out and "(default: 5)" in out
