"""Executed notebook → one self-contained HTML file that opens offline.

No code cells, images embedded as data URIs, no script or stylesheet from a CDN, a
table of contents from the report's headings, and a subset of Noto Sans CJK SC
embedded when the page holds Chinese text, so it renders on machines without CJK fonts.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING

from salesnb.config import TEMPLATES_DIR
from salesnb.labels import Language, fmt_int, t
from salesnb.render.fonts import CJK_FONT_FAMILY, cjk_font_path

if TYPE_CHECKING:  # nbformat and nbconvert take ~2 s to import; the index page needs neither
    import nbformat

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
    import nbformat

    clean = nbformat.from_dict(nb)
    for cell in clean.cells:
        if "outputs" in cell:
            cell.outputs = [
                o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return clean


def notebook_to_html(nb: nbformat.NotebookNode, *, title: str, lang: Language, print_header: str = "") -> str:
    """Render an executed notebook as a report page (inputs, prompts and stderr hidden).

    The contents box goes right after the report's header (title first, then contents);
    ``print_header`` runs along the top of every printed page (default: ``title``).
    """
    from nbconvert import HTMLExporter

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
    toc_title = t("toc.title", lang)
    resources = {
        "metadata": {"name": title},
        "snb_css": _css(),
        "snb_print_css": print_css(print_header or title, lang),
        "snb_script": table_script(lang),
        "snb_font_face": font_face_for(visible_text + title + print_header + toc_title + _script_labels(lang)),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return with_contents(body, toc_items(nb), toc_title)


def contents_nav(items: list[TocItem], title: str) -> str:
    """The contents box: a linked list of the report's headings."""
    if not items:
        return ""
    esc = html.escape
    links = "".join(
        f'<li class="snb-toc-{item.level}"><a href="#{esc(item.anchor)}">{esc(item.text)}</a></li>' for item in items
    )
    return f'<nav class="snb-toc" aria-label="{esc(title)}"><strong>{esc(title)}</strong><ol>{links}</ol></nav>'


def with_contents(page: str, items: list[TocItem], title: str) -> str:
    """``page`` with the contents box after the report header (or at the top of ``main`` without one)."""
    nav = contents_nav(items, title)
    if not nav:
        return page
    end = page.find("</header>")
    if end >= 0:
        # The header is the first cell's output, inside its output area: close nothing, just follow it.
        end += len("</header>")
        return page[:end] + nav + page[end:]
    start = page.find("<main>")
    return page[: start + len("<main>")] + nav + page[start + len("<main>") :] if start >= 0 else page


def css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string: anything but letters, digits and a few signs is hex-escaped,
    so client names cannot end the string or the style element.

    >>> css_string('Acme "Q4" </style>')
    '"Acme \\22 Q4\\22  \\3c \\2f style\\3e "'
    """
    safe = set("-_.,·() ")
    return '"' + "".join(c if (c.isalnum() and c.isprintable()) or c in safe else f"\\{ord(c):x} " for c in text) + '"'


def print_css(header: str, lang: Language) -> str:
    """Print rules with a running header (client, report, period) and page numbers on every page."""
    page = css_string(t("print.page", lang))
    return (
        "@page { size: A4; margin: 16mm 12mm 14mm 12mm; "
        f"@top-left {{ content: {css_string(header)}; font-size: 8pt; color: #55697a; }} "
        f'@bottom-right {{ content: {page} " " counter(page) " / " counter(pages); '
        "font-size: 8pt; color: #55697a; } }"
    )


def _script_labels(lang: Language) -> str:
    return t("table.filter", lang) + t("table.sort_hint", lang)


@cache
def _script_source() -> str:
    return (TEMPLATES_DIR / "salesnb" / "tables.js").read_text(encoding="utf-8")


def table_script(lang: Language) -> str:
    """The inline script that makes long tables sortable and filterable, with its labels in ``lang``."""
    labels = json.dumps({"filter": t("table.filter", lang), "sortHint": t("table.sort_hint", lang)})
    # JSON inside a script element: "<" must not start "</script>".
    return _script_source().replace("__LABELS__", labels.replace("<", "\\u003c"))


@dataclass(frozen=True)
class IndexReport:
    """One report as the executive index shows it: status, first findings and (diagnosis) KPI tiles."""

    key: str
    title: str
    href: str
    state: str  # ok | stale | failed
    error: str = ""
    findings: list[str] = field(default_factory=list)
    anchor: str = ""
    tiles: list[dict] = field(default_factory=list)
    pdf: str = ""


_ARROWS = {"up": "▲", "down": "▼", "flat": "▬", "none": ""}


def _tiles_html(tiles: list[dict], lang: Language, *, stale: bool) -> str:
    esc = html.escape
    if not tiles:
        return ""
    cards = []
    for tile in tiles:
        trend = tile.get("trend", "none")
        versus = t("index.vs", lang, period=tile.get("previous_period", ""))
        change = (
            f"{_ARROWS.get(trend, '')} {tile.get('change', '')} {versus}"
            if trend != "none"
            else t("index.no_change", lang)
        )
        label = t(f"kpi.{tile.get('kpi', '')}", lang)
        cards.append(
            f'<div class="snb-tile"><div class="snb-tile-label">{esc(label)}</div>'
            f'<div class="snb-tile-value">{esc(str(tile.get("value", "")))}</div>'
            f'<div class="snb-tile-change snb-trend-{esc(trend)}">{esc(change.strip())}</div></div>'
        )
    first = tiles[0]
    note = t("index.kpis_note", lang, previous=first.get("previous_period", ""))
    warn = f'<p class="snb-skipped">{esc(t("index.kpis_stale", lang))}</p>' if stale else ""
    return (
        f'<section class="snb-kpis"><h2 id="kpis">{esc(t("index.kpis", lang, period=first.get("period", "")))}</h2>'
        f'<p class="snb-note">{esc(note)}</p>{warn}<div class="snb-tiles">{"".join(cards)}</div></section>'
    )


def _report_card(report: IndexReport, lang: Language) -> str:
    esc = html.escape
    state_label = t(f"index.{report.state}", lang)
    target = f"{report.href}#{report.anchor}" if report.anchor and report.state != "failed" else report.href
    items = "".join(f'<li><a href="{esc(target)}">{esc(text)}</a></li>' for text in report.findings)
    findings = (
        f'<ol class="snb-findings">{items}</ol>'
        if items
        else f'<p class="snb-note">{esc(t("index.no_findings", lang))}</p>'
        if report.state != "failed"
        else ""
    )
    error = f'<p class="snb-error">{esc(report.error)}</p>' if report.error else ""
    links = [f'<a href="{esc(report.href)}">{esc(t("index.open", lang))}</a>']
    if report.pdf:
        links.append(f'<a href="{esc(report.pdf)}">{esc(t("index.pdf", lang))}</a>')
    return (
        f'<article class="snb-card snb-state-{esc(report.state)}">'
        f'<h3><a href="{esc(report.href)}">{esc(report.title)}</a> '
        f'<span class="snb-badge">{esc(state_label)}</span></h3>'
        f'{error}{findings}<p class="snb-card-links">{" · ".join(links)}</p></article>'
    )


def index_page(*, params, reports: list[IndexReport], window: dict, generated: datetime) -> str:
    """The executive index: who and when, data window and freshness, KPI tiles, each report's first findings.

    Every piece of text (client, period, findings, errors) comes from the params or the data, so all of
    it is escaped here; the page has no script and loads nothing.
    """
    esc = html.escape
    lang = params.language
    period = params.period
    title = t("index.title", lang, client=params.client, period=period.label)
    meta = [
        (t("header.client", lang), params.client),
        (t("header.period", lang), f"{period.label} ({period.start} – {period.end})"),
    ]
    if window.get("first") and window.get("last"):
        meta.append(
            (
                t("index.window", lang),
                t(
                    "index.window_value",
                    lang,
                    first=window["first"],
                    last=window["last"],
                    used=fmt_int(window.get("used", 0)),
                    read=fmt_int(window.get("read", 0)),
                ),
            )
        )
        days = (generated.date() - date.fromisoformat(window["last"])).days
        meta.append(
            (
                t("index.freshness", lang),
                t(
                    "index.freshness_value",
                    lang,
                    last=window["last"],
                    days=fmt_int(days),
                    loaded=window.get("loaded_at", ""),
                ),
            )
        )
    meta.append((t("header.generated", lang), f"{generated:%Y-%m-%d %H:%M}"))
    rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in meta)
    diagnosis = next((r for r in reports if r.key == "diagnosis"), None)
    tiles = _tiles_html(diagnosis.tiles, lang, stale=diagnosis.state == "stale") if diagnosis else ""
    cards = "".join(_report_card(r, lang) for r in reports)
    body = (
        f'<body class="snb-report snb-index-page"><main><header class="snb-header"><h1>{esc(title)}</h1>'
        f'<table class="snb-meta">{rows}</table></header>{tiles}'
        f'<section class="snb-cards"><h2 id="reports">{esc(t("index.reports", lang))}</h2>{cards}</section>'
        "</main></body></html>"
    )
    return (
        f'<!DOCTYPE html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{esc(title)}</title>'
        f"<style>{font_face_for(title + body)}\n{_css()}\n{print_css(title, lang)}</style></head>{body}"
    )
