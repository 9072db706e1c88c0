"""Train w2v and gensim (and fastText, when installed) side by side and compare them.

Every trainer sees the same corpus file and the same settings; each run (one trainer, one
configuration, one repetition) is its own subprocess, so its timings and peak RSS are its
own. Runs alternate between trainers (A B A B ...). Every model's vectors are saved in
word2vec binary format and scored by one referee: gensim's ``evaluate_word_analogies``
(questions-words, restrict_vocab 30000) and ``evaluate_word_pairs`` (WS-353), with
``w2v.evaluation`` as a cross-check. See benchmarks/README.md for the definitions.

    python benchmarks/compare.py                         # full: 17M words, 5 epochs, 3 repeats
    python benchmarks/compare.py --quick                 # 4M words, 1 epoch, 1 repeat: < 3 min
    python benchmarks/compare.py --config all --markdown # every configuration, append RESULTS.md
    python benchmarks/compare.py --quick \\
        --trainer-variant w2v-classic:batch_contexts=False   # a w2v variant as its own trainer

Only the standard library is imported at module level: a gensim run's subprocess must
not pay for importing w2v (Numba) and the other way round, or peak RSS would not be fair.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The shared, read-only data lives beside the checkout (``../shared/data``).
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DEFAULT_CORPUS = DEFAULT_DATA_DIR / "corpora" / "enwiki-text8style-17m.zip"
DEFAULT_ANALOGIES = DEFAULT_DATA_DIR / "eval" / "analogy" / "questions-words.txt"
DEFAULT_SIMILARITY = DEFAULT_DATA_DIR / "eval" / "similarity" / "ws353.txt"
DEFAULT_RESULTS = REPO_ROOT / "benchmarks" / "RESULTS.md"

#: Tokens per line of the prepared corpus file: the C tool's MAX_SENTENCE_LENGTH, which
#: is also w2v's default ``max_sentence_length`` and gensim's limit per sentence, so both
#: tools train on exactly the same sentences.
SENTENCE_TOKENS = 10_000
#: The issue's referee setting: analogies among the 30,000 most frequent words.
ANALOGY_RESTRICT_VOCAB = 30_000
#: The C tool (and w2v) decay the learning rate linearly to alpha * 1e-4; gensim's own
#: default is an absolute 1e-4, so every trainer is given this fraction explicitly.
MIN_ALPHA_FRACTION = 1e-4
DEFAULT_REPEATS = 3
#: Issue 2's two configurations.
DEFAULT_CONFIGS = ("sg-ns", "cbow-ns")
#: ``--quick``: about 4M words x 1 epoch x 1 repeat x 2 configurations x 2 trainers fits
#: in under 3 minutes on a 2-core machine, evaluation included.
QUICK_WORDS = 4_000_000
QUICK_EPOCHS = 1
QUICK_REPEATS = 1
QUICK_CONFIGS = ("sg-ns", "cbow-ns")
#: A child's last stdout line starts with this, then its results as JSON.
RESULT_MARKER = "W2V-BENCH-RESULT "
#: The flag that turns this script into one run's worker (internal).
WORKER_FLAG = "--worker"
#: Tiny warm-up before w2v's timed run: loads (or compiles) the Numba kernel so the
#: timing measures training, not JIT. Sentences x tokens from a vocabulary of this size.
WARMUP_SENTENCES, WARMUP_TOKENS, WARMUP_VOCAB = 50, 50, 40
TRAINER_KINDS = ("w2v", "gensim", "fasttext")
GENSIM_INPUTS = ("corpus_file", "iterable")
BYTES_PER_MB = 1024 * 1024
KIB = 1024
#: ``ru_maxrss`` is in KiB on Linux (bytes on macOS).
MAXRSS_BYTES = 1 if sys.platform == "darwin" else KIB
#: BLAS thread-count variables. The parent scores vectors with one BLAS thread: with
#: OpenBLAS's default (one per core) gensim's per-question matrix-vector products took
#: 45 s instead of 6 s on a loaded 2-core machine (threads spin waiting for a core).
#: Training runs get the caller's environment unchanged.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Config:
    """One trained configuration: architecture, output layer, learning rate."""

    name: str
    arch: str       # "skipgram" or "cbow"
    loss: str       # "ns" or "hs"
    alpha: float
    negative: int


CONFIGS = {
    "sg-ns": Config("sg-ns", "skipgram", "ns", 0.025, 5),
    "cbow-ns": Config("cbow-ns", "cbow", "ns", 0.05, 5),
    "sg-hs": Config("sg-hs", "skipgram", "hs", 0.025, 0),
    "cbow-hs": Config("cbow-hs", "cbow", "hs", 0.05, 0),
}


@dataclass(frozen=True)
class Settings:
    """The settings shared by every trainer and configuration (the issue's)."""

    dim: int = 100
    window: int = 5
    sample: float = 1e-3
    min_count: int = 5
    epochs: int = 5
    threads: int = 2
    seed: int = 1


@dataclass(frozen=True)
class Trainer:
    """A named trainer: a tool (``kind``) and extra keyword options for it."""

    name: str
    kind: str
    options: tuple = ()   # (key, value) pairs


@dataclass
class Run:
    """One subprocess run and its evaluation."""

    config: str
    trainer: str
    repeat: int
    words: int                      # raw corpus tokens per epoch
    epochs: int
    vocab_s: float | None = None    # None: the tool does not separate it (fastText)
    train_s: float = 0.0
    warmup_s: float = 0.0
    peak_rss_mb: float = 0.0
    vocab_size: int = 0
    analogy: float | None = None    # referee (gensim), fraction correct
    ws353: float | None = None      # referee (gensim), Spearman rho
    w2v_analogy: float | None = None  # cross-check (w2v.evaluation)
    w2v_ws353: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def words_per_second(self) -> float:
        """Raw corpus tokens per epoch x epochs / training seconds."""
        return self.words * self.epochs / self.train_s if self.train_s > 0 else float("nan")


# -- parsing -------------------------------------------------------------------------------

def parse_value(text: str):
    """A Python literal (``False``, ``3``, ``1e-3``, ``None``) or, failing that, the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_option(text: str) -> tuple[str, object]:
    """``key=value`` -> ``(key, parsed value)``; raises ValueError if malformed."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise ValueError(f"{text!r}: expected key=value, e.g. batch_contexts=False")
    return key, parse_value(value.strip())


def parse_variant(text: str) -> Trainer:
    """``NAME:key=value[,key=value...]`` -> a w2v :class:`Trainer` named NAME."""
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not sep or not name or "," in name:
        raise ValueError(f"{text!r}: expected NAME:key=value[,key=value...], "
                         "e.g. w2v-classic:batch_contexts=False")
    options = tuple(parse_option(part) for part in rest.split(",") if part.strip())
    if not options:
        raise ValueError(f"{text!r}: a variant needs at least one key=value")
    return Trainer(name, "w2v", options)


def parse_configs(text: str) -> list[str]:
    """``all`` or a comma-separated list of configuration names."""
    if text == "all":
        return list(CONFIGS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown or not names:
        raise ValueError(f"{text!r}: expected 'all' or names among {', '.join(CONFIGS)}")
    return names


def check_w2v_options(options) -> None:
    """Reject option names that ``w2v.Word2Vec`` does not take, before any run starts."""
    import inspect

    from w2v import Word2Vec

    accepted = set(inspect.signature(Word2Vec).parameters)
    for key, _ in options:
        if key not in accepted:
            raise ValueError(f"{key!r} is not a Word2Vec parameter (expected one of "
                             f"{', '.join(sorted(accepted))})")


# -- the corpus ------------------------------------------------------------------------------

def prepare_corpus(source: str | os.PathLike, dest: str | os.PathLike, *,
                   max_words: int | None = None) -> int:
    """Write ``source``'s first ``max_words`` tokens (all when None) to ``dest``.

    ``source`` is read with :class:`w2v.corpus.TextCorpus` (plain or compressed, e.g. the
    text8-style zip), so its sentences are its lines cut into pieces of at most
    :data:`SENTENCE_TOKENS` tokens; ``dest`` gets one such sentence per line, plain text.
    Returns the number of tokens written: the raw corpus words of one epoch.
    """
    from w2v._fileio import atomic_write
    from w2v.corpus import TextCorpus

    corpus = TextCorpus(source, max_sentence_length=SENTENCE_TOKENS)
    written = 0
    with atomic_write(dest, "w", encoding="utf-8") as out:
        for sentence in corpus:
            if max_words is not None and written + len(sentence) > max_words:
                sentence = sentence[:max_words - written]
            if sentence:
                out.write(" ".join(sentence))
                out.write("\n")
                written += len(sentence)
            if max_words is not None and written >= max_words:
                break
    return written


# -- one run (the child process) -------------------------------------------------------------

def _peak_rss_mb() -> float:
    """This process's peak resident set size, in MiB.

    On Linux, ``VmHWM`` of ``/proc/self/status``: the high-water mark of this process's
    own memory map. ``getrusage(...).ru_maxrss`` would be wrong here: the kernel carries
    the pre-``exec`` maximum over into the child, and with ``vfork`` (which Python's
    subprocess uses) that is the *parent's* peak, so every run would report at least
    the harness's own size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * KIB / BYTES_PER_MB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * MAXRSS_BYTES / BYTES_PER_MB


def _train_w2v(spec: dict) -> dict:
    from w2v import Word2Vec

    s, c = spec["settings"], spec["config"]
    params = dict(arch=c["arch"], loss=c["loss"], dim=s["dim"], window=s["window"],
                  negative=c["negative"], sample=s["sample"], min_count=s["min_count"],
                  epochs=s["epochs"], alpha=c["alpha"],
                  min_alpha=c["alpha"] * MIN_ALPHA_FRACTION, threads=s["threads"],
                  seed=s["seed"], max_sentence_length=SENTENCE_TOKENS)
    params.update(dict(spec["options"]))

    start = time.perf_counter()
    warmup_corpus = [[f"w{(i * 7 + j * 13) % WARMUP_VOCAB}" for j in range(WARMUP_TOKENS)]
                     for i in range(WARMUP_SENTENCES)]
    Word2Vec(**{**params, "min_count": 1, "epochs": 1, "threads": 1}).fit(warmup_corpus)
    warmup_s = time.perf_counter() - start

    from w2v.corpus import TextCorpus

    corpus = TextCorpus(spec["corpus"], max_sentence_length=SENTENCE_TOKENS)
    model = Word2Vec(**params)
    start = time.perf_counter()
    model.build_vocab(corpus)
    vocab_s = time.perf_counter() - start
    start = time.perf_counter()
    model.train(corpus)
    train_s = time.perf_counter() - start
    model.save_word2vec(spec["vectors"], binary=True)
    return {"vocab_s": vocab_s, "train_s": train_s, "warmup_s": warmup_s,
            "vocab_size": len(model.vocabulary_)}


def _train_gensim(spec: dict) -> dict:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    s, c = spec["settings"], spec["config"]
    params = dict(vector_size=s["dim"], window=s["window"], min_count=s["min_count"],
                  sample=s["sample"], seed=s["seed"], workers=s["threads"],
                  sg=int(c["arch"] == "skipgram"), hs=int(c["loss"] == "hs"),
                  negative=c["negative"], alpha=c["alpha"],
                  min_alpha=c["alpha"] * MIN_ALPHA_FRACTION, epochs=s["epochs"],
                  max_vocab_size=None)
    params.update(dict(spec["options"]))
    if spec["gensim_input"] == "corpus_file":
        source = {"corpus_file": spec["corpus"]}
    else:
        source = {"corpus_iterable": LineSentence(spec["corpus"],
                                                  max_sentence_length=SENTENCE_TOKENS)}
    model = Word2Vec(**params)
    start = time.perf_counter()
    model.build_vocab(**source)
    vocab_s = time.perf_counter() - start
    start = time.perf_counter()
    model.train(**source, total_examples=model.corpus_count,
                total_words=model.corpus_total_words, epochs=model.epochs)
    train_s = time.perf_counter() - start
    model.wv.save_word2vec_format(spec["vectors"], binary=True)
    return {"vocab_s": vocab_s, "train_s": train_s, "warmup_s": 0.0,
            "vocab_size": len(model.wv)}


def _train_fasttext(spec: dict) -> dict:  # pragma: no cover - fasttext not installed here
    import fasttext
    import numpy as np

    s, c = spec["settings"], spec["config"]
    params = dict(model=c["arch"], lr=c["alpha"], dim=s["dim"], ws=s["window"],
                  epoch=s["epochs"], minCount=s["min_count"], neg=max(c["negative"], 1),
                  loss=c["loss"], thread=s["threads"], t=s["sample"], minn=0, maxn=0,
                  verbose=0)
    params.update(dict(spec["options"]))
    start = time.perf_counter()  # fastText builds its vocabulary inside train_unsupervised
    model = fasttext.train_unsupervised(spec["corpus"], **params)
    train_s = time.perf_counter() - start
    words = [w for w in model.get_words() if w != "</s>"]
    tmp = spec["vectors"] + ".part"
    with open(tmp, "wb") as out:   # word2vec binary, written then renamed into place
        out.write(f"{len(words)} {s['dim']}\n".encode())
        for w in words:
            out.write(w.encode("utf-8") + b" ")
            out.write(np.asarray(model.get_word_vector(w), dtype="<f4").tobytes())
            out.write(b"\n")
    os.replace(tmp, spec["vectors"])
    return {"vocab_s": None, "train_s": train_s, "warmup_s": 0.0, "vocab_size": len(words)}


_TRAIN = {"w2v": _train_w2v, "gensim": _train_gensim, "fasttext": _train_fasttext}


def worker_main(spec_json: str) -> int:
    """Child entry point: train one model, save its vectors, print results as JSON."""
    spec = json.loads(spec_json)
    result = _TRAIN[spec["kind"]](spec)
    result["peak_rss_mb"] = _peak_rss_mb()
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


# -- the parent ----------------------------------------------------------------------------

@contextlib.contextmanager
def _one_blas_thread():
    """Run the block with this process's BLAS limited to one thread (for the
    evaluations); yield the caller's environment, which training runs get unchanged.

    Effective only when NumPy is first imported inside the block (this module imports
    it lazily); the environment is restored on exit.
    """
    caller = dict(os.environ)
    os.environ.update({name: "1" for name in BLAS_THREAD_VARIABLES})
    try:
        yield caller
    finally:
        os.environ.clear()
        os.environ.update(caller)


def launch(spec: dict, *, env: dict | None = None) -> dict:
    """Run one training run in a fresh interpreter (with environment ``env``, default
    this process's); return the child's results."""
    command = [sys.executable, os.fspath(Path(__file__).resolve()), WORKER_FLAG,
               json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          env=env)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER):])
    tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
    raise RuntimeError(f"run {spec['trainer']} ({spec['config']['name']}) failed with "
                       f"exit status {done.returncode}:\n{tail}")


def evaluate_vectors(path: str, *, analogies: str, similarity: str,
                     cross_check: bool = True) -> dict:
    """Score a word2vec binary file with the referee (gensim) and, optionally, w2v."""
    import logging
    import warnings

    from gensim.models import KeyedVectors as GensimKeyedVectors

    logging.getLogger("gensim").setLevel(logging.WARNING)
    kv = GensimKeyedVectors.load_word2vec_format(path, binary=True)
    analogy, _sections = kv.evaluate_word_analogies(analogies,
                                                    restrict_vocab=ANALOGY_RESTRICT_VOCAB)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns on a constant input (tiny tests)
            _pearson, spearman, _oov = kv.evaluate_word_pairs(similarity)
        ws353 = float(spearman[0])
    except ValueError:   # gensim: every pair out of vocabulary
        ws353 = float("nan")
    scores = {"analogy": float(analogy), "ws353": ws353}
    if cross_check:
        from w2v.evaluation import evaluate_analogies, evaluate_similarity
        from w2v.formats import load_keyed_vectors

        ours = load_keyed_vectors(path)
        scores["w2v_analogy"] = float(evaluate_analogies(
            ours, analogies, restrict_vocab=ANALOGY_RESTRICT_VOCAB).accuracy)
        scores["w2v_ws353"] = float(evaluate_similarity(ours, similarity).spearman)
    return scores


def _median(values):
    values = [v for v in values if v is not None and v == v]   # drop None and NaN
    return statistics.median(values) if values else None


@dataclass
class Summary:
    """The medians of one (configuration, trainer) over its repeats."""

    config: str
    trainer: str
    repeats: int
    words_per_second: float
    wps_min: float
    wps_max: float
    train_s: float
    vocab_s: float | None
    peak_rss_mb: float
    analogy: float | None
    ws353: float | None
    w2v_analogy: float | None
    w2v_ws353: float | None
    vocab_size: int
    ratio: float | None = None   # words/s over gensim's, same configuration


def summarise(runs: list[Run], *, baseline: str = "gensim") -> list[Summary]:
    """Medians per (configuration, trainer), in first-seen order, with the words/s ratio
    to ``baseline``'s median in the same configuration (None without a baseline)."""
    groups: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.config, run.trainer), []).append(run)
    out = []
    for (config, trainer), group in groups.items():
        wps = [r.words_per_second for r in group]
        out.append(Summary(
            config, trainer, len(group), statistics.median(wps), min(wps), max(wps),
            statistics.median(r.train_s for r in group), _median(r.vocab_s for r in group),
            statistics.median(r.peak_rss_mb for r in group),
            _median(r.analogy for r in group), _median(r.ws353 for r in group),
            _median(r.w2v_analogy for r in group), _median(r.w2v_ws353 for r in group),
            group[0].vocab_size))
    base = {s.config: s.words_per_second for s in out if s.trainer == baseline}
    for s in out:
        if s.config in base:
            s.ratio = s.words_per_second / base[s.config]
    return out


TABLE_HEADER = ("config", "trainer", "n", "words/s median [min-max]", "x gensim",
                "train s", "vocab s", "peak RSS MB", "analogy %", "WS-353 rho",
                "w2v-eval analogy %", "w2v-eval rho")


def _fmt(value, spec: str, scale: float = 1.0) -> str:
    return "-" if value is None or value != value else format(value * scale, spec)


def table_rows(summaries: list[Summary]) -> list[tuple[str, ...]]:
    return [(s.config, s.trainer, str(s.repeats),
             f"{s.words_per_second:,.0f} [{s.wps_min:,.0f}-{s.wps_max:,.0f}]",
             _fmt(s.ratio, ".2f"), _fmt(s.train_s, ".1f"), _fmt(s.vocab_s, ".1f"),
             _fmt(s.peak_rss_mb, ".0f"), _fmt(s.analogy, ".1f", 100),
             _fmt(s.ws353, ".3f"), _fmt(s.w2v_analogy, ".1f", 100), _fmt(s.w2v_ws353, ".3f"))
            for s in summaries]


def format_table(summaries: list[Summary], *, markdown: bool = False) -> str:
    """One aligned text table (or a Markdown table) of the summaries."""
    rows = [TABLE_HEADER] + table_rows(summaries)
    if markdown:
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + "|".join("---" if i < 2 else "---:"
                                       for i in range(len(TABLE_HEADER))) + "|")
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(TABLE_HEADER))]
    return "\n".join("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
                     for row in rows)


#: Issue 2's acceptance: w2v's referee analogy score at most this many points below
#: gensim's, and more words/s, for these configurations at the full settings.
ACCEPTANCE_MAX_DROP_POINTS = 1.0
ACCEPTANCE_CONFIGS = ("sg-ns", "cbow-ns")


def acceptance_lines(summaries: list[Summary], *, candidate: str = "w2v",
                     baseline: str = "gensim") -> list[str]:
    """Issue 2's two checks for each configuration that has both trainers."""
    by_key = {(s.config, s.trainer): s for s in summaries}
    lines = []
    for config in ACCEPTANCE_CONFIGS:
        ours, theirs = by_key.get((config, candidate)), by_key.get((config, baseline))
        if ours is None or theirs is None or ours.analogy is None or theirs.analogy is None:
            continue
        drop = 100 * (theirs.analogy - ours.analogy)
        quality = "PASS" if drop <= ACCEPTANCE_MAX_DROP_POINTS else "FAIL"
        speed = "PASS" if ours.ratio is not None and ours.ratio > 1 else "FAIL"
        lines.append(f"{config}: analogy {100 * ours.analogy:.1f} % vs {baseline} "
                     f"{100 * theirs.analogy:.1f} % (drop {drop:+.1f} points, limit "
                     f"{ACCEPTANCE_MAX_DROP_POINTS:g}): {quality}; words/s x{ours.ratio:.2f} "
                     f"{baseline}: {speed}")
    return lines


def machine_info() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {"python": platform.python_version()}
    for module in ("w2v", "gensim", "numpy", "numba", "fasttext"):
        try:
            versions[module] = __import__(module).__version__
        except (ImportError, AttributeError):
            pass
    return {"nproc": usable, "cpu": cpu, "versions": versions,
            "load": os.getloadavg() if hasattr(os, "getloadavg") else None}


def markdown_section(*, title: str, command: str, info: dict, load_after, corpus: str,
                     words: int, settings: Settings, gensim_input: str, summaries,
                     acceptance: list[str]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    load = info["load"]
    load_text = ("unknown" if load is None else
                 f"{load[0]:.2f} at start, {load_after[0]:.2f} at end (1-min average)")
    lines = [
        f"## {title}", "",
        "```bash", command, "```", "",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {info['nproc']} usable cores ({info['cpu']}); load {load_text}",
        f"- versions: {versions}",
        f"- corpus: `{corpus}`, {words:,} tokens per epoch, lines of {SENTENCE_TOKENS:,} "
        f"tokens; gensim input: `{gensim_input}`",
        f"- settings: dim {settings.dim}, window {settings.window}, sample "
        f"{settings.sample:g}, min_count {settings.min_count}, epochs {settings.epochs}, "
        f"threads {settings.threads}, seed {settings.seed}", "",
        format_table(summaries, markdown=True), "",
    ]
    if acceptance:
        lines += [f"- {line}" for line in acceptance] + [""]
    return "\n".join(lines) + "\n"


def append_markdown(path: str | os.PathLike, section: str) -> None:
    """Append ``section`` to the Markdown file ``path`` (atomically: the whole file is
    rewritten through ``w2v._fileio.atomic_write``)."""
    from w2v._fileio import atomic_write

    old = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    with atomic_write(path, "w", encoding="utf-8") as out:
        out.write(old.rstrip("\n") + "\n\n" + section if old else section)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="compare.py", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS),
                   help="text corpus (plain or compressed, one sentence per line or "
                        "text8-style one line; default: %(default)s)")
    p.add_argument("--words", type=int, default=None,
                   help="use only the first N tokens (default: all; --quick: "
                        f"{QUICK_WORDS:,})")
    p.add_argument("--config", default=None,
                   help=f"'all' or comma-separated among {', '.join(CONFIGS)} (default "
                        f"{','.join(DEFAULT_CONFIGS)}; --quick: {','.join(QUICK_CONFIGS)})")
    p.add_argument("--trainers", default="w2v,gensim",
                   help="comma-separated among " + ", ".join(TRAINER_KINDS) +
                        " (fasttext is skipped when its module is not installed; "
                        "default: %(default)s)")
    p.add_argument("--w2v-option", action="append", default=[], metavar="KEY=VALUE",
                   help="extra Word2Vec keyword argument for the w2v trainer (repeatable)")
    p.add_argument("--trainer-variant", action="append", default=[],
                   metavar="NAME:KEY=VALUE[,KEY=VALUE]",
                   help="an extra w2v trainer with these Word2Vec options (repeatable)")
    p.add_argument("--gensim-input", choices=GENSIM_INPUTS, default="corpus_file",
                   help="gensim's corpus_file mode (its fastest) or a LineSentence iterable "
                        "(default: %(default)s)")
    p.add_argument("--repeats", type=int, default=None,
                   help=f"runs per trainer and configuration (default {DEFAULT_REPEATS}; "
                        f"--quick: {QUICK_REPEATS})")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"passes over the corpus (default {Settings.epochs}; --quick: "
                        f"{QUICK_EPOCHS})")
    p.add_argument("--threads", type=int, default=Settings.threads,
                   help="worker threads of every trainer (default: %(default)s)")
    p.add_argument("--dim", type=int, default=Settings.dim,
                   help="vector dimension (default: %(default)s)")
    p.add_argument("--min-count", type=int, default=Settings.min_count,
                   help="words rarer than this are dropped (default: %(default)s)")
    p.add_argument("--quick", action="store_true",
                   help="a small, fast check (under 3 minutes on 2 cores): see defaults")
    p.add_argument("--analogies", default=str(DEFAULT_ANALOGIES),
                   help="analogy questions for the referee (default: %(default)s)")
    p.add_argument("--similarity", default=str(DEFAULT_SIMILARITY),
                   help="word pairs with human scores (default: %(default)s)")
    p.add_argument("--no-cross-check", action="store_true",
                   help="skip the w2v.evaluation cross-check columns")
    p.add_argument("--markdown", nargs="?", const=str(DEFAULT_RESULTS), default=None,
                   metavar="PATH", help="append a section with the command, machine, "
                                        "versions and table to PATH (without PATH: "
                                        "benchmarks/RESULTS.md)")
    p.add_argument("--title", default=None,
                   help="the Markdown section's title (default: 'Quick run' or 'Full run')")
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write every run and the summary as JSON")
    p.add_argument("--work-dir", default=None,
                   help="where the prepared corpus and vectors go (a temporary directory "
                        "below it, removed at the end; default: the system's)")
    return p


def _trainers(args, parser) -> list[Trainer]:
    kinds = [k.strip() for k in args.trainers.split(",") if k.strip()]
    for kind in kinds:
        if kind not in TRAINER_KINDS:
            parser.error(f"--trainers: {kind!r} is not one of {', '.join(TRAINER_KINDS)}")
    trainers = []
    try:
        w2v_options = tuple(parse_option(o) for o in args.w2v_option)
        variants = [parse_variant(v) for v in args.trainer_variant]
        check_w2v_options(w2v_options + tuple(o for v in variants for o in v.options))
    except ValueError as exc:
        parser.error(str(exc))
    for kind in kinds:
        if kind == "fasttext":
            try:
                import fasttext  # noqa: F401
            except ImportError:
                print("fasttext: module not installed; skipped", file=sys.stderr)
                continue
        trainers.append(Trainer(kind, kind, w2v_options if kind == "w2v" else ()))
    trainers += variants
    names = [t.name for t in trainers]
    if len(set(names)) != len(names):
        parser.error(f"trainer names must be distinct: {', '.join(names)}")
    if not trainers:
        parser.error("no trainer to run")
    return trainers


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) == 2 and argv[0] == WORKER_FLAG:
        return worker_main(argv[1])
    with _one_blas_thread() as caller_environment:
        return _compare(argv, caller_environment)


def _compare(argv: list[str], child_environment: dict) -> int:
    """The harness proper (see the module docstring); training runs get
    ``child_environment``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quick:
        args.words = QUICK_WORDS if args.words is None else args.words
        args.epochs = QUICK_EPOCHS if args.epochs is None else args.epochs
        args.repeats = QUICK_REPEATS if args.repeats is None else args.repeats
        args.config = ",".join(QUICK_CONFIGS) if args.config is None else args.config
    args.epochs = Settings.epochs if args.epochs is None else args.epochs
    args.repeats = DEFAULT_REPEATS if args.repeats is None else args.repeats
    args.config = ",".join(DEFAULT_CONFIGS) if args.config is None else args.config
    for name in ("epochs", "repeats", "threads", "dim", "min_count"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')}={getattr(args, name)}: expected >= 1")
    if args.words is not None and args.words < 1:
        parser.error(f"--words={args.words}: expected >= 1")
    for option in ("corpus", "analogies", "similarity"):
        if not Path(getattr(args, option)).is_file():
            parser.error(f"--{option} {getattr(args, option)}: no such file")
    try:
        configs = parse_configs(args.config)
    except ValueError as exc:
        parser.error(f"--config {exc}")
    trainers = _trainers(args, parser)
    settings = Settings(dim=args.dim, min_count=args.min_count, epochs=args.epochs,
                        threads=args.threads)

    info = machine_info()
    command = shlex.join([os.path.relpath(sys.executable), os.path.relpath(__file__)] + argv)
    work = tempfile.mkdtemp(prefix="w2v-bench-", dir=args.work_dir)
    runs: list[Run] = []
    try:
        corpus_file = os.path.join(work, "corpus.txt")
        start = time.perf_counter()
        words = prepare_corpus(args.corpus, corpus_file, max_words=args.words)
        print(f"corpus: {words:,} tokens from {args.corpus} "
              f"({time.perf_counter() - start:.1f} s to prepare)", flush=True)
        total = len(configs) * args.repeats * len(trainers)
        for config_name in configs:
            config = CONFIGS[config_name]
            for repeat in range(args.repeats):
                for trainer in trainers:   # alternate: A B A B ...
                    vectors = os.path.join(work, f"{config_name}-{trainer.name}-{repeat}.bin")
                    spec = {"kind": trainer.kind, "trainer": trainer.name,
                            "options": list(trainer.options),
                            "config": config.__dict__, "settings": settings.__dict__,
                            "corpus": corpus_file, "vectors": vectors,
                            "gensim_input": args.gensim_input}
                    result = launch(spec, env=child_environment)
                    run = Run(config_name, trainer.name, repeat, words, settings.epochs,
                              vocab_s=result["vocab_s"], train_s=result["train_s"],
                              warmup_s=result["warmup_s"], peak_rss_mb=result["peak_rss_mb"],
                              vocab_size=result["vocab_size"])
                    start = time.perf_counter()
                    scores = evaluate_vectors(vectors, analogies=args.analogies,
                                              similarity=args.similarity,
                                              cross_check=not args.no_cross_check)
                    run.extra["eval_s"] = time.perf_counter() - start
                    os.unlink(vectors)
                    for key, value in scores.items():
                        setattr(run, key, value)
                    runs.append(run)
                    print(f"[{len(runs)}/{total}] {config_name} {trainer.name} #{repeat + 1}: "
                          f"{run.words_per_second:,.0f} words/s, train {run.train_s:.1f} s, "
                          f"analogy {_fmt(run.analogy, '.1f', 100)} % "
                          f"(evaluated in {run.extra['eval_s']:.1f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    summaries = summarise(runs)
    acceptance = acceptance_lines(summaries)
    print()
    print(format_table(summaries))
    official = (args.words is None and settings == Settings()
                and Path(args.corpus).resolve() == DEFAULT_CORPUS.resolve()
                and not args.w2v_option)
    label = "issue 2" if official else "issue 2 (indicative only: not its settings)"
    acceptance = [f"{label}: {line}" for line in acceptance]
    for line in acceptance:
        print(line)
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    if args.json:
        from w2v._fileio import atomic_write

        with atomic_write(args.json, "w", encoding="utf-8") as out:
            json.dump({"command": command, "machine": info, "words": words,
                       "settings": settings.__dict__,
                       "runs": [{**r.__dict__, "words_per_second": r.words_per_second}
                                for r in runs],
                       "summary": [s.__dict__ for s in summaries]}, out, indent=1)
    if args.markdown:
        title = args.title or ("Quick run" if args.quick else "Full run")
        append_markdown(args.markdown, markdown_section(
            title=title, command=command, info=info, load_after=load_after,
            corpus=args.corpus, words=words, settings=settings,
            gensim_input=args.gensim_input, summaries=summaries, acceptance=acceptance))
        print(f"appended to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
