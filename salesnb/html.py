"""Executed notebook → one self-contained HTML file that opens offline.

No code cells, images embedded as data URIs, no script or stylesheet from a CDN, a
table of contents from the report's headings, and a subset of Noto Sans CJK SC
embedded when the page holds Chinese text, so it renders on machines without CJK fonts.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from functools import cache

import nbformat
from nbconvert import HTMLExporter

from salesnb.config import TEMPLATES_DIR
from salesnb.labels import Language, t
from salesnb.plots import CJK_FONT_FAMILY, cjk_font_path

_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


@dataclass(frozen=True)
class TocItem:
    level: int
    anchor: str
    text: str


def toc_items(nb: nbformat.NotebookNode) -> list[TocItem]:
    """Headings (h2, h3) with ids that the report helpers wrote into the outputs."""
    items = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            markup = output.get("data", {}).get("text/html", "")
            markup = "".join(markup) if isinstance(markup, list) else markup
            for level, anchor, text in _HEADING.findall(markup):
                items.append(TocItem(int(level), anchor, html.unescape(re.sub(r"<[^>]+>", "", text))))
    return items


@cache
def _css() -> str:
    return (TEMPLATES_DIR / "salesnb" / "report.css").read_text(encoding="utf-8")


def font_face_for(text: str) -> str:
    """An @font-face rule embedding just the CJK glyphs ``text`` uses (empty if none)."""
    chars = set(_CJK.findall(text))
    if not chars:
        return ""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"  # zlib-compressed; woff2 would need brotli
    options.layout_features = ["*"]
    font = subset.load_font(str(cjk_font_path()), options)
    subsetter = subset.Subsetter(options)
    ascii_range = {chr(c) for c in range(32, 127)}
    subsetter.populate(text="".join(sorted(chars | ascii_range | set("，。：；、（）“”‘’–—·%"))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        '@font-face { font-family: "SalesnbCJK"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff;base64,{data}) format("woff"); }}'
        f"/* subset of {CJK_FONT_FAMILY}, SIL Open Font License 1.1 */"
    )


def without_stderr(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without stderr streams: warnings are for the analyst (kept in the executed notebook), not the page."""
    clean = nbformat.from_dict(nb)
    for cell in clean.cells:
        if "outputs" in cell:
            cell.outputs = [
                o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return clean


def notebook_to_html(nb: nbformat.NotebookNode, *, title: str, lang: Language) -> str:
    """Render an executed notebook as a report page (inputs, prompts and stderr hidden)."""
    nb = without_stderr(nb)
    exporter = HTMLExporter(
        template_name="salesnb",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=lang,
    )
    visible_text = "".join(
        "".join(o.get("data", {}).get("text/html", "")) + "".join(o.get("text", ""))
        for cell in nb.cells
        for o in cell.get("outputs", [])
    )
    resources = {
        "metadata": {"name": title},
        "snb_css": _css(),
        "snb_toc": toc_items(nb),
        "snb_toc_title": t("toc.title", lang),
        "snb_font_face": font_face_for(visible_text + title + t("toc.title", lang)),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def index_page(
    *,
    title: str,
    lang: Language,
    rows: list[tuple[str, str, str, str]],
    header: list[tuple[str, str]],
) -> str:
    """A small page linking the reports.

    ``rows`` are (report title, href, status label, error message or ""), ``header`` are
    (label, value) pairs shown above them. All of it is plain text: client names, period labels
    and error messages come from the params and the data, so every piece is escaped here.
    """
    esc = html.escape
    meta = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in header)
    items = "".join(
        f'<tr><td><a href="{esc(href)}">{esc(name)}</a></td><td>{esc(status)}'
        + (f'<br><small class="snb-error">{esc(error)}</small>' if error else "")
        + "</td></tr>"
        for name, href, status, error in rows
    )
    body = (
        f'<body class="snb-report"><main><h1>{esc(title)}</h1><table class="snb-meta">{meta}</table>'
        f'<table class="snb-table snb-index"><tr><th>{esc(t("index.report", lang))}</th>'
        f"<th>{esc(t('index.status', lang))}</th></tr>{items}</table></main></body></html>"
    )
    return (
        f'<!DOCTYPE html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{esc(title)}</title>'
        f"<style>{font_face_for(title + body)}\n{_css()}</style></head>{body}"
    )
