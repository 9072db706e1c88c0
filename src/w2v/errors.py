"""The library's exceptions: one family, one message shape.

Every mistake a user can make (a bad file, a bad parameter, a corpus with no usable
words) raises a subclass of :class:`W2VError`. The CLI turns these into a one-line
message and exit status 2; anything else is a bug in w2v and keeps its traceback.

Message shape: ``WHERE: WHAT (expected EXPECTED)``, where ``WHERE`` is ``path:line``,
``path: byte N`` or ``parameter NAME`` (see :func:`where`).
"""

from __future__ import annotations

import os

__all__ = [
    "W2VError",
    "ParameterError",
    "CorpusError",
    "VocabularyError",
    "FormatError",
    "EvaluationDataError",
    "TrainingError",
    "DivergenceError",
    "TrainingInterrupted",
    "where",
]


class W2VError(Exception):
    """Base class of every error caused by input (files, parameters) rather than a bug."""


class ParameterError(W2VError, ValueError):
    """A parameter value is out of range or of the wrong type."""


class CorpusError(W2VError, ValueError):
    """A corpus cannot be read or is unusable for training."""


class VocabularyError(W2VError, ValueError):
    """A vocabulary file is malformed, or a word is missing from the vocabulary."""


class FormatError(W2VError, ValueError):
    """A vectors or model file is malformed, truncated or of an unknown version."""


class EvaluationDataError(W2VError, ValueError):
    """An evaluation file (analogies, word pairs) is malformed."""


class TrainingError(W2VError, RuntimeError):
    """Training cannot go on (for example, nothing to train on)."""


class DivergenceError(TrainingError):
    """The training loss became NaN or infinite."""


def where(path: str | os.PathLike | None, *, line: int | None = None,
          offset: int | None = None) -> str:
    """Format the location part of an error message: ``path:line`` or ``path: byte N``."""
    name = os.fspath(path) if path is not None else "<input>"
    if line is not None:
        return f"{name}:{line}"
    if offset is not None:
        return f"{name}: byte {offset}"
    return name


class TrainingInterrupted(KeyboardInterrupt):
    """Training was interrupted (Ctrl-C) after saving a checkpoint at ``checkpoint_path``.

    A :class:`KeyboardInterrupt`, so code that stops on Ctrl-C still stops; resume with
    :meth:`w2v.Word2Vec.resume` or ``w2v train ... --resume``.
    """

    def __init__(self, checkpoint_path: str):
        super().__init__(f"training interrupted; checkpoint saved to {checkpoint_path}")
        self.checkpoint_path = checkpoint_path
