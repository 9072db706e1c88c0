"""A local web app to explore word vectors: ``w2v explore MODEL``.

Needs the ``explore`` extra (FastAPI, uvicorn, plotly): ``pip install 'w2v[explore]'``.
See :func:`w2v.explorer.app.create_app` and :func:`w2v.explorer.app.load_store`.
"""

from .app import (MAX_COMPLETIONS, MAX_EXPLORER_POINTS, MAX_QUERY_BYTES, MAX_TOPN,
                  MAX_WORD_CHARS, VectorStore, create_app, load_store)

__all__ = ["create_app", "load_store", "VectorStore", "MAX_TOPN", "MAX_WORD_CHARS",
           "MAX_QUERY_BYTES", "MAX_EXPLORER_POINTS", "MAX_COMPLETIONS"]
