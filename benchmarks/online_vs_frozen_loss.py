"""Why ``loss_history_`` can rise in the last epochs: online vs frozen-weights loss.

After every epoch of an 8-epoch skip-gram run on the demo corpus, a copy of the model
is run over the corpus once more with a learning rate of 1e-12 (weights frozen, so the
loss is that of the current vectors) and compared with the epoch's online loss (each
prediction's loss just before its own update).

    python benchmarks/online_vs_frozen_loss.py
"""

from __future__ import annotations

import copy

from w2v import Word2Vec
from w2v.corpus import as_corpus
from w2v.demo import demo_corpus_path

#: A learning rate this small leaves float32 weights unchanged: an evaluation pass.
FROZEN_ALPHA = 1e-12


def main() -> None:
    corpus = as_corpus(demo_corpus_path())
    frozen = []

    def evaluate(model, info):
        probe = copy.copy(model)
        probe.word_vectors_ = model.word_vectors_.copy()
        probe.context_vectors_ = model.context_vectors_.copy()
        probe.loss_history_ = []
        probe.alpha = probe.min_alpha = FROZEN_ALPHA
        probe.threads = 1
        probe.train(corpus, epochs=1)
        frozen.append(probe.loss_history_[-1])

    model = Word2Vec(epochs=8, threads=1, dim=50).fit(corpus, callbacks=[evaluate])
    print("epoch  online  frozen")
    for epoch, (online, still) in enumerate(zip(model.loss_history_, frozen), start=1):
        print(f"{epoch:5d}  {online:.4f}  {still:.4f}")


if __name__ == "__main__":
    main()
