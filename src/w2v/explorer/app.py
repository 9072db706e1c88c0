"""The explorer web app (FastAPI): word search, neighbours, analogies, projections.

Every endpoint is a GET with query parameters and answers JSON. Nothing a request
contains is ever used as a file path: the app serves the vectors it was started with
and a fixed set of static assets. Errors have one shape, ``{"error": str, "detail":
...}``, with status 400 (bad parameter), 404 (unknown word or page), 413 (request too
large), 422 (malformed query) or 500 (a bug: no traceback is sent).
"""

from __future__ import annotations

import bisect
import os
import threading
from importlib import resources
from typing import Callable, Mapping

import numpy as np

from .._validation import check_choice, check_int
from ..errors import ParameterError, VocabularyError, W2VError
from ..projection import MAX_PROJECTION_POINTS, PROJECTION_DIMS, PROJECTION_METHODS, project
from ..vectors import ANALOGY_METHODS, KeyedVectors

__all__ = ["create_app", "load_store", "VectorStore", "MAX_TOPN", "MAX_WORD_CHARS", "MAX_QUERY_BYTES",
           "MAX_EXPLORER_POINTS", "MAX_COMPLETIONS", "VECTOR_LABELS"]

# Limits on what one request may ask for: they keep every answer fast on a 100k-word
# model and bound the work a hostile or buggy client can cause.
MAX_TOPN = 200                 # neighbours / analogy answers per request
MAX_WORD_CHARS = 200           # longer than any real token; word2vec caps words at 100 bytes
MAX_QUERY_BYTES = 16_384       # query string (a projection of many chosen words fits)
MAX_COMPLETIONS = 50           # autocomplete suggestions
# t-SNE on 2000 points takes ~10 s on one core; the explorer is interactive.
MAX_EXPLORER_POINTS = min(2000, MAX_PROJECTION_POINTS)
DEFAULT_TOPN = 10
DEFAULT_COMPLETIONS = 10
DEFAULT_NEIGHBOURHOOD = 50     # points of a word's neighbourhood projection
PROJECTION_WORD_SEPARATOR = ","

VECTOR_LABELS = {"in": "input", "out": "output", "sum": "input + output"}

# The only files the app serves: URL name -> (package, file name, media type).
_ASSETS = {
    "app.js": ("w2v.explorer.static", "app.js", "text/javascript"),
    "style.css": ("w2v.explorer.static", "style.css", "text/css"),
    "plotly.min.js": ("plotly", "package_data/plotly.min.js", "text/javascript"),
}
_INDEX = ("w2v.explorer.static", "index.html")


class VectorStore:
    """The vectors the explorer serves, by kind (``"in"``, ``"out"``, ``"sum"``).

    Parameters
    ----------
    loaders : mapping of kind -> KeyedVectors or callable returning one
        Callables are called once, on first use (a model's output vectors are read
        only if someone asks for them). A loader raising :class:`W2VError` marks the
        kind unavailable (a hierarchical softmax model has no output vectors).
    name : str
        Shown in the page title.
    evaluation : callable (KeyedVectors -> dict) or None
        Computes the evaluation table of the input vectors, once, on first request.
    """

    def __init__(self, loaders: Mapping[str, KeyedVectors | Callable[[], KeyedVectors]], *,
                 name: str = "model",
                 evaluation: Callable[[KeyedVectors], dict] | None = None,
                 lab_pages: Mapping[str, Callable[[], str]] | None = None):
        if "in" not in loaders:
            raise ParameterError("parameter loaders: expected an 'in' entry (input vectors)")
        for kind in loaders:
            check_choice("vector kind", kind, tuple(VECTOR_LABELS))
        self.name = name
        self._loaders = dict(loaders)
        self._loaded: dict[str, KeyedVectors] = {}
        self._failed: dict[str, str] = {}
        self._evaluation = evaluation
        self._evaluation_result: dict | None = None
        self._lab_pages = dict(lab_pages or {})
        self._lab_html: dict[str, str] = {}
        self._lock = threading.Lock()
        base = self.get("in")
        # Autocomplete: words sorted, with their frequency rank, for prefix ranges.
        order = sorted(range(len(base)), key=base.words.__getitem__)
        self.sorted_words = [base.words[i] for i in order]
        self.sorted_rows = np.asarray(order, dtype=np.int64)

    @property
    def kinds(self) -> list[str]:
        return [k for k in VECTOR_LABELS if k in self._loaders and k not in self._failed]

    def get(self, kind: str) -> KeyedVectors:
        kind = check_choice("vectors", kind, self.kinds)
        with self._lock:
            if kind not in self._loaded:
                source = self._loaders[kind]
                try:
                    kv = source() if callable(source) else source
                except W2VError as exc:
                    self._failed[kind] = str(exc)
                    raise
                kv.unit_vectors()  # normalise once, not in the first request's time
                self._loaded[kind] = kv
            return self._loaded[kind]

    def lab_page(self, name: str) -> str | None:
        """The HTML of the lab report ``name`` (built once, on first request), or None
        when this explorer has no such page."""
        if name not in self._lab_pages:
            return None
        with self._lock:
            if name not in self._lab_html:
                self._lab_html[name] = self._lab_pages[name]()
            return self._lab_html[name]

    def complete(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` words starting with ``prefix``, most frequent first."""
        lo = bisect.bisect_left(self.sorted_words, prefix)
        hi = bisect.bisect_left(self.sorted_words, prefix + "\U0010ffff")
        rows = self.sorted_rows[lo:hi]
        if len(rows) > limit:
            rows = np.partition(rows, limit - 1)[:limit]
        words = self.get("in").words
        return [words[r] for r in np.sort(rows)]

    @property
    def has_evaluation(self) -> bool:
        return self._evaluation is not None

    def evaluation(self) -> dict | None:
        """The evaluation table (computed on the first call), or None without one."""
        if self._evaluation is None:
            return None
        with self._lock:
            if self._evaluation_result is None:
                self._evaluation_result = self._evaluation(self._loaded["in"])
            return self._evaluation_result


def _asset_text(package: str, name: str) -> bytes:
    return resources.files(package).joinpath(name).read_bytes()


def _error(status: int, message: str, detail=None):
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": message, "detail": detail}, status_code=status)


def _word(name: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_WORD_CHARS:
        raise ParameterError(f"parameter {name}={value[:MAX_WORD_CHARS]!r}: expected a word "
                             f"of 1 to {MAX_WORD_CHARS} characters")
    return value


def create_app(store: VectorStore):
    """The FastAPI application serving ``store``.

    Endpoints (all GET): ``/`` (the page), ``/static/{name}`` (fixed assets, plotly.js
    from the installed plotly package), ``/api/info``, ``/api/complete?prefix=``,
    ``/api/neighbours?word=&topn=&vectors=``, ``/api/analogy?a=&b=&c=&topn=&method=
    &vectors=``, ``/api/projection?word=|words=&topn=&method=&dims=&vectors=``,
    ``/api/evaluation``.
    """
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app = FastAPI(title="w2v explorer", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store

    @app.middleware("http")
    async def bound_requests(request: Request, call_next):
        if len(request.url.query.encode()) > MAX_QUERY_BYTES:
            return _error(413, "request too large",
                          f"query string over {MAX_QUERY_BYTES} bytes")
        if request.method not in ("GET", "HEAD"):
            return _error(405, "method not allowed", "the explorer answers GET only")
        if int(request.headers.get("content-length") or 0) > 0:
            return _error(413, "request too large", "the explorer takes no request body")
        try:
            return await call_next(request)
        except Exception:  # a bug: say so without leaking a traceback
            return _error(500, "internal error", None)

    @app.exception_handler(VocabularyError)
    async def unknown_word(request: Request, exc: VocabularyError):
        return _error(404, "unknown word", str(exc))

    @app.exception_handler(W2VError)
    async def bad_parameter(request: Request, exc: W2VError):
        return _error(400, "bad parameter", str(exc))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError):
        detail = [{"parameter": ".".join(str(p) for p in e.get("loc", ())[1:]),
                   "message": e.get("msg", "")} for e in exc.errors()]
        return _error(422, "malformed query", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, "not found" if exc.status_code == 404 else "error",
                      str(exc.detail))

    index_html = _asset_text(*_INDEX).decode("utf-8")

    @app.get("/", response_class=HTMLResponse)
    def index():
        return HTMLResponse(index_html)

    @app.get("/static/{name}")
    def static(name: str):
        if name not in _ASSETS:  # a fixed table: no path is ever built from the request
            return _error(404, "not found", "no such asset")
        package, file_name, media_type = _ASSETS[name]
        return Response(_asset_text(package, file_name), media_type=media_type,
                        headers={"Cache-Control": "max-age=3600"})

    @app.get("/lab/{name}", response_class=HTMLResponse)
    def lab(name: str):
        html = store.lab_page(name)   # a fixed table of pages: the name is only a key
        if html is None:
            return _error(404, "not found", f"no lab page {name[:40]!r} for this model "
                          "(toy always; vectors for negative-sampling model files)")
        return HTMLResponse(html)

    @app.get("/api/info")
    def info():
        kv = store.get("in")
        return {"name": store.name, "words": len(kv), "dim": kv.dim,
                "vectors": [{"kind": k, "label": VECTOR_LABELS[k]} for k in store.kinds],
                "methods": list(PROJECTION_METHODS), "dims": list(PROJECTION_DIMS),
                "analogy_methods": list(ANALOGY_METHODS), "max_topn": MAX_TOPN,
                "max_points": MAX_EXPLORER_POINTS,
                "evaluation": store.has_evaluation}

    @app.get("/api/complete")
    def complete(prefix: str = Query(..., min_length=1, max_length=MAX_WORD_CHARS),
                 limit: int = Query(DEFAULT_COMPLETIONS, ge=1, le=MAX_COMPLETIONS)):
        return {"prefix": prefix, "words": store.complete(prefix, limit)}

    @app.get("/api/neighbours")
    def neighbours(word: str = Query(..., max_length=MAX_WORD_CHARS),
                   topn: int = Query(DEFAULT_TOPN, ge=1, le=MAX_TOPN),
                   vectors: str = Query("in")):
        word = _word("word", word)
        kv = store.get(vectors)
        found = kv.most_similar(word, topn=min(topn, len(kv) - 1))
        return {"word": word, "vectors": vectors,
                "neighbours": [{"word": w, "score": round(float(s), 6)} for w, s in found]}

    @app.get("/api/analogy")
    def analogy(a: str = Query(..., max_length=MAX_WORD_CHARS),
                b: str = Query(..., max_length=MAX_WORD_CHARS),
                c: str = Query(..., max_length=MAX_WORD_CHARS),
                topn: int = Query(DEFAULT_TOPN, ge=1, le=MAX_TOPN),
                method: str = Query("3cosadd"), vectors: str = Query("in")):
        a, b, c = _word("a", a), _word("b", b), _word("c", c)
        kv = store.get(vectors)
        found = kv.analogy(a, b, c, method=method, topn=min(topn, max(1, len(kv) - 3)))
        return {"a": a, "b": b, "c": c, "method": method, "vectors": vectors,
                "answers": [{"word": w, "score": round(float(s), 6)} for w, s in found]}

    @app.get("/api/projection")
    def projection(word: str | None = Query(None, max_length=MAX_WORD_CHARS),
                   words: str | None = Query(None, max_length=MAX_QUERY_BYTES),
                   topn: int = Query(DEFAULT_NEIGHBOURHOOD, ge=1,
                                     le=MAX_EXPLORER_POINTS - 1),
                   method: str = Query("pca"), dims: int = Query(2),
                   vectors: str = Query("in")):
        method = check_choice("method", method, PROJECTION_METHODS)
        dims = check_int("dims", dims, min=min(PROJECTION_DIMS), max=max(PROJECTION_DIMS))
        kv = store.get(vectors)
        if (word is None) == (words is None):
            raise ParameterError("parameter word/words: expected exactly one of word "
                                 "(a neighbourhood) or words (a comma-separated list)")
        if word is not None:
            centre = _word("word", word)
            chosen = [centre] + [w for w, _ in kv.most_similar(
                centre, topn=min(topn, len(kv) - 1))]
            groups = ["centre"] + ["neighbour"] * (len(chosen) - 1)
        else:
            chosen = list(dict.fromkeys(
                _word("words", w) for w in words.split(PROJECTION_WORD_SEPARATOR)
                if w.strip()))
            if not chosen or len(chosen) > MAX_EXPLORER_POINTS:
                raise ParameterError(f"parameter words: {len(chosen)} words (expected 1 to "
                                     f"{MAX_EXPLORER_POINTS})")
            groups = ["chosen"] * len(chosen)
        rows = [kv.index_of(w) for w in chosen]
        coords = project(kv.unit_vectors()[rows], method=method, dims=dims)
        return {"method": method, "dims": dims, "vectors": vectors,
                "points": [{"word": w, "group": g,
                            "coords": [round(float(x), 6) for x in point]}
                           for w, g, point in zip(chosen, groups, coords)]}

    @app.get("/api/evaluation")
    def evaluation():
        result = store.evaluation()
        if result is None:
            return _error(404, "no evaluation", "the explorer was started without one")
        return result

    return app


def load_store(path: str | os.PathLike, *, evaluate: bool = True,
               suite: str = "quick") -> VectorStore:
    """A :class:`VectorStore` for a model or vectors file: input vectors now, output
    and summed vectors (model files only) on first use."""
    from ..formats import is_model_file, load_keyed_vectors

    path = os.fspath(path)
    loaders: dict = {"in": load_keyed_vectors(path, vectors="in")}
    if is_model_file(path):
        loaders["out"] = lambda: load_keyed_vectors(path, vectors="out")
        loaders["sum"] = lambda: load_keyed_vectors(path, vectors="sum")
    def toy_page() -> str:
        from ..lab import build_toy_report

        return build_toy_report().render()

    lab_pages = {"toy": toy_page}
    if is_model_file(path):
        def vectors_page() -> str:
            from ..lab import build_vectors_report
            from ..model import Word2Vec

            return build_vectors_report(Word2Vec.load(path),
                                        model_name=os.path.basename(path)).render()

        if "ns" == _model_loss(path):
            lab_pages["vectors"] = vectors_page
    evaluation = None
    if evaluate:
        from ..evaluation import evaluate as run_evaluation

        def evaluation(kv: KeyedVectors) -> dict:
            return run_evaluation(kv, suite=suite, name=os.path.basename(path)).to_dict()
    return VectorStore(loaders, name=os.path.basename(path), evaluation=evaluation,
                       lab_pages=lab_pages)


def _model_loss(path: str) -> str | None:
    """The output layer a native model file was trained with."""
    from ..formats import read_model_file

    header = read_model_file(path)[0]
    params = header.get("params")
    return params.get("loss") if isinstance(params, dict) else None
