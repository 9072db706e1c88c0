"""The demo corpus shipped with w2v, and the demo job the README's first command runs."""

from __future__ import annotations

import os
from importlib import resources

__all__ = ["demo_corpus_path", "DEMO_CORPUS"]

DEMO_CORPUS = "enwiki-demo.txt.gz"


def demo_corpus_path() -> str:
    """Path of the bundled demo corpus: about 1M words of English Wikipedia, text8-style
    (one gzip-compressed line; CC BY-SA 3.0, see ``w2v/data/demo/README.md``)."""
    path = resources.files("w2v").joinpath("data", "demo", DEMO_CORPUS)
    return os.fspath(path)
