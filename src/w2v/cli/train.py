"""``w2v train``: train word2vec on a corpus and save the model."""

from __future__ import annotations

import argparse
import os
import sys

from ..corpus import DEFAULT_MAX_SENTENCE_LENGTH, ENCODING_ERRORS, as_corpus
from ..model import ARCHITECTURES, DEFAULT_ALPHA, OUTPUT_LAYERS, Word2Vec
from ..sampling import DEFAULT_NS_EXPONENT, DEFAULT_SAMPLE
from ..errors import TrainingError, TrainingInterrupted
from ..vocab import Vocabulary
from . import EXIT_INTERRUPTED

#: A long run loses at most this much work to a crash (SIGKILL, power cut).
DEFAULT_CHECKPOINT_SECONDS = 300.0

COMMAND = "train"
HELP = "train word2vec embeddings on a corpus and save the model"


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """The model's hyper-parameters as options (shared with ``w2v demo``)."""
    g = parser.add_argument_group("model")
    g.add_argument("--arch", choices=ARCHITECTURES, default="skipgram",
                   help="skip-gram (predict context from word) or CBOW (word from context)")
    g.add_argument("--loss", choices=OUTPUT_LAYERS, default="ns",
                   help="output layer: negative sampling, hierarchical softmax, or the exact "
                        "full softmax (slow beyond a few thousand words)")
    g.add_argument("--dim", type=int, default=100, help="dimension of the vectors")
    g.add_argument("--window", type=int, default=5, help="maximum context distance")
    g.add_argument("--negative", type=int, default=5, help="negative samples (--loss ns)")
    g.add_argument("--ns-exponent", type=float, default=DEFAULT_NS_EXPONENT,
                   help="negatives are drawn from count**ns_exponent")
    g.add_argument("--sample", type=float, default=DEFAULT_SAMPLE,
                   help="subsampling threshold of frequent words (0: off)")
    g.add_argument("--min-count", type=int, default=5, help="drop rarer words")
    g.add_argument("--max-vocab-size", type=int, default=None,
                   help="bound the count table while counting (prunes rare words)")
    g.add_argument("--max-final-vocab", type=int, default=None,
                   help="keep only this many most frequent words")
    g.add_argument("--epochs", type=int, default=5, help="passes over the corpus")
    g.add_argument("--alpha", type=float, default=None,
                   help=f"initial learning rate (default: {DEFAULT_ALPHA['skipgram']} "
                        f"skip-gram, {DEFAULT_ALPHA['cbow']} CBOW)")
    g.add_argument("--min-alpha", type=float, default=None,
                   help="final learning rate (default: alpha * 1e-4)")
    g.add_argument("--cbow-sum", action="store_true",
                   help="CBOW: sum the context vectors instead of averaging them")
    g.add_argument("--no-shrink-windows", action="store_true",
                   help="always use the full window (default: sample 1..window per word)")
    g.add_argument("--no-batch", action="store_true",
                   help="skip-gram: exact per-pair updates as the C tool, instead of "
                        "batching each word's contexts with shared negatives (slower)")
    g.add_argument("--threads", type=int, default=None,
                   help="worker threads (default: all cores); only 1 is bit-reproducible")
    g.add_argument("--seed", type=int, default=1, help="random seed")
    g.add_argument("--max-sentence-length", type=int, default=DEFAULT_MAX_SENTENCE_LENGTH,
                   help="longer sentences (and text8-style single lines) are cut")


def model_from_args(args: argparse.Namespace) -> Word2Vec:
    return Word2Vec(arch=args.arch, loss=args.loss, dim=args.dim, window=args.window,
                    negative=args.negative, ns_exponent=args.ns_exponent, sample=args.sample,
                    min_count=args.min_count, max_vocab_size=args.max_vocab_size,
                    max_final_vocab=args.max_final_vocab, epochs=args.epochs,
                    alpha=args.alpha, min_alpha=args.min_alpha, cbow_mean=not args.cbow_sum,
                    shrink_windows=not args.no_shrink_windows,
                    batch_contexts=not args.no_batch, threads=args.threads, seed=args.seed,
                    max_sentence_length=args.max_sentence_length)


def epoch_printer(model: Word2Vec, info: dict) -> None:
    print(f"epoch {info['epoch']}: loss {info['loss']:.4f} per prediction, "
          f"{info['words'] / max(info['seconds'], 1e-9):,.0f} words/s", flush=True)


def _resume(args: argparse.Namespace, checkpoint: str, progress: bool) -> Word2Vec:
    if not os.path.exists(checkpoint):
        raise TrainingError(f"{checkpoint}: no checkpoint to resume from (expected the file "
                            "an interrupted 'w2v train -o MODEL' left as MODEL.checkpoint, or "
                            "pass --checkpoint FILE)")
    print(f"resuming from {checkpoint}", flush=True)
    return Word2Vec.resume(checkpoint, as_corpus(args.corpus, errors=args.encoding_errors),
                           progress=progress, callbacks=[epoch_printer],
                           checkpoint_every=args.checkpoint_every, threads=args.threads)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("corpus", metavar="CORPUS",
                        help="corpus file (plain, .gz, .bz2, .xz or single-member .zip) or "
                             "a directory of them; one sentence per line, tokens separated "
                             "by whitespace")
    parser.add_argument("-o", "--output", metavar="MODEL", required=True,
                        help="model file to write (w2v's open format: a zip of JSON + .npy)")
    parser.add_argument("--save-vectors", metavar="FILE", default=None,
                        help="also write the word vectors in word2vec format: text if FILE "
                             "ends in .txt or .vec, else binary")
    parser.add_argument("--vocab", metavar="VOCAB.txt", default=None,
                        help="use this vocabulary file ('w2v vocab') instead of counting")
    parser.add_argument("--encoding-errors", choices=ENCODING_ERRORS, default="strict",
                        help="what to do with bytes that are not valid UTF-8")
    parser.add_argument("--checkpoint", metavar="FILE", default=None,
                        help="resumable checkpoint file (default: MODEL.checkpoint); written "
                             "every --checkpoint-every seconds and on Ctrl-C, deleted when "
                             "training completes")
    parser.add_argument("--checkpoint-every", type=float, default=DEFAULT_CHECKPOINT_SECONDS,
                        metavar="SECONDS", help="seconds between checkpoints (0: after every "
                                                "chunk of work)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint (model options are taken from it; "
                             "--threads may change)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_training_options(parser)


def run(args: argparse.Namespace) -> int:
    checkpoint = args.checkpoint or args.output + ".checkpoint"
    progress = not args.no_progress
    try:
        if args.resume:
            model = _resume(args, checkpoint, progress)
        else:
            model = model_from_args(args)
            corpus = as_corpus(args.corpus, max_sentence_length=args.max_sentence_length,
                               errors=args.encoding_errors)
            if args.vocab:
                model.set_vocabulary(Vocabulary.load(args.vocab))
            else:
                model.build_vocab(corpus, progress=progress)
            vocab = model.vocabulary_
            print(f"vocabulary: {len(vocab):,} words covering {vocab.total_count:,} tokens",
                  flush=True)
            model.train(corpus, progress=progress, callbacks=[epoch_printer],
                        checkpoint=checkpoint, checkpoint_every=args.checkpoint_every)
    except TrainingInterrupted as exc:
        print(f"w2v: interrupted; checkpoint saved to {exc.checkpoint_path}; continue with "
              f"the same command plus --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    model.save(args.output)
    print(f"trained {model.epochs_trained_} epochs at {model.words_per_second_:,.0f} "
          f"words/s; saved {args.output}")
    if args.save_vectors:
        binary = not args.save_vectors.endswith((".txt", ".vec"))
        model.save_word2vec(args.save_vectors, binary=binary)
        print(f"saved word vectors to {args.save_vectors} "
              f"({'binary' if binary else 'text'} word2vec format)")
    return 0


