"""w2v: word2vec training, queries, evaluation and explanations.

>>> from w2v import Word2Vec
>>> model = Word2Vec(arch="skipgram", loss="ns", dim=100).fit("corpus.txt")  # doctest: +SKIP
>>> model.wv.most_similar("king")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .errors import (CorpusError, DivergenceError, EvaluationDataError, FormatError,  # noqa: E402
                     ParameterError, TrainingError, VocabularyError, W2VError)
from .vectors import KeyedVectors  # noqa: E402
from .vocab import Vocabulary  # noqa: E402
from .model import Word2Vec  # noqa: E402
from .formats import load_keyed_vectors, load_vectors, save_word2vec  # noqa: E402

__all__ = [
    "__version__", "Word2Vec", "Vocabulary", "KeyedVectors", "load_keyed_vectors",
    "load_vectors", "save_word2vec", "W2VError", "CorpusError", "DivergenceError",
    "EvaluationDataError", "FormatError", "ParameterError", "TrainingError",
    "VocabularyError",
]
