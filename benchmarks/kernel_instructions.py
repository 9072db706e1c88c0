"""Instructions per word of the training kernels, counted by valgrind's callgrind.

Timings of the kernels move by 5 % and more between runs of the same code on the 2-core
machine (see RESULTS.md), so small changes are hard to judge by the clock. Instruction
counts are exact and repeatable. This script runs the kernel the trainer picks
(:func:`w2v.specialise.kernel_for`) on the trainer's padded matrices under callgrind.
It reports the kernel's own instructions per corpus word for each configuration and
the innermost loops that execute most of them, with how often each runs per word.

Fewer instructions is not always faster. In session 8 an HS error loop with fewer
instructions per score ran x0.93 (RESULTS.md). Use the counts to see where the work goes,
and time any change with ``specialised_kernels.py`` or ``fast_kernels.py``.

Valgrind shows programs a CPU of its own (``haswell`` here, where the host is
``znver4``), so Numba would compile other code under it. Every child therefore runs
with ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` set to the host's and with a private
``NUMBA_CACHE_DIR``. A native child compiles the kernel and dumps its machine code; the
child under callgrind then loads that same code from the cache.

    python benchmarks/kernel_instructions.py [--words 50000] [--loops 8]
        [--config sg-ns,cbow-ns,sg-hs,cbow-hs] [--module variant.py] [--keep DIR]

``--keep DIR`` writes ``DIR/CONFIG.txt``: the kernel's disassembly with the instructions
each line executed per word, to see what a loop does.

``--module`` counts a variant instead: a Python file whose ``train_chunk`` takes the
arguments of :func:`w2v.kernels.train_chunk` (for example a copy of ``w2v/hs_kernel.py``
with its relative imports made absolute, changed, and ``train_chunk = train_chunk_cbow``
or ``train_chunk_skipgram`` added for the configuration counted).

Needs ``valgrind`` and ``objdump`` (Debian: valgrind, binutils). Issue settings: dim 100,
window 5, negative 5, sample 1e-3, min_count 5; tokens from the start of the corpus.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = ("sg-ns", "cbow-ns", "sg-hs", "cbow-hs")
#: Words the child trains before the counted call: the kernel is compiled or loaded and
#: the caches warm, as in a run. They are counted too (the kernel's costs cannot be split
#: by call), and ``words`` includes them.
WARM_WORDS = 10_000
#: Bytes of machine code dumped from the kernel's entry point (it is about 40 KB);
#: never read past the end of the memory mapping that holds it.
DUMP_BYTES = 256 * 1024

#: What each child runs (``python -c``): the configuration's kernel on the saved problem,
#: called as ``specialised_kernels.py`` calls it, then its entry address (and machine code).
CHILD = r"""
import sys
sys.path.insert(0, sys.argv[6])   # the benchmarks folder
import numpy as np
from w2v import kernels as K, specialise
from _kernel_problem import CHUNK_WORDS, chunk_starts
from specialised_kernels import CONFIGS, NEGATIVE, WINDOW
config, problem_path, words, dump_path, module = sys.argv[1:6]
words = int(words)
p = dict(np.load(problem_path))
arch, layer, alpha = CONFIGS[config]
if module == "-":
    kernel = specialise.kernel_for(arch=arch, layer=layer, negative=NEGATIVE,
                                   batch_contexts=True)
else:   # a variant: a module file with a train_chunk of the kernels' signature
    import importlib.util
    spec = importlib.util.spec_from_file_location("w2v_kernel_variant", module)
    variant = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = variant   # Numba's cache looks the module up by name
    spec.loader.exec_module(variant)
    kernel = variant.train_chunk
hs = layer == K.LAYER_HS
w = K.padded_copy(p["w"])
c = K.padded_copy(p["c_hs"] if hs else p["c_ns"])
scratch = K.Scratch(dim=w.shape[1], window=WINDOW, max_sentence_length=CHUNK_WORDS,
                    max_targets=p["points"].shape[1] if hs else 1 + NEGATIVE,
                    max_hidden=2 * WINDOW)
arrays = scratch.arrays()
rng = K.seed_rng(1)
ids = p["ids"][:words]
starts = chunk_starts(ids.size)
for a, b in zip(starts[:-1], starts[1:]):
    chunk = ids[a:b]
    kernel(w, c, chunk, np.array([0, chunk.size], np.int64), p["keep"], arch, layer, 1, 1,
           WINDOW, 1, NEGATIVE, p["threshold"], p["alias"], p["points"], p["codes"],
           p["lengths"], alpha, alpha, rng, *arrays)
cres = list(kernel.overloads.values())[0]
entry = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
print("ENTRY", hex(entry), flush=True)
if dump_path != "-":
    import ctypes
    end = entry + {dump}
    with open("/proc/self/maps") as f:
        for line in f:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= entry < hi:
                end = min(end, hi)
    with open(dump_path, "wb") as f:
        f.write(ctypes.string_at(entry, end - entry))
""".replace("{dump}", str(DUMP_BYTES))


def host_cpu_env(cache_dir: str) -> dict:
    """The environment that makes Numba compile for the host CPU, even under valgrind."""
    import llvmlite.binding as llvm

    env = dict(os.environ)
    env["NUMBA_CPU_NAME"] = llvm.get_host_cpu_name()
    env["NUMBA_CPU_FEATURES"] = llvm.get_host_cpu_features().flatten()
    env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def save_problem(corpus: str, words: int, path: str) -> None:
    import numpy as np

    sys.path.insert(0, HERE)
    from _kernel_problem import load_problem
    from specialised_kernels import DIM

    problem = load_problem(corpus, words)
    w, c_ns = problem.matrices(DIM)
    _, c_hs = problem.matrices(DIM, hs=True)
    np.savez(path, ids=problem.ids, keep=problem.keep, w=w, c_ns=c_ns, c_hs=c_hs,
             points=problem.tree.points, codes=problem.tree.codes,
             lengths=problem.tree.code_lengths, threshold=problem.alias.threshold,
             alias=problem.alias.alias)


def kernel_costs(callgrind_out: str, entry: int) -> Counter:
    """Instructions executed at each offset of the function that starts at ``entry``
    (its own, not those of the functions it calls), from a ``--dump-instr=yes`` profile
    (callgrind's format: compressed names ``fn=(id) name``, positions ``+n`` / ``-n`` /
    ``*`` relative to the previous line's, the line after ``calls=`` is a call's cost)."""
    entry_name = f"0x{entry:016x}"
    names: dict = {}
    costs: Counter = Counter()
    inside = skip_call_line = False
    last = 0
    for line in open(callgrind_out):
        head = line[:1]
        if head.isalpha():
            match = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.rstrip())
            if match:
                if match.group(2):
                    names[match.group(1)] = match.group(2)
                if line.startswith("fn="):
                    inside = names.get(match.group(1)) == entry_name
            elif line.startswith("calls="):
                skip_call_line = True
            continue
        if head not in "0123456789+-*" or not line.strip():
            continue
        parts = line.split()
        token = parts[0]
        if token.startswith("0x"):
            last = int(token, 16)
        elif token[0] == "+":
            last += int(token[1:])
        elif token[0] == "-":
            last -= int(token[1:])
        if skip_call_line:
            skip_call_line = False
        elif inside:
            costs[last - entry] += int(parts[-1])
    return costs


def disassemble(code_path: str) -> list[tuple[int, str]]:
    """(offset, instruction) for the dumped machine code."""
    out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", code_path],
                         check=True, capture_output=True, text=True).stdout
    listing = []
    for line in out.splitlines():
        match = re.match(r"\s+([0-9a-f]+):\t[0-9a-f ]+\t(.*)", line)
        if match:
            listing.append((int(match.group(1), 16), match.group(2).strip()))
    return listing


def innermost_loops(listing, costs: Counter, words: int, top: int) -> list[str]:
    """The innermost loops (a backward jump's range holding no other) by instructions
    executed, each with its share, its iterations per word (taken back-edges counted by
    the jump's executions) and whether it uses 256-bit vectors."""
    ranges = []
    for offset, text in listing:
        match = re.match(r"j\w+\s+0x([0-9a-f]+)", text)
        if match and int(match.group(1), 16) <= offset:
            ranges.append((int(match.group(1), 16), offset))
    inner = [r for r in ranges
             if not any(o != r and r[0] <= o[0] and o[1] <= r[1] for o in ranges)]
    total = sum(costs.values())
    rows = []
    for lo, hi in inner:
        body = [text for offset, text in listing if lo <= offset <= hi]
        executed = sum(costs[offset] for offset, _ in listing if lo <= offset <= hi)
        kind = "ymm" if any("ymm" in b for b in body) else (
            "scalar float" if any(re.match(r"v\w+s[sd]\b", b) for b in body) else "integer")
        rows.append((executed, f"  loop +{lo:05x}..+{hi:05x}: {len(body):3d} instructions, "
                               f"{kind:12s} {costs[hi] / words:7.1f} runs/word, "
                               f"{executed / words:8.1f} instructions/word "
                               f"({100 * executed / total:4.1f} %)"))
    rows.sort(reverse=True)
    inside = sum(r[0] for r in rows)
    lines = [text for _, text in rows[:top]]
    lines.append(f"  outside innermost loops: {(total - inside) / words:.1f} instructions/word "
                 f"({100 * (total - inside) / total:.1f} %)")
    return lines


def annotated(listing, costs: Counter, words: int):
    """Lines ``+offset  per-word  instruction`` of the whole listing, up to the last
    instruction that executed."""
    last = max((offset for offset, _ in listing if costs[offset]), default=-1)
    for offset, text in listing:
        if offset > last:
            return
        yield f"+{offset:05x} {costs[offset] / words:9.2f}  {text}\n"


def run_child(config: str, args: list[str], env: dict, *, under: list[str] = ()) -> str:
    """Run :data:`CHILD` for ``config`` (under ``under``, e.g. valgrind) and return the
    kernel's entry address; exit with the child's own error if it fails."""
    run = subprocess.run([*under, sys.executable, "-c", CHILD, config, *args, HERE],
                         env=env, capture_output=True, text=True)
    match = re.search(r"ENTRY (0x[0-9a-f]+)", run.stdout)
    if run.returncode != 0 or match is None:
        where = " under callgrind" if under else ""
        sys.exit(f"{config}: the kernel's run{where} failed:\n{run.stderr[-2000:]}")
    return match.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.path.join(
        HERE, "..", "..", "shared", "data", "corpora", "enwiki-text8style-17m.zip"))
    parser.add_argument("--words", type=int, default=50_000,
                        help="words counted after the warm-up (default 50,000)")
    parser.add_argument("--config", default=",".join(CONFIGS))
    parser.add_argument("--loops", type=int, default=8, help="innermost loops to list")
    parser.add_argument("--module", default=None,
                        help="a variant's Python file (its train_chunk) instead of the "
                             "kernel the trainer picks")
    parser.add_argument("--keep", default=None, metavar="DIR",
                        help="write DIR/CONFIG.txt: the kernel's disassembly, each line "
                             "with the instructions it executed per word")
    args = parser.parse_args()
    configs = args.config.split(",")
    unknown = sorted(set(configs) - set(CONFIGS))
    if unknown:
        parser.error(f"--config: unknown {', '.join(unknown)}; expected some of "
                     f"{', '.join(CONFIGS)}")
    missing = [tool for tool in ("valgrind", "objdump") if shutil.which(tool) is None]
    if missing:
        parser.error(f"needs {' and '.join(missing)} on PATH (Debian: valgrind, binutils)")
    if not os.path.isfile(args.corpus):
        parser.error(f"--corpus: no such file: {args.corpus}")
    if args.module is not None and not os.path.isfile(args.module):
        parser.error(f"--module: no such file: {args.module}")
    if args.keep is not None:
        try:   # before the runs, which take minutes
            os.makedirs(args.keep, exist_ok=True)
        except OSError as error:
            parser.error(f"--keep: cannot use {args.keep} as a directory: {error.strerror}")
    module = "-" if args.module is None else os.path.abspath(args.module)
    words = WARM_WORDS + args.words
    with tempfile.TemporaryDirectory(prefix="w2v-instr-") as tmp:
        problem = os.path.join(tmp, "problem.npz")
        save_problem(args.corpus, words, problem)
        env = host_cpu_env(os.path.join(tmp, "numba-cache"))
        print(f"host CPU {env['NUMBA_CPU_NAME']}; {args.words:,} words counted after "
              f"{WARM_WORDS:,} of warm-up (all {words:,} in the figures)", flush=True)
        for config in configs:
            code = os.path.join(tmp, f"{config}.bin")
            run_child(config, [problem, str(WARM_WORDS), code, module], env)
            profile = os.path.join(tmp, f"{config}.callgrind")
            entry = run_child(config, [problem, str(words), "-", module], env,
                              under=["valgrind", "--tool=callgrind", "--dump-instr=yes",
                                     f"--callgrind-out-file={profile}"])
            costs = kernel_costs(profile, int(entry, 16))
            total = sum(costs.values())
            print(f"{config}: {total / words:,.0f} kernel instructions per word "
                  f"({total:,} in all)", flush=True)
            listing = disassemble(code)
            for line in innermost_loops(listing, costs, words, args.loops):
                print(line)
            if args.keep is not None:
                with open(os.path.join(args.keep, f"{config}.txt"), "w") as out:
                    out.writelines(annotated(listing, costs, words))


if __name__ == "__main__":
    main()
