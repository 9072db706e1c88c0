"""``w2v plot``: a labelled scatter plot of words (PNG, SVG or offline HTML)."""

from __future__ import annotations

import argparse

from ..formats import load_keyed_vectors
from ..plot import DEFAULT_NEIGHBOURS, PLOT_FORMATS, plot_data, plot_format, save_plot
from ..projection import PROJECTION_DIMS, PROJECTION_METHODS
from .similar import add_vectors_options

COMMAND = "plot"
HELP = "scatter plot of words (PCA, t-SNE, UMAP) with analogy arrows: PNG, SVG or HTML"


def register(parser: argparse.ArgumentParser) -> None:
    add_vectors_options(parser)
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help=f"the plot file; its extension picks the format "
                             f"({', '.join(PLOT_FORMATS)})")
    parser.add_argument("--words", nargs="+", action="append", default=[], metavar="WORD",
                        help="a group of words, coloured together (repeat for more groups)")
    parser.add_argument("--top", type=int, default=None, metavar="N",
                        help="plot the N most frequent words")
    parser.add_argument("--neighbours-of", "--neighbors-of", dest="neighbours_of",
                        metavar="WORD", default=None, help="plot WORD and its nearest words")
    parser.add_argument("--topn", type=int, default=DEFAULT_NEIGHBOURS,
                        help="how many neighbours --neighbours-of plots")
    parser.add_argument("--analogy", action="append", default=[], metavar="A:B::C:D",
                        help="draw A->B and C->D as arrows (D may be left out: the model's "
                             "answer); repeat for more")
    parser.add_argument("--clusters", type=int, default=0, metavar="K",
                        help="colour the words by K cosine k-means clusters (0: by group)")
    parser.add_argument("--method", choices=PROJECTION_METHODS, default="pca",
                        help="projection (tsne needs w2v[tsne], umap needs w2v[umap])")
    parser.add_argument("--dims", type=int, choices=PROJECTION_DIMS, default=2,
                        help="2-D or 3-D plot")
    parser.add_argument("--seed", type=int, default=0, help="random seed of t-SNE/UMAP")
    parser.add_argument("--title", default=None, help="plot title (default: what is shown)")


def run(args: argparse.Namespace) -> int:
    plot_format(args.output)  # a bad extension fails before the model is read
    kv = load_keyed_vectors(args.model, vectors=args.vectors)
    if args.restrict_vocab is not None:
        kv = load_keyed_vectors(args.model, vectors=args.vectors, limit=args.restrict_vocab)
    data = plot_data(kv, groups=args.words, top=args.top, neighbours_of=args.neighbours_of,
                     topn=args.topn, analogies=args.analogy, clusters=args.clusters,
                     method=args.method, dims=args.dims, random_state=args.seed,
                     title=args.title)
    save_plot(data, args.output)
    print(f"wrote {args.output}: {len(data.words)} words, {args.method} {args.dims}-D")
    return 0
