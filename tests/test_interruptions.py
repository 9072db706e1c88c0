"""Interruptions: a training process killed with SIGKILL resumes from its checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from w2v.model import Word2Vec

EPOCHS = 4
#: The test waits at most this long for the first checkpoint (start-up and
#: compilation included) before giving up.
CHECKPOINT_WAIT_SECONDS = 120


def write_grouped_corpus(path, n_sentences, seed=0):
    rng = np.random.default_rng(seed)
    animals, vehicles = ["cat", "dog", "horse", "cow"], ["car", "bus", "truck", "train"]
    a_verbs, v_verbs = ["eats", "sleeps", "runs"], ["drives", "parks", "honks"]
    fillers = [f"w{i}" for i in range(300)]
    with open(path, "w") as f:
        for _ in range(n_sentences):
            if rng.random() < 0.5:
                words = [rng.choice(animals), rng.choice(a_verbs)]
            else:
                words = [rng.choice(vehicles), rng.choice(v_verbs)]
            words += list(rng.choice(fillers, size=6))
            f.write(" ".join(map(str, words)) + "\n")
    return animals, vehicles


def margin(kv, a, b):
    u = kv.unit_vectors()
    ia, ib = [kv.index[w] for w in a], [kv.index[w] for w in b]
    within = np.mean([u[i] @ u[j] for g in (ia, ib) for i in g for j in g if i < j])
    across = np.mean([u[i] @ u[j] for i in ia for j in ib])
    return within - across


@pytest.mark.slow
def test_sigkill_mid_training_then_resume(tmp_path):
    corpus = tmp_path / "corpus.txt"
    animals, vehicles = write_grouped_corpus(corpus, 150_000)
    model_path = tmp_path / "model.w2v"
    checkpoint = tmp_path / "model.w2v.checkpoint"
    command = [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(model_path),
               "--dim", "24", "--window", "3", "--min-count", "1", "--epochs", str(EPOCHS),
               "--threads", "2", "--checkpoint-every", "0.2", "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + CHECKPOINT_WAIT_SECONDS
    killed_in_epoch = None
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if checkpoint.exists():
                try:
                    killed_in_epoch = Word2Vec.load(checkpoint).epochs_trained_
                except Exception:   # a rename may race the read; try again
                    time.sleep(0.05)
                    continue
                if killed_in_epoch >= 1:
                    break
            time.sleep(0.05)
        if process.poll() is not None:
            pytest.fail("training finished before it could be killed; make the corpus "
                        "larger:\n" + process.stdout.read().decode())
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert killed_in_epoch is not None and killed_in_epoch < EPOCHS
    assert not model_path.exists()     # nothing half-written
    assert checkpoint.exists()

    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming from" in resumed.stdout
    model = Word2Vec.load(model_path)
    assert model.epochs_trained_ == EPOCHS and len(model.loss_history_) == EPOCHS
    assert not checkpoint.exists()
    # the same quality as an uninterrupted run
    reference = Word2Vec(dim=24, window=3, min_count=1, epochs=EPOCHS, threads=2).fit(
        str(corpus))
    assert margin(model.wv, animals, vehicles) > 0.3
    assert margin(model.wv, animals, vehicles) > margin(reference.wv, animals, vehicles) - 0.15
    assert abs(model.loss_history_[-1] - reference.loss_history_[-1]) < 0.05


def test_resume_without_checkpoint_is_a_clear_error(tmp_path, capsys):
    from w2v.cli import main

    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    status = main(["train", str(corpus), "-o", str(tmp_path / "m.w2v"), "--resume",
                   "--no-progress"])
    assert status == 2
    assert "no checkpoint to resume from" in capsys.readouterr().err
