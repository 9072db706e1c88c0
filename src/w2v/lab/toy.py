r"""``lab toy``: word2vec's training steps written out, on the seed example.

Two explicit step-by-step walks over one sentence, each written in NumPy from the
formulas of :mod:`w2v.kernels` and checked (by :func:`kernel_weights` and the tests)
to end exactly where the real Numba kernel ends on the same input:

* :func:`cbow_softmax_steps`: CBOW with the full softmax. Each step: the (averaged)
  one-hot input, the hidden activation ``h`` (the mean of the context rows of ``W_in``:
  multiplying a one-hot vector by ``W_in`` just *looks up* a row), the scores
  ``W_out h``, the softmax output ``p``, the error ``y - p`` and the updated rows;
* :func:`skipgram_ns_steps`: skip-gram with negative sampling. Each step is one
  (input word, output word) pair plus ``negative`` sampled words, labels 1, 0, ..., 0,
  the sigmoid of each dot product and the updates of both matrices. The negatives are
  drawn with the kernel's own generator (same state, same draws), so the walk makes the
  kernel's random choices.

The walks use the kernel's conventions: constant learning rate, full window (no
shrinking), no subsampling, CBOW averages the contexts and adds the *full* hidden
gradient to every context row, skip-gram trains each context word's input vector to
predict the centre word (the C tool's order) one pair at a time, and errors use the
output rows *before* the step.

:func:`movement_study` trains the real :class:`w2v.model.Word2Vec` on a larger toy
corpus in which two groups of words share contexts, snapshotting the 2-D input
vectors after every epoch so the report can replay the vectors moving together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validation as V
from .. import kernels
from ..sampling import AliasTable
from ..vocab import Vocabulary

__all__ = ["TOY_SENTENCE", "ToyProblem", "CBOWStep", "SkipGramStep", "toy_problem",
           "cbow_softmax_steps", "skipgram_ns_steps", "kernel_weights",
           "two_group_corpus", "MovementStudy", "movement_study", "ANIMALS", "VEHICLES"]

#: The seed documents' example sentence: 9 tokens, 8 distinct words ("the" twice).
TOY_SENTENCE = "the night is darkest just before the dawn rises"
#: The seed example's sizes: window 1, dimension 3.
TOY_WINDOW = 1
TOY_DIM = 3
#: Both matrices start uniform in +-TOY_INIT_SCALE: large enough that every gradient
#: term is visibly non-zero from the first step (word2vec itself starts W_out at zero,
#: which makes the first steps' input updates exactly zero -- correct but uninstructive).
TOY_INIT_SCALE = 0.5
#: A learning rate large enough to see rows move in a few steps.
TOY_ALPHA = 0.1
#: Negative samples per pair in the skip-gram walk (the issue: "1 positive and n
#: sampled negatives"); small so the table stays readable.
TOY_NEGATIVE = 2
#: Seed of the toy weights and of the generator state.
TOY_SEED = 7


@dataclass
class ToyProblem:
    """A sentence encoded against its own vocabulary, and starting weights.

    Attributes
    ----------
    vocabulary : Vocabulary
        The sentence's words by count (ties in alphabetical order).
    tokens : ndarray of int32
        The sentence as word ids.
    word_vectors, context_vectors : ndarray (V, dim), float32
        Starting ``W_in`` and ``W_out``.
    alias_threshold, alias_index : ndarray
        The negative-sampling table (count ** 0.75), as the model builds it.
    rng_state : int
        Starting state of the kernel's generator.
    """

    vocabulary: Vocabulary
    tokens: np.ndarray
    word_vectors: np.ndarray
    context_vectors: np.ndarray
    alias_threshold: np.ndarray
    alias_index: np.ndarray
    rng_state: int

    @property
    def words(self) -> list[str]:
        return self.vocabulary.words


def toy_problem(sentence: str = TOY_SENTENCE, *, dim: int = TOY_DIM,
                seed: int = TOY_SEED) -> ToyProblem:
    """Encode ``sentence`` (whitespace-separated) and draw starting weights."""
    dim = V.check_int("dim", dim, min=1, max=64)
    seed = V.check_int("seed", seed, min=0)
    tokens = sentence.split()
    if len(tokens) < 2:
        V.fail("sentence", sentence, "at least 2 words")
    counts: dict[str, int] = {}
    for t in tokens:
        counts[t] = counts.get(t, 0) + 1
    vocabulary = Vocabulary.from_counts(counts)
    gen = np.random.default_rng(seed)
    n = len(vocabulary)
    w_in = gen.uniform(-TOY_INIT_SCALE, TOY_INIT_SCALE, (n, dim)).astype(np.float32)
    w_out = gen.uniform(-TOY_INIT_SCALE, TOY_INIT_SCALE, (n, dim)).astype(np.float32)
    table = AliasTable.for_negative_sampling(vocabulary.counts)
    return ToyProblem(vocabulary, vocabulary.encode(tokens), w_in, w_out,
                      table.threshold, table.alias, int(kernels.seed_rng(seed)[0]))


def _contexts(tokens: np.ndarray, i: int, window: int) -> list[int]:
    n = len(tokens)
    return [int(tokens[j]) for j in range(max(0, i - window), min(n, i + window + 1))
            if j != i]


def _sigmoid(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, -kernels.MAX_SCORE, kernels.MAX_SCORE)
    return 1.0 / (1.0 + np.exp(-s))


@dataclass
class CBOWStep:
    """One CBOW + full-softmax training step (one centre word).

    Attributes
    ----------
    position : int
        Position of the centre word in the sentence.
    centre : int
        Target word id. ``contexts``: the input word ids.
    one_hot : ndarray (V,)
        The input layer: the average of the context words' one-hot vectors.
    hidden : ndarray (D,)
        ``one_hot @ W_in``: the mean of the context rows of ``W_in``.
    scores, output, error : ndarray (V,)
        ``W_out @ hidden``, ``softmax(scores)`` and ``y - output`` (``y`` one-hot at the
        centre).
    loss : float
        ``-log output[centre]``.
    word_vectors, context_vectors : ndarray
        Both matrices after the step.
    """

    position: int
    centre: int
    contexts: list[int]
    one_hot: np.ndarray
    hidden: np.ndarray
    scores: np.ndarray
    output: np.ndarray
    error: np.ndarray
    loss: float
    word_vectors: np.ndarray
    context_vectors: np.ndarray


def cbow_softmax_steps(problem: ToyProblem, *, window: int = TOY_WINDOW,
                       alpha: float = TOY_ALPHA) -> list[CBOWStep]:
    """Walk one epoch of CBOW with full softmax over the sentence, step by step.

    One step per centre word, in order::

        h       = mean of W_in[c] over the contexts c
        p       = softmax(W_out h)
        e       = y - p                          (y: one-hot of the centre)
        grad_h  = alpha * e @ W_out              (the old W_out)
        W_out  += alpha * outer(e, h)
        W_in[c] += grad_h                        for each context c
    """
    window = V.check_int("window", window, min=1)
    alpha = V.check_float("alpha", alpha, min=0.0, min_exclusive=True)
    w_in = problem.word_vectors.copy()
    w_out = problem.context_vectors.copy()
    n_words = w_in.shape[0]
    steps = []
    for i, centre in enumerate(problem.tokens.tolist()):
        contexts = _contexts(problem.tokens, i, window)
        one_hot = np.zeros(n_words)
        for c in contexts:
            one_hot[c] += 1.0 / len(contexts)
        hidden = one_hot @ w_in.astype(np.float64)
        scores = w_out.astype(np.float64) @ hidden
        shifted = np.exp(scores - scores.max())
        output = shifted / shifted.sum()
        target = np.zeros(n_words)
        target[centre] = 1.0
        error = target - output
        # the kernel keeps alpha * error in float32
        g = (alpha * error).astype(np.float32).astype(np.float64)
        grad_hidden = g @ w_out.astype(np.float64)
        w_out = (w_out + np.outer(g, hidden)).astype(np.float32)
        for c in contexts:
            w_in[c] = (w_in[c] + grad_hidden).astype(np.float32)
        steps.append(CBOWStep(i, centre, contexts, one_hot, hidden, scores, output, error,
                              float(-np.log(output[centre])), w_in.copy(), w_out.copy()))
    return steps


@dataclass
class SkipGramStep:
    """One skip-gram negative-sampling step: one (input, output) pair and its negatives.

    Attributes
    ----------
    position : int
        Position of the centre word.
    input_word : int
        The context word whose ``W_in`` row is the hidden vector (the C tool's order:
        the context word predicts the centre).
    rows : list of int
        Output words: the centre (label 1), then the sampled negatives (label 0).
    labels, scores, sigmoid, error : ndarray
        Per output row: label, ``W_in[input] . W_out[row]``, its sigmoid, and
        ``label - sigmoid``.
    loss : float
    word_vectors, context_vectors : ndarray
        Both matrices after the step.
    """

    position: int
    input_word: int
    rows: list[int]
    labels: np.ndarray
    scores: np.ndarray
    sigmoid: np.ndarray
    error: np.ndarray
    loss: float
    word_vectors: np.ndarray
    context_vectors: np.ndarray


def skipgram_ns_steps(problem: ToyProblem, *, window: int = TOY_WINDOW,
                      negative: int = TOY_NEGATIVE,
                      alpha: float = TOY_ALPHA) -> list[SkipGramStep]:
    """Walk one epoch of skip-gram with negative sampling over the sentence.

    For each centre word and each of its context words, in order: draw ``negative``
    words from the alias table with the kernel's generator (a draw equal to the centre
    is skipped, as in the C tool), then with ``h = W_in[context]``::

        e_t      = label_t - sigmoid(h . W_out[t])
        grad_h   = alpha * sum_t e_t W_out[t]     (the old rows)
        W_out[t] += alpha * e_t h                 (sequentially: a repeated row adds up)
        W_in[context] += grad_h
    """
    window = V.check_int("window", window, min=1)
    negative = V.check_int("negative", negative, min=1, max=1000)
    alpha = V.check_float("alpha", alpha, min=0.0, min_exclusive=True)
    w_in = problem.word_vectors.copy()
    w_out = problem.context_vectors.copy()
    rng = np.array([problem.rng_state], dtype=np.uint64)
    steps = []
    for i, centre in enumerate(problem.tokens.tolist()):
        for context in _contexts(problem.tokens, i, window):
            rows, labels = [centre], [1.0]
            for _ in range(negative):
                # the kernel's own draw: same generator, same table, same choices
                w = int(kernels._draw_negative(rng, problem.alias_threshold,
                                               problem.alias_index))
                if w != centre:
                    rows.append(w)
                    labels.append(0.0)
            label_array = np.array(labels)
            hidden = w_in[context].astype(np.float64)
            old = w_out[rows].astype(np.float64)
            scores = old @ hidden
            sig = _sigmoid(scores)
            error = label_array - sig
            p_label = np.where(label_array > 0.5, sig, 1.0 - sig)
            loss = float(-np.log(np.maximum(p_label, kernels.MIN_PROBABILITY)).sum())
            g = (alpha * error).astype(np.float32).astype(np.float64)
            grad_hidden = g @ old
            for t, row in enumerate(rows):
                w_out[row] = (w_out[row] + g[t] * hidden).astype(np.float32)
            w_in[context] = (w_in[context] + grad_hidden).astype(np.float32)
            steps.append(SkipGramStep(i, context, rows, label_array, scores, sig, error,
                                      loss, w_in.copy(), w_out.copy()))
    return steps


def kernel_weights(problem: ToyProblem, *, arch: str, window: int = TOY_WINDOW,
                   negative: int = TOY_NEGATIVE, alpha: float = TOY_ALPHA):
    """Run the real kernel (:func:`w2v.kernels.train_chunk`) on the sentence as one
    chunk, with the walks' settings; returns ``(W_in, W_out)`` after the epoch.

    ``arch="cbow"`` trains CBOW + full softmax, ``arch="skipgram"`` skip-gram + negative
    sampling (per-pair updates, no batching), from the problem's weights and generator
    state.
    """
    arch = V.check_choice("arch", arch, ("cbow", "skipgram"))
    w_in = problem.word_vectors.copy()
    w_out = problem.context_vectors.copy()
    n_words, dim = w_in.shape
    tokens = problem.tokens.astype(np.int32)
    starts = np.array([0, len(tokens)], dtype=np.int64)
    keep = np.ones(n_words, dtype=np.float32)
    layer = kernels.LAYER_SOFTMAX if arch == "cbow" else kernels.LAYER_NS
    code = kernels.ARCH_CBOW if arch == "cbow" else kernels.ARCH_SKIPGRAM
    max_targets = n_words if arch == "cbow" else 1 + negative
    scratch = kernels.Scratch(dim=dim, window=window, max_sentence_length=len(tokens),
                              max_targets=max_targets, max_hidden=1)
    rng = np.array([problem.rng_state], dtype=np.uint64)
    no_tree = (np.zeros((1, 1), np.int32), np.zeros((1, 1), np.uint8), np.zeros(1, np.int32))
    kernels.train_chunk(w_in, w_out, tokens, starts, keep, code, layer, 1, 0, window, 0,
                        negative if arch == "skipgram" else 0, problem.alias_threshold,
                        problem.alias_index, *no_tree, alpha, alpha, rng, *scratch.arrays())
    return w_in, w_out


def _kernel_gap(problem: ToyProblem, arch: str, last_step) -> float:
    """Largest difference between the walk's final weights and the real kernel's."""
    k_in, k_out = kernel_weights(problem, arch=arch)
    return float(max(np.abs(k_in - last_step.word_vectors).max(),
                     np.abs(k_out - last_step.context_vectors).max()))


# -- vectors moving together -----------------------------------------------------------

#: The two word groups of the movement corpus, and the contexts only each group uses.
ANIMALS = ("cat", "dog", "horse", "cow")
VEHICLES = ("car", "bus", "truck", "van")
_ANIMAL_CONTEXTS = ("eats", "sleeps", "runs", "barks")
_VEHICLE_CONTEXTS = ("drives", "parks", "brakes", "honks")
_SHARED = ("the", "a")
#: Sentences of the movement corpus: enough for every word to see every context often.
MOVEMENT_SENTENCES = 400
#: Epochs of the movement study (one snapshot each) and its settings. Measured: in 2-D
#: every vector collapses onto one shared direction (all cosines ~1, both groups), so
#: the study trains 10-D vectors and the report shows a fixed 2-D projection of them;
#: the cosines are computed in the full dimension.
MOVEMENT_EPOCHS = 25
MOVEMENT_DIM = 10
MOVEMENT_WINDOW = 2
MOVEMENT_NEGATIVE = 5


def two_group_corpus(*, n_sentences: int = MOVEMENT_SENTENCES, seed: int = TOY_SEED):
    """Sentences "the|a WORD CONTEXT": animals only with animal contexts, vehicles only
    with vehicle contexts, so words of a group share contexts but never co-occur."""
    gen = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        words, contexts = ((ANIMALS, _ANIMAL_CONTEXTS) if gen.random() < 0.5
                           else (VEHICLES, _VEHICLE_CONTEXTS))
        sentences.append([_SHARED[gen.integers(2)], words[gen.integers(len(words))],
                          contexts[gen.integers(len(contexts))]])
    return sentences


@dataclass
class MovementStudy:
    """Input vectors of the two groups after each epoch (snapshot 0: initial weights).

    Attributes
    ----------
    words : list of str
        The vocabulary.
    snapshots : ndarray (epochs + 1, V, dim)
    projected : ndarray (epochs + 1, V, 2)
        Every snapshot on the same two axes: the top two principal directions of all
        snapshots together (centred on their common mean).
    within, between : ndarray (epochs + 1,)
        Mean cosine similarity of pairs inside a group, and across the groups.
    """

    words: list[str]
    snapshots: np.ndarray
    projected: np.ndarray = field(default=None)
    within: np.ndarray = field(default=None)
    between: np.ndarray = field(default=None)


def _group_cosines(vectors: np.ndarray, index: dict[str, int]) -> tuple[float, float]:
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    a = unit[[index[w] for w in ANIMALS]]
    b = unit[[index[w] for w in VEHICLES]]
    upper = np.triu_indices(len(ANIMALS), k=1)
    within = np.concatenate([(a @ a.T)[upper], (b @ b.T)[upper]]).mean()
    return float(within), float((a @ b.T).mean())


def movement_study(*, epochs: int = MOVEMENT_EPOCHS, seed: int = TOY_SEED) -> MovementStudy:
    """Train skip-gram (negative sampling, 10-D) on :func:`two_group_corpus`, one thread,
    and record the input vectors after every epoch."""
    from ..model import Word2Vec

    epochs = V.check_int("epochs", epochs, min=1, max=10_000)
    model = Word2Vec(arch="skipgram", loss="ns", dim=MOVEMENT_DIM, window=MOVEMENT_WINDOW,
                     negative=MOVEMENT_NEGATIVE, sample=0.0, min_count=1,
                     epochs=epochs, threads=1, seed=seed, shrink_windows=False)
    corpus = two_group_corpus(seed=seed)
    model.build_vocab(corpus)
    snapshots = [model.word_vectors_.copy()]
    model.train(corpus, callbacks=[lambda m, info: snapshots.append(m.word_vectors_.copy())])
    study = MovementStudy(list(model.vocabulary_.words), np.stack(snapshots))
    pairs = [_group_cosines(s, model.vocabulary_.index) for s in study.snapshots]
    stacked = study.snapshots.reshape(-1, study.snapshots.shape[2]).astype(np.float64)
    centre = stacked.mean(axis=0)
    _, _, axes = np.linalg.svd(stacked - centre, full_matrices=False)
    study.projected = (study.snapshots - centre) @ axes[:2].T
    study.within = np.array([p[0] for p in pairs])
    study.between = np.array([p[1] for p in pairs])
    return study


# -- the report ------------------------------------------------------------------------

#: Side of the square SVG canvas of the movement slider, in pixels.
_CANVAS = 420

_SLIDER = """
<div class="row"><div>
<input type="range" id="epoch" min="0" max="%(last)d" value="0" style="width:%(size)dpx">
<div>epoch <span id="epoch-label">0</span>: within-group cosine <span id="within"></span>,
between-group cosine <span id="between"></span></div>
<svg id="canvas" width="%(size)d" height="%(size)d" style="border:1px solid #ccc"></svg>
</div></div>
<script>
(function () {
  var data = JSON.parse(document.getElementById("w2v-lab-data").textContent).movement;
  var svg = document.getElementById("canvas"), size = %(size)d, pad = 40;
  var all = [].concat.apply([], data.projected);
  var xs = all.map(function (p) { return p[0]; }), ys = all.map(function (p) { return p[1]; });
  var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
  var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
  function sx(x) { return pad + (x - x0) / ((x1 - x0) || 1) * (size - 2 * pad); }
  function sy(y) { return size - pad - (y - y0) / ((y1 - y0) || 1) * (size - 2 * pad); }
  function colour(w) { return data.animals.indexOf(w) >= 0 ? "#c0392b" :
                       data.vehicles.indexOf(w) >= 0 ? "#2471a3" : "#999"; }
  function draw(e) {
    var parts = [];
    data.projected[e].forEach(function (p, i) {
      var w = data.words[i], x = sx(p[0]), y = sy(p[1]);
      parts.push('<circle cx="' + x + '" cy="' + y + '" r="4" fill="' + colour(w) + '"/>');
      parts.push('<text x="' + (x + 6) + '" y="' + (y + 4) + '" font-size="12" fill="' +
                 colour(w) + '">' + w + '</text>');
    });
    svg.innerHTML = parts.join("");
    document.getElementById("epoch-label").textContent = e;
    document.getElementById("within").textContent = data.within[e].toFixed(3);
    document.getElementById("between").textContent = data.between[e].toFixed(3);
  }
  var slider = document.getElementById("epoch");
  slider.addEventListener("input", function () { draw(+slider.value); });
  draw(0);
})();
</script>
"""


def _vector_text(v) -> str:
    return "[" + ", ".join(f"{x:+.4f}" for x in np.asarray(v).ravel()) + "]"


def build_toy_report(*, sentence: str = TOY_SENTENCE, seed: int = TOY_SEED,
                     epochs: int = MOVEMENT_EPOCHS):
    """The ``lab toy`` report: both walks, the kernel check, and the movement study.

    Returns a :class:`w2v.lab.report.Report`; its ``data`` holds every number shown.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .report import Report

    problem = toy_problem(sentence, seed=seed)
    words = problem.words
    report = Report("Why word2vec's weights become semantic: the toy, step by step")
    report.paragraph(
        f"Sentence: \"{sentence}\". Vocabulary of {len(words)} words (ids by count): "
        + ", ".join(f"{i}={w}" for i, w in enumerate(words))
        + f". Window {TOY_WINDOW}, dimension {TOY_DIM}, learning rate {TOY_ALPHA}; both "
        f"matrices start uniform in +-{TOY_INIT_SCALE} (seed {seed}).")

    def matrix_table(matrix, caption):
        report.table(["word"] + [f"d{j}" for j in range(matrix.shape[1])],
                     [[w] + [float(x) for x in row] for w, row in zip(words, matrix)],
                     caption=caption)

    report.heading("Starting weights")
    report.raw('<div class="row">')
    matrix_table(problem.word_vectors, "W_in (input vectors)")
    matrix_table(problem.context_vectors, "W_out (output vectors)")
    report.raw("</div>")

    # CBOW + softmax
    cbow = cbow_softmax_steps(problem)
    cbow_gap = _kernel_gap(problem, "cbow", cbow[-1])
    report.heading("1. CBOW with full softmax")
    report.paragraph(
        "Each step predicts the centre word from its neighbours. The input layer is the "
        "average of the neighbours' one-hot vectors; multiplying it by W_in just looks up "
        "(and averages) their rows: that is the hidden activation h. The output layer "
        "scores every word with W_out h, softmax turns the scores into probabilities p, "
        "and the error is y - p (y: one-hot of the centre). The update moves the "
        "centre's output row towards h and every other output row away from it "
        "(weighted by p), and moves the neighbours' input rows along alpha * (y - p) W_out.")
    for step in cbow:
        report.heading(f"step {step.position + 1}: predict '{words[step.centre]}' from "
                       + ", ".join(f"'{words[c]}'" for c in step.contexts), level=3)
        report.table(["", *words],
                     [["one-hot input (mean)", *map(float, step.one_hot)],
                      ["score W_out h", *map(float, step.scores)],
                      ["softmax output p", *map(float, step.output)],
                      ["error y - p", *map(float, step.error)]])
        report.paragraph(f"hidden h = {_vector_text(step.hidden)}; loss -log p = "
                         f"{step.loss:.4f}. Updated input rows: "
                         + "; ".join(f"W_in[{words[c]}] = {_vector_text(step.word_vectors[c])}"
                                     for c in sorted(set(step.contexts)))
                         + f"; updated W_out[{words[step.centre]}] = "
                         f"{_vector_text(step.context_vectors[step.centre])} (every W_out "
                         "row changes; full matrix in the page's data).", note=True)
    report.paragraph(f"Check against the real kernel (w2v.kernels.train_chunk on the same "
                     f"sentence, same settings): largest difference of the final weights = "
                     f"{cbow_gap:.2e}.")

    # skip-gram + NS
    sgns = skipgram_ns_steps(problem)
    sgns_gap = _kernel_gap(problem, "skipgram", sgns[-1])
    report.heading("2. Skip-gram with negative sampling")
    report.paragraph(
        f"Each (input, output) pair is one logistic regression: the true neighbour with "
        f"label 1 and {TOY_NEGATIVE} words drawn from count^0.75 with label 0 (a draw of "
        "the true word is skipped). sigma(W_in[input] . W_out[row]) should approach the "
        "label; the error label - sigma moves both vectors. As in the C tool, the context "
        "word's input vector predicts the centre word (the same pairs, reversed).")
    rows = []
    for n, step in enumerate(sgns, start=1):
        for t, row in enumerate(step.rows):
            rows.append([n if t == 0 else "", words[step.input_word] if t == 0 else "",
                         words[row], int(step.labels[t]), float(step.scores[t]),
                         float(step.sigmoid[t]), float(step.error[t])])
    report.table(["step", "input (W_in row)", "output (W_out row)", "label", "dot",
                  "sigmoid", "error"], rows, text_columns=3)
    last = sgns[-1]
    report.raw('<div class="row">')
    matrix_table(last.word_vectors, "W_in after the epoch (embedding matrix)")
    matrix_table(last.context_vectors, "W_out after the epoch (context matrix)")
    report.raw("</div>")
    report.paragraph(f"Check against the real kernel: largest difference of the final "
                     f"weights = {sgns_gap:.2e}.")

    # movement
    study = movement_study(epochs=epochs, seed=seed)
    report.heading("3. Watch vectors move: words that share contexts end up together")
    report.paragraph(
        f"A larger toy corpus ({MOVEMENT_SENTENCES} sentences 'the|a WORD CONTEXT'): "
        f"{', '.join(ANIMALS)} only appear before {', '.join(_ANIMAL_CONTEXTS)}; "
        f"{', '.join(VEHICLES)} only before {', '.join(_VEHICLE_CONTEXTS)}. No two animals "
        "ever appear together, yet they share neighbours. Skip-gram, negative sampling, "
        f"{MOVEMENT_DIM}-D vectors, one snapshot per epoch; the slider shows a fixed 2-D "
        "projection (top two principal directions of all snapshots). The cosines are in "
        "the full dimension.")
    report.raw(_SLIDER % {"last": len(study.snapshots) - 1, "size": _CANVAS})
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(study.within, label="within a group")
    ax.plot(study.between, label="between groups")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cosine of input vectors")
    ax.legend()
    report.figure(fig, alt="within- and between-group cosine per epoch")
    report.paragraph(
        f"After {epochs} epochs: within-group cosine {study.within[-1]:.3f}, "
        f"between-group {study.between[-1]:.3f}. First every vector moves in one shared "
        "direction (all words share 'the'/'a' and are pushed the same way by the "
        "negatives), then the groups separate along the directions of their own contexts.")

    report.data = {
        "words": words, "tokens": problem.tokens, "alpha": TOY_ALPHA,
        "window": TOY_WINDOW, "negative": TOY_NEGATIVE, "seed": seed,
        "initial": {"word_vectors": problem.word_vectors,
                    "context_vectors": problem.context_vectors},
        "cbow_steps": [{"position": s.position, "centre": s.centre, "contexts": s.contexts,
                        "one_hot": s.one_hot, "hidden": s.hidden, "output": s.output,
                        "error": s.error, "loss": s.loss, "word_vectors": s.word_vectors,
                        "context_vectors": s.context_vectors} for s in cbow],
        "cbow_kernel_max_difference": cbow_gap,
        "skipgram_steps": [{"position": s.position, "input": s.input_word, "rows": s.rows,
                            "labels": s.labels, "sigmoid": s.sigmoid, "error": s.error,
                            "loss": s.loss, "word_vectors": s.word_vectors,
                            "context_vectors": s.context_vectors} for s in sgns],
        "skipgram_kernel_max_difference": sgns_gap,
        "movement": {"words": study.words, "animals": list(ANIMALS),
                     "vehicles": list(VEHICLES), "projected": study.projected,
                     "within": study.within, "between": study.between},
    }
    return report
