"""A small writer of self-contained HTML reports (inline CSS, JS, images and data).

Every lab command builds a :class:`Report` and writes it with :meth:`Report.write`
(atomically, through :func:`w2v._fileio.atomic_write`). Nothing is fetched when the
file is opened: plots are base64 PNGs from matplotlib, scripts and styles are inline,
and the numbers behind the report are embedded as JSON in a
``<script type="application/json" id="w2v-lab-data">`` element, so a test (or a
reader) can check the figures against a direct computation with
:func:`read_report_data`.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re

from .._fileio import atomic_write

__all__ = ["Report", "figure_to_png", "read_report_data", "DATA_ELEMENT_ID"]

#: The id of the JSON element holding the report's numbers.
DATA_ELEMENT_ID = "w2v-lab-data"
#: Resolution of the embedded plots: sharp on screen, small enough to inline.
FIGURE_DPI = 100
#: Significant digits shown in tables (the JSON data keeps full precision).
TABLE_DIGITS = 4

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 1px solid #ddd; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.45rem; text-align: right; }
th { background: #f3f3f3; } td.t, th.t { text-align: left; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.85rem; }
pre { background: #f7f7f7; padding: 0.5rem; overflow-x: auto; }
.note { color: #555; font-size: 0.9rem; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
img { max-width: 100%; }
"""


def figure_to_png(figure) -> str:
    """A matplotlib figure as a base64 PNG string (and the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _cell(value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:.{TABLE_DIGITS}g}"
    return html.escape(str(value))


def _json_safe(value):
    """NaN/inf become None (JSON has no NaN); NumPy scalars and arrays become Python."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


class Report:
    """An HTML page built section by section.

    Parameters
    ----------
    title : str
        The page title and first heading.

    Attributes
    ----------
    data : dict
        The numbers behind the report; embedded as JSON when the page is rendered.
    """

    def __init__(self, title: str):
        self.title = title
        self.data: dict = {}
        self._parts: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self._parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str, *, note: bool = False) -> None:
        """A paragraph of plain text (escaped)."""
        cls = ' class="note"' if note else ""
        self._parts.append(f"<p{cls}>{html.escape(text)}</p>")

    def preformatted(self, text: str) -> None:
        self._parts.append(f"<pre>{html.escape(text)}</pre>")

    def table(self, header, rows, *, text_columns: int = 1, caption: str | None = None) -> None:
        """A table; the first ``text_columns`` columns are left-aligned."""
        def cls(i):
            return ' class="t"' if i < text_columns else ""
        out = ["<table>"]
        if caption:
            out.append(f"<caption>{html.escape(caption)}</caption>")
        out.append("<tr>" + "".join(f"<th{cls(i)}>{html.escape(str(h))}</th>"
                                    for i, h in enumerate(header)) + "</tr>")
        for row in rows:
            out.append("<tr>" + "".join(f"<td{cls(i)}>{_cell(v)}</td>"
                                        for i, v in enumerate(row)) + "</tr>")
        out.append("</table>")
        self._parts.append("".join(out))

    def figure(self, figure, *, alt: str) -> None:
        """A matplotlib figure, inlined as a base64 PNG."""
        png = figure_to_png(figure)
        self._parts.append(f'<img alt="{html.escape(alt)}" '
                           f'src="data:image/png;base64,{png}">')

    def raw(self, markup: str) -> None:
        """Trusted markup written by the lab itself (sliders, layout)."""
        self._parts.append(markup)

    def render(self) -> str:
        """The whole page as a string."""
        data = json.dumps(_json_safe(self.data), allow_nan=False)
        # "</" inside a script element would end it early
        data = data.replace("</", "<\\/")
        body = "\n".join(self._parts)
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head>\n"
                # the data first: inline scripts further down read it as the page loads
                f"<body><script type=\"application/json\" id=\"{DATA_ELEMENT_ID}\">{data}"
                f"</script>\n<h1>{html.escape(self.title)}</h1>\n{body}\n</body></html>\n")

    def write(self, path: str | os.PathLike) -> None:
        """Write the page to ``path`` atomically (UTF-8)."""
        with atomic_write(path, "w", encoding="utf-8") as f:
            f.write(self.render())


_DATA_PATTERN = re.compile(
    r'<script type="application/json" id="' + DATA_ELEMENT_ID + r'">(.*?)</script>', re.S)


def read_report_data(page: str) -> dict:
    """The JSON numbers embedded in a rendered report (``page`` is its text)."""
    match = _DATA_PATTERN.search(page)
    if match is None:
        raise ValueError("no lab data element in this page")
    return json.loads(match.group(1).replace("<\\/", "</"))
