"""Word2Vec: parameters, training end to end, reproducibility, save/load."""

from __future__ import annotations

import numpy as np
import pytest

from w2v import DivergenceError, ParameterError, TrainingError
from w2v.demo import demo_corpus_path
from w2v.model import Word2Vec


def grouped_corpus(n_sentences=600, seed=0):
    """Sentences "<det> <noun> <verb>" where animals and vehicles use different verbs,
    so animals share contexts with animals and vehicles with vehicles."""
    rng = np.random.default_rng(seed)
    animals = ["cat", "dog", "horse", "cow"]
    vehicles = ["car", "bus", "truck", "train"]
    animal_verbs = ["eats", "sleeps", "runs", "barks"]
    vehicle_verbs = ["drives", "parks", "honks", "stalls"]
    dets = ["the", "a", "this", "that"]
    out = []
    for _ in range(n_sentences):
        if rng.random() < 0.5:
            noun, verb = rng.choice(animals), rng.choice(animal_verbs)
        else:
            noun, verb = rng.choice(vehicles), rng.choice(vehicle_verbs)
        out.append([str(rng.choice(dets)), str(noun), str(verb), "today"])
    return out, animals, vehicles


def group_margin(kv, a, b):
    """Mean within-group cosine minus mean across-group cosine."""
    u = kv.unit_vectors()
    ia = [kv.index[w] for w in a]
    ib = [kv.index[w] for w in b]
    within = [u[i] @ u[j] for g in (ia, ib) for i in g for j in g if i < j]
    across = [u[i] @ u[j] for i in ia for j in ib]
    return float(np.mean(within) - np.mean(across))


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
def test_every_combination_groups_words_that_share_contexts(arch, loss):
    corpus, animals, vehicles = grouped_corpus()
    model = Word2Vec(arch=arch, loss=loss, dim=16, window=2, min_count=1, sample=0,
                     epochs=20, threads=1, seed=3, alpha=0.05)
    model.fit(corpus)
    assert group_margin(model.wv, animals, vehicles) > 0.3
    assert len(model.loss_history_) == 20
    assert model.loss_history_[-1] < model.loss_history_[0]


@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_single_thread_seeded_runs_are_bit_identical(arch):
    corpus, _, _ = grouped_corpus()
    kwargs = dict(arch=arch, dim=8, window=2, min_count=1, epochs=3, threads=1, seed=7,
                  chunk_words=100)
    a = Word2Vec(**kwargs).fit(corpus)
    b = Word2Vec(**kwargs).fit(corpus)
    assert np.array_equal(a.word_vectors_, b.word_vectors_)
    assert np.array_equal(a.context_vectors_, b.context_vectors_)
    assert a.loss_history_ == b.loss_history_
    c = Word2Vec(**{**kwargs, "seed": 8}).fit(corpus)
    assert not np.array_equal(a.word_vectors_, c.word_vectors_)


def test_multithreaded_training_uses_all_chunks():
    corpus, animals, vehicles = grouped_corpus(2000)
    model = Word2Vec(dim=16, window=2, min_count=1, sample=0, epochs=5, threads=2,
                     chunk_words=500)
    seen = []
    model.fit(corpus, callbacks=[lambda m, info: seen.append(info)])
    assert [i["epoch"] for i in seen] == [1, 2, 3, 4, 5]
    assert all(i["words"] == model.vocabulary_.total_count for i in seen)
    assert group_margin(model.wv, animals, vehicles) > 0.3


@pytest.mark.parametrize("loss", ["hs", "ns"])
@pytest.mark.parametrize("arch", ["skipgram", "cbow"])
def test_multithreaded_training_on_private_copies_of_the_hottest_output_rows(arch, loss,
                                                                           monkeypatch):
    """With two threads, each thread copies the hottest output rows (HS: the inner nodes
    nearest the root; NS: the most frequent words) and merges them after each chunk;
    training still groups words, and afterwards the output matrix is the plain array
    again, with the trained rows in it."""
    import w2v.model as model_module

    monkeypatch.setitem(model_module.PRIVATE_OUTPUT_ROWS, loss, 4)   # of 13 or 14 rows
    corpus, animals, vehicles = grouped_corpus(2000)
    model = Word2Vec(arch=arch, loss=loss, dim=16, window=2, min_count=1, sample=0,
                     epochs=5, threads=2, chunk_words=500, alpha=0.05)
    model.fit(corpus)
    V = len(model.vocabulary_)
    rows = V - 1 if loss == "hs" else V
    assert model.context_vectors_.shape == (rows, 16)
    assert model.context_vectors_.base is None and model.context_vectors_.flags.c_contiguous
    hot = model.context_vectors_[-4:] if loss == "hs" else model.context_vectors_[:4]
    assert np.all(np.abs(hot).max(axis=1) > 0)   # the copied rows trained
    assert model.loss_history_[-1] < model.loss_history_[0]
    assert group_margin(model.wv, animals, vehicles) > 0.3


def test_training_on_padded_rows_leaves_plain_matrices(monkeypatch):
    """The trainer trains padded, aligned copies (dim 6 -> rows of 8 floats) through
    views; callbacks see the views, and afterwards both matrices are plain arrays of
    the model's shape again, holding the trained values."""
    from w2v import kernels

    seen = []
    corpus, animals, vehicles = grouped_corpus(2000)
    model = Word2Vec(arch="cbow", dim=6, window=2, min_count=1, sample=0, epochs=3,
                     threads=2, chunk_words=500, alpha=0.05)
    model.build_vocab(corpus)
    before = model.word_vectors_.copy()
    model.train(corpus, callbacks=[lambda m, info: seen.append(
        (m.word_vectors_.shape, m.word_vectors_.strides[0], m.context_vectors_.strides[0]))])
    V = len(model.vocabulary_)
    row_bytes = 4 * kernels.padded_width(6)
    assert len(seen) == 3 and all(s == ((V, 6), row_bytes, row_bytes) for s in seen)
    for matrix in (model.word_vectors_, model.context_vectors_):
        assert matrix.shape == (V, 6) and matrix.base is None and matrix.flags.c_contiguous
    assert not np.allclose(model.word_vectors_, before)
    assert group_margin(model.wv, animals, vehicles) > 0.3


def test_train_continues_and_counts_epochs():
    corpus, _, _ = grouped_corpus()
    model = Word2Vec(dim=8, window=2, min_count=1, epochs=2, threads=1).fit(corpus)
    before = model.word_vectors_.copy()
    model.train(corpus, epochs=1)
    assert model.epochs_trained_ == 3 and len(model.loss_history_) == 3
    assert not np.array_equal(before, model.word_vectors_)


def test_save_load_round_trip_is_exact(tmp_path):
    corpus, _, _ = grouped_corpus()
    model = Word2Vec(loss="hs", dim=8, window=2, min_count=1, epochs=2, threads=1)
    model.fit(corpus)
    path = tmp_path / "m.w2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert loaded.get_params() == model.get_params()
    assert loaded.vocabulary_.words == model.vocabulary_.words
    assert np.array_equal(loaded.vocabulary_.counts, model.vocabulary_.counts)
    assert np.array_equal(loaded.word_vectors_, model.word_vectors_)
    assert np.array_equal(loaded.context_vectors_, model.context_vectors_)
    assert loaded.loss_history_ == model.loss_history_
    assert loaded.epochs_trained_ == 2


def test_resumed_training_after_load_equals_uninterrupted_training(tmp_path):
    corpus, _, _ = grouped_corpus()
    kwargs = dict(dim=8, window=2, min_count=1, epochs=1, threads=1, seed=5)
    a = Word2Vec(**kwargs).fit(corpus)
    a.save(tmp_path / "a.w2v")
    b = Word2Vec.load(tmp_path / "a.w2v")
    a.train(corpus)
    b.train(corpus)
    assert np.array_equal(a.word_vectors_, b.word_vectors_)


@pytest.mark.parametrize("kwargs, name", [
    (dict(arch="rnn"), "arch"), (dict(loss="nce"), "loss"), (dict(dim=0), "dim"),
    (dict(window=0), "window"), (dict(negative=0), "negative"), (dict(sample=-1), "sample"),
    (dict(min_count=0), "min_count"), (dict(epochs=0), "epochs"), (dict(alpha=0), "alpha"),
    (dict(alpha=float("nan")), "alpha"), (dict(threads=0), "threads"),
    (dict(dim=2.5), "dim"), (dict(cbow_mean=1), "cbow_mean"),
    (dict(alpha=0.01, min_alpha=0.1), "min_alpha"),
])
def test_bad_parameters_name_the_parameter(kwargs, name):
    with pytest.raises(ParameterError, match=rf"^parameter {name}="):
        Word2Vec(**kwargs)


def test_parameters_are_keyword_only():
    with pytest.raises(TypeError):
        Word2Vec("skipgram")  # type: ignore[misc]


def test_train_before_build_vocab_is_a_clear_error():
    with pytest.raises(TrainingError, match="build_vocab"):
        Word2Vec().train([["a", "b"]])


def test_divergence_stops_training_with_a_named_epoch():
    corpus, _, _ = grouped_corpus()
    model = Word2Vec(dim=8, window=2, min_count=1, epochs=3, threads=1, alpha=10.0,
                     loss="softmax", arch="cbow", cbow_mean=False)
    with pytest.raises(DivergenceError, match=r"epoch \d+.*learning rate"):
        model.fit(corpus)


def test_hierarchical_softmax_has_no_output_word_vectors():
    corpus, _, _ = grouped_corpus()
    model = Word2Vec(loss="hs", dim=8, window=2, min_count=1, epochs=1).fit(corpus)
    assert model.context_vectors_.shape == (len(model.vocabulary_) - 1, 8)
    with pytest.raises(ParameterError):
        model.vectors("out")
    ns = Word2Vec(dim=8, window=2, min_count=1, epochs=1).fit(corpus)
    summed = ns.vectors("sum").vectors
    assert np.allclose(summed, ns.word_vectors_ + ns.context_vectors_)


@pytest.mark.slow
def test_demo_corpus_puts_related_words_together():
    model = Word2Vec(dim=50, epochs=3, seed=1).fit(demo_corpus_path())
    wv = model.wv
    # numbers with numbers, countries with countries: far above a random pair's cosine
    assert wv.similarity("three", "four") > 0.6
    assert wv.similarity("france", "italy") > 0.6
    neighbours = [w for w, _ in wv.most_similar("three", topn=10)]
    assert sum(w in {"one", "two", "four", "five", "six", "seven", "eight", "nine", "zero"}
               for w in neighbours) >= 4
    # small corpora leave a large common direction (random pairs' cosines are high, as
    # in gensim), so also ask for rank: each word's partner is among its nearest 20
    # of 13,771 words
    assert "italy" in [w for w, _ in wv.most_similar("france", topn=20)]
    assert "four" in [w for w, _ in wv.most_similar("three", topn=20)]


class _InterruptAt:
    """A corpus that raises KeyboardInterrupt (as Ctrl-C would) at its n-th sentence."""

    def __init__(self, corpus, n):
        self.corpus, self.n = corpus, n

    def __iter__(self):
        for i, sentence in enumerate(self.corpus):
            if i == self.n:
                raise KeyboardInterrupt
            yield sentence


def _interrupt_after_epoch(epoch):
    def callback(model, info):
        if info["epoch"] == epoch:
            raise KeyboardInterrupt
    return callback


@pytest.mark.parametrize("how", ["mid-epoch", "after-epoch-1", "after-epoch-2"])
def test_ctrl_c_checkpoint_then_resume_is_bit_identical(tmp_path, how):
    from w2v.errors import TrainingInterrupted

    corpus, _, _ = grouped_corpus(3000)
    kwargs = dict(dim=8, window=2, min_count=1, epochs=3, threads=1, seed=5, chunk_words=300)
    reference = Word2Vec(**kwargs).fit(corpus)
    model = Word2Vec(**kwargs)
    model.build_vocab(corpus)
    checkpoint = tmp_path / "run.checkpoint"
    if how == "mid-epoch":
        run = dict(corpus=_InterruptAt(corpus, 1700), callbacks=())
    else:
        run = dict(corpus=corpus, callbacks=[_interrupt_after_epoch(int(how[-1]))])
    with pytest.raises(TrainingInterrupted) as info:
        model.train(run["corpus"], callbacks=run["callbacks"], checkpoint=checkpoint)
    assert info.value.checkpoint_path == str(checkpoint) and checkpoint.exists()
    resumed = Word2Vec.resume(checkpoint, corpus)
    assert np.array_equal(resumed.word_vectors_, reference.word_vectors_)
    assert np.array_equal(resumed.context_vectors_, reference.context_vectors_)
    assert resumed.loss_history_ == reference.loss_history_
    assert resumed.epochs_trained_ == 3
    assert not checkpoint.exists()  # deleted once training completed


def test_periodic_checkpoints_are_loadable_models(tmp_path):
    corpus, _, _ = grouped_corpus(2000)
    checkpoint = tmp_path / "run.checkpoint"
    seen = []

    def look(model, info):
        seen.append(Word2Vec.load(checkpoint).epochs_trained_)

    Word2Vec(dim=8, window=2, min_count=1, epochs=2, threads=2, chunk_words=200).fit(
        corpus, checkpoint=checkpoint, checkpoint_every=0, callbacks=[look])
    # a checkpoint after every chunk: when epoch e ends, the last one is from epoch e
    assert seen == [0, 1]
    assert not checkpoint.exists()


def test_resume_refuses_a_finished_model(tmp_path):
    from w2v import FormatError

    corpus, _, _ = grouped_corpus()
    Word2Vec(dim=8, window=2, min_count=1, epochs=1).fit(corpus).save(tmp_path / "m.w2v")
    with pytest.raises(FormatError, match="not a checkpoint"):
        Word2Vec.resume(tmp_path / "m.w2v", corpus)
