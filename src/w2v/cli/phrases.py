"""``w2v phrases``: learn phrases (word2phrase) and write the corpus with them joined.

Examples::

    w2v phrases text8.zip -o text8-phrases.txt --passes 2 --save-table phrases.tsv --show 20
    w2v phrases new.txt -o new-phrases.txt --apply-table phrases.tsv
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from .. import phrases as P
from .._fileio import atomic_write
from ..errors import W2VError, where

COMMAND = "phrases"
HELP = "join frequent word pairs into phrases (word2phrase) and write the phrased corpus"

# Sentences joined into one write: keeps the number of write calls small without holding
# more than a few MB of text.
_WRITE_BATCH = 256


def register(parser) -> None:
    parser.add_argument("corpus", metavar="CORPUS",
                        help="text corpus: a file (plain, gz, bz2, xz or one-member zip) or "
                             "a directory of them; one sentence per line")
    parser.add_argument("-o", "--output", metavar="OUT", required=True,
                        help="where to write the phrased corpus, one sentence per line")
    parser.add_argument("--min-count", type=int, default=P.DEFAULT_MIN_COUNT,
                        help="pairs seen fewer times are never joined (also the score's "
                             "discount)")
    parser.add_argument("--threshold", type=float, default=argparse.SUPPRESS,
                        help="join a pair when its score is above this (default: "
                             f"{P.DEFAULT_THRESHOLDS['word2vec']:g} for word2vec, "
                             f"{P.DEFAULT_THRESHOLDS['npmi']:g} for npmi)")
    parser.add_argument("--passes", type=int, default=P.DEFAULT_PASSES,
                        help="passes over the corpus; pass k can join phrases of pass k-1, "
                             "so 2 passes build phrases of up to 4 words")
    parser.add_argument("--scoring", choices=P.SCORINGS, default="word2vec",
                        help="word2vec: (count(ab) - min_count) / (count(a) count(b)) * "
                             "total words, as the C tool; npmi: normalised PMI in [-1, 1]")
    parser.add_argument("--delimiter", default=P.DEFAULT_DELIMITER,
                        help="joins the words of a phrase")
    parser.add_argument("--max-pair-table", type=int, default=P.DEFAULT_MAX_PAIR_TABLE,
                        help="most distinct word pairs counted at once (bounds memory); "
                             "beyond, rare pairs are pruned as the C tool does")
    parser.add_argument("--save-table", metavar="FILE",
                        help="also save the learned phrase table (text) to FILE")
    parser.add_argument("--apply-table", metavar="FILE",
                        help="do not learn: apply a phrase table saved with --save-table")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="print the N best phrases with their scores and counts")
    parser.add_argument("--show-by", choices=("score", "count"), default="score",
                        help="order of --show")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar or summary on stderr")


def run(args) -> int:
    from ..corpus import as_corpus

    if args.show < 0:
        raise W2VError(f"parameter --show={args.show}: expected an integer >= 0")
    for path in (args.output, args.save_table):
        if path:
            _check_writable(path)
    corpus = as_corpus(args.corpus)
    progress = not args.quiet
    started = time.perf_counter()

    if args.apply_table:
        model = P.PhraseModel.load(args.apply_table)
    else:
        def report(learner: P.Phrases) -> None:
            if progress:
                print(_pass_summary(learner), file=sys.stderr)

        model = P.learn_phrases(corpus, passes=args.passes, min_count=args.min_count,
                                threshold=getattr(args, "threshold", None), scoring=args.scoring,
                                delimiter=args.delimiter,
                                max_pair_table=args.max_pair_table, progress=progress,
                                report=report)
        if args.save_table:
            _writing(args.save_table, model.save, args.save_table)

    written = _writing(args.output, _write_corpus, args.output,
                       model.transform_corpus(corpus), progress)
    if progress:
        seconds = time.perf_counter() - started
        print(f"w2v phrases: {len(model):,} phrases in {len(model.tables)} pass(es); wrote "
              f"{written:,} tokens to {args.output} ({seconds:.1f} s in all)",
              file=sys.stderr)
    if args.show:
        _show(model, args.show, args.show_by)
    return 0


def _pass_summary(learner: P.Phrases) -> str:
    rate = learner.total_words_ / learner.fit_seconds_ if learner.fit_seconds_ else 0.0
    pruned = "" if not learner.pruned_below_ else \
        f"; pair table pruned (counts <= {learner.pruned_below_} dropped)"
    return (f"phrases pass: {learner.total_words_:,} words, {learner.vocabulary_size_:,} "
            f"distinct, {learner.distinct_pairs_:,} distinct pairs, "
            f"{len(learner.table_):,} phrases in {learner.fit_seconds_:.1f} s "
            f"({rate / 1e6:.2f}M words/s){pruned}")


def _write_corpus(path: str, sentences, progress: bool) -> int:
    """Write one sentence a line (atomically); return the number of tokens written."""
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(desc="writing", unit=" words", unit_scale=True, dynamic_ncols=True,
                   leave=False)
    tokens = 0
    try:
        with atomic_write(path, "w", encoding="utf-8") as out:
            batch: list[str] = []
            for sentence in sentences:
                batch.append(" ".join(sentence))
                tokens += len(sentence)
                if len(batch) >= _WRITE_BATCH:
                    out.write("\n".join(batch) + "\n")
                    batch.clear()
                if bar is not None:
                    bar.update(len(sentence))
            if batch:
                out.write("\n".join(batch) + "\n")
    finally:
        if bar is not None:
            bar.close()
    return tokens


def _check_writable(path: str) -> None:
    """Fail before hours of counting, not after, when ``path`` cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise W2VError(f"{where(path)}: is a directory (expected a file path)")
    if not os.path.isdir(directory):
        raise W2VError(f"{where(path)}: directory {directory} does not exist (expected a "
                       "path in an existing directory)")


def _writing(path: str, function, *args):
    """Call ``function(*args)``, turning an OS error on ``path`` into a user error."""
    try:
        return function(*args)
    except OSError as exc:
        raise W2VError(f"{where(path)}: cannot write ({exc.strerror or exc}) "
                       "(expected a writable path in an existing directory)") from None


def _show(model: P.PhraseModel, n: int, by: str) -> None:
    top = model.top(n, by=by)
    if not top:
        print("(no phrases learned)")
        return
    width = max(len(p.phrase) for p in top)
    print(f"{'rank':>4}  {'pass':>4}  {'score':>12}  {'count':>8}  phrase")
    for rank, p in enumerate(top, 1):
        print(f"{rank:>4}  {p.pass_number:>4}  {p.score:>12.6g}  {p.count:>8}  "
              f"{p.phrase:<{width}}".rstrip())
