"""Sampling tables built once from the vocabulary counts, read by the kernels.

* :func:`keep_probabilities`: frequent-word subsampling (Mikolov et al. 2013), the C
  tool's formula.
* :class:`AliasTable`: the negative-sampling distribution ``count ** ns_exponent``, drawn
  in O(1) with Walker's alias method (8 bytes per word, so it stays in cache; the C tool
  uses a 100M-entry table instead).
* :class:`HuffmanTree`: the binary tree of hierarchical softmax, frequent words near the
  root (the C tool's construction).

Everything here is plain NumPy; the kernels receive the arrays.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_float

__all__ = ["keep_probabilities", "AliasTable", "HuffmanTree", "DEFAULT_SAMPLE",
           "DEFAULT_NS_EXPONENT"]

#: Subsampling threshold of the C tool and gensim: words more frequent than about
#: 0.1 % of the corpus are randomly dropped.
DEFAULT_SAMPLE = 1e-3
#: Exponent of the negative-sampling distribution; 0.75 is Mikolov et al.'s choice,
#: flattening the unigram distribution so rare words are drawn more often.
DEFAULT_NS_EXPONENT = 0.75
#: Alias thresholds are compared against the low 32 bits of a random draw.
_ALIAS_SCALE = 2.0 ** 32


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability of keeping each occurrence of each word when subsampling.

    The C tool's formula, with ``t = sample * total``::

        keep(w) = (sqrt(count(w) / t) + 1) * t / count(w)     (clipped to 1)

    ``sample = 0`` keeps everything. Returns float32, one entry per word.
    """
    sample = check_float("sample", sample, min=0.0)
    counts = np.asarray(counts, dtype=np.float64)
    if sample == 0.0 or counts.size == 0:
        return np.ones(counts.shape, dtype=np.float32)
    threshold = sample * counts.sum()
    safe = np.maximum(counts, 1.0)
    keep = (np.sqrt(safe / threshold) + 1.0) * threshold / safe
    return np.minimum(keep, 1.0).astype(np.float32)


class AliasTable:
    """Walker's alias method for drawing word ids with probability proportional to
    ``weights``.

    A draw takes one 64-bit random number ``x``: the high 32 bits pick a column
    ``i = (x >> 32) * n >> 32``; the low 32 bits keep ``i`` if below ``threshold[i]``,
    else take ``alias[i]``.

    Attributes
    ----------
    threshold : uint32 array
        ``P(keep column i) * 2**32`` (saturated at 2**32 - 1 for columns kept always).
    alias : int32 array
        The other word of column ``i``.
    probabilities : float64 array
        The normalised distribution the table draws from (for tests and inspection).
    """

    def __init__(self, weights: np.ndarray):
        weights = np.asarray(weights, dtype=np.float64)
        n = weights.size
        if n == 0 or not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError("AliasTable needs finite, non-negative weights with a positive sum")
        self.probabilities = weights / weights.sum()
        scaled = self.probabilities * n
        prob = np.ones(n, dtype=np.float64)
        alias = np.arange(n, dtype=np.int32)
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s = small.pop()
            g = large[-1]
            prob[s] = scaled[s]
            alias[s] = g
            scaled[g] -= 1.0 - scaled[s]
            if scaled[g] < 1.0:
                large.pop()
                small.append(g)
        # Whatever is left is 1 up to rounding: always keep the column itself.
        self.threshold = np.minimum(prob * _ALIAS_SCALE, _ALIAS_SCALE - 1).astype(np.uint32)
        self.alias = alias

    @classmethod
    def for_negative_sampling(cls, counts: np.ndarray,
                              ns_exponent: float = DEFAULT_NS_EXPONENT) -> "AliasTable":
        """The table of ``counts ** ns_exponent`` (0 gives the uniform distribution)."""
        counts = np.asarray(counts, dtype=np.float64)
        return cls(np.power(counts, ns_exponent))

    def __len__(self) -> int:
        return int(self.alias.size)

    def column_probabilities(self) -> np.ndarray:
        """The distribution the table actually draws from, recomputed from its columns
        (equals :attr:`probabilities` up to the 32-bit rounding of thresholds)."""
        n = len(self)
        keep = (self.threshold.astype(np.float64) + 1.0 * (self.threshold == _ALIAS_SCALE - 1)) / _ALIAS_SCALE
        out = keep / n
        np.add.at(out, self.alias, (1.0 - keep) / n)
        return out


class HuffmanTree:
    """The Huffman tree of hierarchical softmax.

    Word ``w`` is reached from the root by ``code_lengths[w]`` binary decisions. Decision
    ``k`` is taken at inner node ``points[w, k]`` (a row of the ``(V - 1) x dim`` node-vector
    matrix, the root being ``V - 2``) and goes to the child ``codes[w, k]`` (0 or 1).
    Hierarchical softmax trains ``sigmoid(h . node) -> 1 - code`` at each decision, as
    the C tool does.

    Built with the C tool's linear-time two-queue method; the counts need not be sorted.
    """

    def __init__(self, counts: np.ndarray):
        counts = np.asarray(counts, dtype=np.int64)
        n = counts.size
        if n < 2:
            raise ValueError("hierarchical softmax needs at least 2 words in the vocabulary")
        order = np.argsort(-counts, kind="stable")  # most frequent first, as the C tool
        weight = np.empty(2 * n - 1, dtype=np.int64)
        weight[:n] = counts[order]
        parent = np.zeros(2 * n - 1, dtype=np.int64)
        branch = np.zeros(2 * n - 1, dtype=np.uint8)
        leaf = n - 1        # next unused leaf, scanning from the rarest
        inner = n           # next unused inner node, in creation order
        for new in range(n, 2 * n - 1):
            picked = []
            for _ in range(2):
                if leaf >= 0 and (inner >= new or weight[leaf] < weight[inner]):
                    picked.append(leaf)
                    leaf -= 1
                else:
                    picked.append(inner)
                    inner += 1
            weight[new] = weight[picked[0]] + weight[picked[1]]
            parent[picked[0]] = new
            parent[picked[1]] = new
            branch[picked[1]] = 1
        root = 2 * n - 2
        lengths = np.zeros(n, dtype=np.int32)
        paths_nodes: list[list[int]] = []
        paths_codes: list[list[int]] = []
        for rank in range(n):
            nodes, bits = [], []
            node = rank
            while node != root:
                bits.append(int(branch[node]))
                node = int(parent[node])
                nodes.append(node - n)   # inner nodes n..2n-2 -> rows 0..n-2
            nodes.reverse()
            bits.reverse()
            paths_nodes.append(nodes)
            paths_codes.append(bits)
            lengths[rank] = len(nodes)
        depth = int(lengths.max())
        self.points = np.zeros((n, depth), dtype=np.int32)
        self.codes = np.zeros((n, depth), dtype=np.uint8)
        self.code_lengths = np.zeros(n, dtype=np.int32)
        for rank, word in enumerate(order):
            L = lengths[rank]
            self.points[word, :L] = paths_nodes[rank]
            self.codes[word, :L] = paths_codes[rank]
            self.code_lengths[word] = L

    @property
    def max_depth(self) -> int:
        return int(self.points.shape[1])

    def __len__(self) -> int:
        return int(self.code_lengths.size)
