"""The "why" lab: reports that show why word2vec's weights end up encoding meaning.

Four studies, each a function returning a self-contained HTML
:class:`~w2v.lab.report.Report` (and reachable as ``w2v lab toy|pmi|window|vectors``):

* :func:`build_toy_report`: the seed example's training steps written out (CBOW +
  softmax, skip-gram + negative sampling), checked against the real kernel, and vectors
  of two word groups moving apart over epochs;
* :func:`build_pmi_report`: skip-gram NS against shifted PMI (Levy & Goldberg 2014),
  with explicit PPMI and SVD embeddings for comparison;
* :func:`build_window_report`: one model per window, similarity vs relatedness;
* :func:`build_vectors_report`: neighbours by input, output, summed and input-to-output
  vectors, with benchmark scores.

The underlying computations (:mod:`w2v.lab.toy`, :mod:`w2v.lab.pmi`,
:mod:`w2v.lab.window`, :mod:`w2v.lab.vectors_study`) return plain data and can be used
without writing a report. ``report.render()`` gives the page as a string (for a
server); ``report.write(path)`` writes it atomically.
"""

from .pmi import build_pmi_report, pmi_study
from .report import Report, read_report_data
from .toy import build_toy_report
from .vectors_study import build_vectors_report
from .window import build_window_report, window_study

__all__ = ["build_toy_report", "build_pmi_report", "build_window_report",
           "build_vectors_report", "pmi_study", "window_study",
           "Report", "read_report_data"]
