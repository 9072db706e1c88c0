"""Tests of the side-by-side benchmark harness, benchmarks/compare.py.

The pure parts (option parsing, corpus preparation, medians, tables, issue 2's checks)
are tested directly; the orchestration (alternating runs, variants, skipped fastText)
with the training subprocess replaced by a fake; and one smoke test runs the real thing,
w2v and gensim each in its own subprocess, on a small generated corpus.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections import Counter
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPARE_PATH = REPO_ROOT / "benchmarks" / "compare.py"


def _load_script(path: Path, name: str):
    """A benchmark script, imported as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


compare = _load_script(COMPARE_PATH, "w2v_benchmarks_compare")

# A generated corpus: sentences of words drawn from a small vocabulary with a Zipf-like
# distribution, so min_count keeps a few hundred words and training has work to do.
VOCAB_WORDS = 300
SEED = 0


def _write_corpus(path: Path, *, sentences: int, length: int) -> int:
    rng = np.random.default_rng(SEED)
    ranks = np.arange(1, VOCAB_WORDS + 1)
    p = (1.0 / ranks) / (1.0 / ranks).sum()
    lines = [" ".join(f"w{i}" for i in rng.choice(VOCAB_WORDS, size=length, p=p))
             for _ in range(sentences)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sentences * length


def _write_eval_sets(tmp_path: Path) -> tuple[Path, Path]:
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": section-a\nw1 w2 w3 w4\nw5 w6 w7 w8\nw2 w1 w4 w3\n",
                         encoding="utf-8")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("w1\tw2\t3.5\nw3\tw9\t7.0\nw4\tw10\t1.0\nw5\tw6\t5.5\n",
                     encoding="utf-8")
    return analogies, pairs


# -- parsing -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("batch_contexts=False", ("batch_contexts", False)),
    ("chunk_words=5000", ("chunk_words", 5000)),
    ("sample=1e-4", ("sample", 1e-4)),
    ("max_final_vocab=None", ("max_final_vocab", None)),
    ("arch=cbow", ("arch", "cbow")),
    (" window = 8 ", ("window", 8)),
])
def test_parse_option(text, expected):
    key, value = compare.parse_option(text)
    assert (key, value) == expected
    assert type(value) is type(expected[1])


@pytest.mark.parametrize("text", ["batch_contexts", "=3", "two words=1", ""])
def test_parse_option_rejects_malformed(text):
    with pytest.raises(ValueError, match="key=value"):
        compare.parse_option(text)


def test_parse_variant():
    trainer = compare.parse_variant("w2v-classic:batch_contexts=False,chunk_words=100")
    assert trainer.name == "w2v-classic"
    assert trainer.kind == "w2v"
    assert trainer.options == (("batch_contexts", False), ("chunk_words", 100))


@pytest.mark.parametrize("text", ["w2v-classic", ":batch_contexts=False", "x:", "a,b:c=1"])
def test_parse_variant_rejects_malformed(text):
    with pytest.raises(ValueError, match="NAME:key=value|key=value"):
        compare.parse_variant(text)


def test_parse_configs():
    assert compare.parse_configs("all") == list(compare.CONFIGS)
    assert compare.parse_configs("cbow-hs, sg-ns") == ["cbow-hs", "sg-ns"]
    for bad in ("sg-neg", "", "sg-ns,cbow"):
        with pytest.raises(ValueError, match="expected 'all'"):
            compare.parse_configs(bad)


def test_configs_follow_the_issue():
    for config in compare.CONFIGS.values():
        assert config.alpha == (0.025 if config.arch == "skipgram" else 0.05)
        assert config.negative == (0 if config.loss == "hs" else 5)


def test_check_w2v_options_rejects_unknown_parameter():
    compare.check_w2v_options((("batch_contexts", False),))
    with pytest.raises(ValueError, match="'batch_context' is not a Word2Vec parameter"):
        compare.check_w2v_options((("batch_context", False),))


# -- the corpus ------------------------------------------------------------------------------

def test_prepare_corpus_cuts_long_lines_and_truncates(tmp_path):
    long_line = " ".join(f"t{i}" for i in range(2 * compare.SENTENCE_TOKENS + 500))
    source = tmp_path / "source.txt"
    source.write_text("a b c\n\n" + long_line + "\nd e\n", encoding="utf-8")
    dest = tmp_path / "prepared.txt"

    written = compare.prepare_corpus(source, dest)
    lines = dest.read_text(encoding="utf-8").splitlines()
    assert [len(line.split()) for line in lines] == [
        3, compare.SENTENCE_TOKENS, compare.SENTENCE_TOKENS, 500, 2]
    assert written == sum(len(line.split()) for line in lines)
    assert " ".join(lines).split() == ("a b c " + long_line + " d e").split()

    limit = compare.SENTENCE_TOKENS + 10
    written = compare.prepare_corpus(source, dest, max_words=limit)
    tokens = dest.read_text(encoding="utf-8").split()
    assert written == limit == len(tokens)
    assert tokens == ("a b c " + long_line).split()[:limit]


def test_prepare_corpus_reads_compressed_text8_style(tmp_path):
    import zipfile

    text = " ".join(f"w{i % 7}" for i in range(25_000))
    source = tmp_path / "one-line.zip"
    with zipfile.ZipFile(source, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("text8", text)
    dest = tmp_path / "prepared.txt"
    assert compare.prepare_corpus(source, dest) == 25_000
    assert dest.read_text(encoding="utf-8").split() == text.split()


# -- summaries, tables, checks ------------------------------------------------------------------

def _run(config, trainer, repeat, train_s, *, analogy=0.5, vocab_s=1.0, rss=100.0):
    return compare.Run(config, trainer, repeat, words=1000, epochs=2, vocab_s=vocab_s,
                       train_s=train_s, peak_rss_mb=rss, vocab_size=10, analogy=analogy,
                       ws353=0.6, w2v_analogy=analogy, w2v_ws353=0.6)


def test_summarise_medians_and_ratio():
    runs = [_run("sg-ns", "w2v", r, t, analogy=a, rss=m)
            for r, (t, a, m) in enumerate([(1.0, 0.40, 90), (4.0, 0.42, 120), (2.0, 0.41, 100)])]
    runs += [_run("sg-ns", "gensim", r, 4.0, vocab_s=None) for r in range(3)]
    by_trainer = {s.trainer: s for s in compare.summarise(runs)}
    ours, theirs = by_trainer["w2v"], by_trainer["gensim"]
    assert ours.repeats == 3
    # words/s = 1000 tokens x 2 epochs / train seconds
    assert ours.words_per_second == pytest.approx(2000 / 2.0)
    assert (ours.wps_min, ours.wps_max) == pytest.approx((2000 / 4.0, 2000 / 1.0))
    assert ours.train_s == 2.0 and ours.peak_rss_mb == 100 and ours.analogy == 0.41
    assert ours.ratio == pytest.approx((2000 / 2.0) / (2000 / 4.0))
    assert theirs.ratio == pytest.approx(1.0)
    assert theirs.vocab_s is None


def test_summarise_without_gensim_has_no_ratio():
    (summary,) = compare.summarise([_run("cbow-ns", "w2v", 0, 1.0)])
    assert summary.ratio is None


def test_format_table_is_aligned_and_markdown_has_every_row():
    summaries = compare.summarise([_run("sg-ns", "w2v", 0, 1.0), _run("sg-ns", "gensim", 0, 3.0),
                                   _run("cbow-hs", "w2v-long-name", 0, 0.5, vocab_s=None)])
    lines = compare.format_table(summaries).splitlines()
    assert len(lines) == 1 + len(summaries)
    # right-aligned numeric columns: every line ends its last column at the same place
    assert len({len(line) for line in lines}) == 1
    assert lines[0].split()[:2] == ["config", "trainer"]
    assert "cbow-hs" in lines[3] and "w2v-long-name" in lines[3]

    markdown = compare.format_table(summaries, markdown=True).splitlines()
    assert len(markdown) == 2 + len(summaries)
    assert all(line.startswith("| ") and line.endswith(" |") for line in markdown[2:])
    assert markdown[1].count("|") == len(compare.TABLE_HEADER) + 1


def test_acceptance_lines_pass_and_fail():
    passing = compare.summarise([_run("sg-ns", "w2v", 0, 1.0, analogy=0.395),
                                 _run("sg-ns", "gensim", 0, 2.0, analogy=0.40)])
    (line,) = compare.acceptance_lines(passing)
    assert line.startswith("sg-ns:") and line.count("PASS") == 2

    slower_and_worse = compare.summarise([_run("cbow-ns", "w2v", 0, 3.0, analogy=0.38),
                                          _run("cbow-ns", "gensim", 0, 2.0, analogy=0.40)])
    (line,) = compare.acceptance_lines(slower_and_worse)
    assert line.count("FAIL") == 2
    assert compare.acceptance_lines(compare.summarise([_run("sg-ns", "w2v", 0, 1.0)])) == []


def test_append_markdown_keeps_what_was_there(tmp_path):
    results = tmp_path / "RESULTS.md"
    compare.append_markdown(results, "## first\n")
    compare.append_markdown(results, "## second\n")
    assert results.read_text(encoding="utf-8") == "## first\n\n## second\n"


def test_peak_rss_is_the_child_s_own(tmp_path):
    """A child started from a large process must not report the parent's peak (which
    ``ru_maxrss`` inherits across vfork + exec)."""
    big = np.ones(300 * 2**20 // 8)   # 300 MiB, touched
    code = (f"import sys; sys.path.insert(0, {str(COMPARE_PATH.parent)!r}); "
            "import compare; print(compare._peak_rss_mb())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert big.sum() == big.size
    assert 0 < float(out.stdout) < 150


# -- orchestration, with fake training runs ---------------------------------------------------

@pytest.fixture
def fake_runs(monkeypatch):
    """Replace the training subprocess and the evaluator; record the specs launched."""
    launched = []

    def fake_launch(spec, *, env=None):
        launched.append(spec)
        Path(spec["vectors"]).write_bytes(b"")
        train_s = 2.0 if spec["kind"] == "gensim" else 1.0
        return {"vocab_s": 0.5, "train_s": train_s, "warmup_s": 0.1, "vocab_size": 3,
                "peak_rss_mb": 50.0}

    def fake_evaluate(path, **kwargs):
        return {"analogy": 0.4, "ws353": 0.6, "w2v_analogy": 0.4, "w2v_ws353": 0.6}

    monkeypatch.setattr(compare, "launch", fake_launch)
    monkeypatch.setattr(compare, "evaluate_vectors", fake_evaluate)
    return launched


def test_runs_alternate_between_trainers(tmp_path, fake_runs, capsys):
    corpus = tmp_path / "c.txt"
    _write_corpus(corpus, sentences=5, length=20)
    analogies, pairs = _write_eval_sets(tmp_path)
    out_json = tmp_path / "runs.json"
    status = compare.main(["--corpus", str(corpus), "--analogies", str(analogies),
                           "--similarity", str(pairs), "--config", "sg-ns,cbow-hs",
                           "--repeats", "2", "--epochs", "3", "--words", "90",
                           "--w2v-option", "chunk_words=50",
                           "--trainer-variant", "w2v-classic:batch_contexts=False",
                           "--json", str(out_json)])
    assert status == 0
    order = [(s["config"]["name"], s["trainer"]) for s in fake_runs]
    assert order == [(c, t) for c in ("sg-ns", "cbow-hs") for _ in range(2)
                     for t in ("w2v", "gensim", "w2v-classic")]
    options = {s["trainer"]: dict(s["options"]) for s in fake_runs}
    assert options == {"w2v": {"chunk_words": 50}, "gensim": {},
                       "w2v-classic": {"batch_contexts": False}}
    assert all(s["settings"]["epochs"] == 3 for s in fake_runs)
    hs = [s for s in fake_runs if s["config"]["name"] == "cbow-hs"]
    assert all(s["config"]["negative"] == 0 and s["config"]["alpha"] == 0.05 for s in hs)

    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["words"] == 90
    assert len(report["runs"]) == 12
    # words/s: 90 tokens x 3 epochs / 1 s (w2v) and / 2 s (gensim)
    ratios = {(s["config"], s["trainer"]): s["ratio"] for s in report["summary"]}
    assert ratios[("sg-ns", "w2v")] == pytest.approx(2.0)
    table = capsys.readouterr().out
    assert "270 [270-270]" in table and "w2v-classic" in table


def test_quick_defaults(tmp_path, fake_runs):
    corpus = tmp_path / "c.txt"
    _write_corpus(corpus, sentences=3, length=10)
    analogies, pairs = _write_eval_sets(tmp_path)
    compare.main(["--quick", "--corpus", str(corpus), "--analogies", str(analogies),
                  "--similarity", str(pairs)])
    assert [s["config"]["name"] for s in fake_runs] == \
        [c for c in compare.QUICK_CONFIGS for _ in ("w2v", "gensim")]
    assert {s["settings"]["epochs"] for s in fake_runs} == {compare.QUICK_EPOCHS}


def test_fasttext_is_skipped_when_not_installed(tmp_path, fake_runs, capsys):
    try:
        import fasttext  # noqa: F401
        pytest.skip("fasttext is installed")
    except ImportError:
        pass
    corpus = tmp_path / "c.txt"
    _write_corpus(corpus, sentences=3, length=10)
    analogies, pairs = _write_eval_sets(tmp_path)
    compare.main(["--corpus", str(corpus), "--analogies", str(analogies),
                  "--similarity", str(pairs), "--config", "sg-ns", "--repeats", "1",
                  "--trainers", "w2v,fasttext"])
    assert [s["trainer"] for s in fake_runs] == ["w2v"]
    assert "fasttext: module not installed; skipped" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--w2v-option", "batch_context=False"], "not a Word2Vec parameter"),
    (["--trainers", "w2v,word2vec"], "'word2vec' is not one of"),
    (["--config", "sg"], "--config"),
    (["--repeats", "0"], "--repeats=0"),
    (["--trainer-variant", "gensim:batch_contexts=False"], "distinct"),
])
def test_bad_arguments_exit_with_a_message(tmp_path, fake_runs, capsys, argv, message):
    corpus = tmp_path / "c.txt"
    _write_corpus(corpus, sentences=2, length=5)
    analogies, pairs = _write_eval_sets(tmp_path)
    with pytest.raises(SystemExit) as exc:
        compare.main(["--corpus", str(corpus), "--analogies", str(analogies),
                      "--similarity", str(pairs)] + argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert fake_runs == []


def test_missing_corpus_exits_with_a_message(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        compare.main(["--corpus", str(tmp_path / "nope.zip")])
    assert exc.value.code == 2
    assert "nope.zip: no such file" in capsys.readouterr().err


def test_failed_run_reports_the_child_s_error(tmp_path):
    spec = {"kind": "w2v", "trainer": "w2v", "options": [],
            "config": compare.CONFIGS["sg-ns"].__dict__,
            "settings": compare.Settings(dim=8, epochs=1, threads=1).__dict__,
            "corpus": str(tmp_path / "missing.txt"), "vectors": str(tmp_path / "v.bin"),
            "gensim_input": "corpus_file"}
    with pytest.raises(RuntimeError, match=r"(?s)w2v \(sg-ns\) failed.*missing.txt"):
        compare.launch(spec)


# -- the real thing, small -------------------------------------------------------------------

def test_smoke_w2v_and_gensim_side_by_side(tmp_path, capsys):
    """Both trainers really train (each in a subprocess) and are scored by both
    evaluators; the Markdown section records the command and the table."""
    corpus = tmp_path / "corpus.txt"
    tokens = _write_corpus(corpus, sentences=200, length=200)
    analogies, pairs = _write_eval_sets(tmp_path)
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n", encoding="utf-8")
    out_json = tmp_path / "runs.json"
    words = tokens - 1000
    status = compare.main(["--corpus", str(corpus), "--words", str(words), "--config",
                           "cbow-ns", "--epochs", "2", "--repeats", "1", "--dim", "16",
                           "--analogies", str(analogies), "--similarity", str(pairs),
                           "--markdown", str(results), "--title", "Smoke",
                           "--json", str(out_json)])
    assert status == 0
    report = json.loads(out_json.read_text(encoding="utf-8"))
    runs = {r["trainer"]: r for r in report["runs"]}
    assert set(runs) == {"w2v", "gensim"}
    for run in runs.values():
        assert run["words"] == words and run["epochs"] == 2
        assert run["train_s"] > 0 and run["vocab_s"] > 0
        assert run["words_per_second"] == pytest.approx(words * 2 / run["train_s"])
        assert 10 < run["peak_rss_mb"] < 2000
        assert 0 < run["vocab_size"] <= VOCAB_WORDS
        assert 0.0 <= run["analogy"] <= 1.0 and -1.0 <= run["ws353"] <= 1.0
        # the two evaluators agree on the same vectors file
        assert run["w2v_analogy"] == pytest.approx(run["analogy"])
        assert run["w2v_ws353"] == pytest.approx(run["ws353"], abs=1e-6)
    assert runs["w2v"]["vocab_size"] == runs["gensim"]["vocab_size"]

    printed = capsys.readouterr().out
    assert "cbow-ns  w2v" in printed and "cbow-ns  gensim" in printed
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Results\n\n## Smoke\n")
    assert "compare.py --corpus" in text and "| cbow-ns | gensim |" in text
    assert "gensim input: `corpus_file`" in text


def test_gensim_iterable_input_trains_on_the_same_sentences(tmp_path):
    """The LineSentence input mode (``--gensim-input iterable``) runs and sees the
    prepared file's words."""
    corpus = tmp_path / "corpus.txt"
    _write_corpus(corpus, sentences=50, length=100)
    spec = {"kind": "gensim", "trainer": "gensim", "options": [],
            "config": compare.CONFIGS["sg-hs"].__dict__,
            "settings": compare.Settings(dim=8, epochs=1, threads=1).__dict__,
            "corpus": str(corpus), "vectors": str(tmp_path / "v.bin"),
            "gensim_input": "iterable"}
    result = compare.launch(spec)
    from w2v import Vocabulary, load_vectors

    sentences = [line.split() for line in corpus.read_text(encoding="utf-8").splitlines()]
    expected = Vocabulary.build(sentences, min_count=compare.Settings.min_count)
    assert result["vocab_size"] == len(expected)
    assert set(load_vectors(spec["vectors"]).words) == set(expected.words)


# -- kernel_instructions.py: reading callgrind's per-instruction profile ---------------------

def _load_kernel_instructions():
    return _load_script(REPO_ROOT / "benchmarks" / "kernel_instructions.py",
                        "w2v_benchmarks_kernel_instructions")


CALLGRIND_PROFILE = """\
version: 1
positions: instr line
events: Ir
fn=(1) 0x0000000000001000
0x1000 0 5
+4 0 5
cfn=(2) 0x0000000000009000
calls=5 0x9000 0
* 0 700
+2 0 3
fn=(2)
0x9000 0 100
+1 0 100
fn=(1)
0x1010 0 7
-4 0 2
* 0 1
"""


def test_kernel_costs_reads_compressed_names_positions_and_calls(tmp_path):
    ki = _load_kernel_instructions()
    profile = tmp_path / "callgrind.out"
    profile.write_text(CALLGRIND_PROFILE)
    costs = ki.kernel_costs(str(profile), 0x1000)
    # the call's inclusive cost (700) and the callee's own lines are not the kernel's
    assert dict(costs) == {0x0: 5, 0x4: 5, 0x6: 3, 0x10: 7, 0xC: 3}
    assert sum(ki.kernel_costs(str(profile), 0x9000).values()) == 200


def test_innermost_loops_counts_each_loop_once():
    ki = _load_kernel_instructions()
    listing = [(0x0, "mov %rax,%rbx"),
               (0x4, "vaddps %ymm0,%ymm1,%ymm1"),     # inner loop 0x4..0x8
               (0x8, "jne    0x4"),
               (0xa, "vaddss %xmm0,%xmm1,%xmm1"),
               (0xe, "jne    0x0")]                    # outer loop, holds the inner one
    costs = Counter({0x0: 10, 0x4: 30, 0x8: 30, 0xa: 10, 0xe: 10})
    lines = ki.innermost_loops(listing, costs, words=10, top=5)
    assert len(lines) == 2
    assert "+00004..+00008" in lines[0] and "ymm" in lines[0]
    assert "3.0 runs/word" in lines[0] and "6.0 instructions/word (66.7 %)" in lines[0]
    assert lines[1].strip() == "outside innermost loops: 3.0 instructions/word (33.3 %)"


def test_annotated_listing_gives_per_word_counts_and_stops_after_the_last_executed():
    ki = _load_kernel_instructions()
    listing = [(0x0, "mov %rax,%rbx"), (0x4, "jne    0x0"), (0x6, "ret"), (0x8, "nop")]
    costs = Counter({0x0: 20, 0x4: 20, 0x6: 5})
    lines = list(ki.annotated(listing, costs, words=10))
    assert lines == ["+00000      2.00  mov %rax,%rbx\n", "+00004      2.00  jne    0x0\n",
                     "+00006      0.50  ret\n"]


@pytest.mark.skipif(shutil.which("valgrind") is None or shutil.which("objdump") is None,
                    reason="kernel_instructions.py checks for valgrind and objdump first")
def test_kernel_instructions_rejects_an_unusable_keep_directory_before_running(
        tmp_path, monkeypatch, capsys):
    ki = _load_kernel_instructions()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(sys, "argv", ["kernel_instructions.py", "--corpus", str(corpus),
                                      "--keep", str(blocker / "out")])
    with pytest.raises(SystemExit) as exc:
        ki.main()
    assert exc.value.code == 2
    assert "--keep: cannot use" in capsys.readouterr().err
