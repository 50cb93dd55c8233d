"""Display helpers for the report notebooks: header, headings, findings, tables, exports.

A notebook opens its report with :func:`open_report` and then only calls methods of
the returned :class:`Report`; every visible string comes from the label table.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml
from IPython.display import HTML, display

from salesnb import schema
from salesnb.config import OUTPUT_ENV, REPORTS, SNAPSHOT_ENV
from salesnb.data import CrmData, check_snapshot_id, load_data, load_snapshot
from salesnb.labels import Language, fmt_int, fmt_pct, reason_label, t
from salesnb.params import Params, load_params
from salesnb.render.plots import use_house_style
from salesnb.safety import neutralise_cell, neutralise_formulas

EXCEL_MAX_ROWS = 1_048_575  # one sheet's limit, less the header
# What the executive index shows of a report (first findings, KPI tiles), written beside its HTML.
SUMMARY_SUFFIX = ".summary.json"


@dataclass
class Report:
    """One report being rendered: params, data, language and display helpers."""

    name: str
    params: Params
    data: CrmData
    output_dir: Path | None = None
    _anchors: set[str] = field(default_factory=set)
    _summary: dict = field(default_factory=dict)
    _section: str = ""

    @property
    def lang(self) -> Language:
        return self.params.language

    def t(self, key: str, **fields: object) -> str:
        return t(key, self.lang, **fields)

    # Blocks -----------------------------------------------------------------
    def title(self) -> None:
        """The report title and header: client, period, generated at, data snapshot, parameters."""
        p, report = self.params, self.data.report
        files, seen = [], set()
        for account in report.accounts.values():
            for info in account.sources:
                if info.path in seen:  # a file used as a table and as a lookup is listed once
                    continue
                seen.add(info.path)
                name = Path(info.path).name if "#" not in info.path else info.path
                files.append(self.t("header.file", name=name, rows=fmt_int(info.rows), sha=(info.sha256 or "–")[:12]))
        period = f"{p.period.label} ({p.period.start:%Y-%m-%d} – {p.period.end:%Y-%m-%d})"
        loaded = self.t("header.loaded", when=f"{report.loaded_at:%Y-%m-%d %H:%M}", source=report.source)
        params_text = yaml.safe_dump(
            p.model_dump(mode="json", exclude={"source_path"}), allow_unicode=True, sort_keys=False
        )
        rows = [
            (self.t("header.client"), html.escape(p.client)),
            (self.t("header.period"), html.escape(period)),
            (self.t("header.generated"), f"{datetime.now():%Y-%m-%d %H:%M}"),
            (self.t("header.snapshot"), html.escape(loaded) + "<br>" + "<br>".join(html.escape(f) for f in files)),
        ]
        cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        source = html.escape(str(p.source_path.name if p.source_path else ""))
        display(
            HTML(
                f'<header class="snb-header"><h1 id="top">{html.escape(self.t(f"{self.name}.title"))}</h1>'
                f'<table class="snb-meta">{cells}</table>'
                f"<details><summary>{self.t('header.parameters')} ({source})</summary>"
                f"<pre>{html.escape(params_text)}</pre></details></header>"
            )
        )

    def heading(self, key: str, level: int = 2, **fields: object) -> str:
        """Show a section heading; returns its anchor (the id the contents and the index link to)."""
        text = self.t(key, **fields)
        anchor = self._anchor(key)
        self._section = text
        display(HTML(f'<h{level} id="{anchor}">{html.escape(text)}</h{level}>'))
        return anchor

    def findings(self, items: list[str]) -> None:
        anchor = self.heading("findings")
        sentences = [_sentence(item, self.lang) for item in items]
        lis = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
        display(HTML(f'<ol class="snb-findings">{lis}</ol>'))
        self._remember(findings=sentences, findings_anchor=anchor)

    def tiles(self, tiles: list[dict]) -> None:
        """Keep the KPI tiles the executive index shows (see :func:`salesnb.analysis.diagnosis_text.kpi_tiles`)."""
        self._remember(tiles=tiles)

    def _remember(self, **items: object) -> None:
        # Part of the report's set (named with its number), so a failed run keeps the last good summary.
        self._summary.update(items)
        if self.output_dir is None:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{REPORTS[self.name]}{SUMMARY_SUFFIX}"
        path.write_text(json.dumps(self._summary, ensure_ascii=False, default=str), encoding="utf-8")

    def note(self, key: str, **fields: object) -> None:
        display(HTML(f'<p class="snb-note">{html.escape(self.t(key, **fields))}</p>'))

    def notes(self, items: Iterable[tuple[str, Mapping[str, object]]]) -> None:
        """One note per (label key, fields), in order: the notes a report's text module assembles."""
        for key, fields in items:
            self.note(key, **fields)

    def skipped(self, key: str, **fields: object) -> None:
        """One line saying why a section is not shown."""
        why = self.t(key, **fields)
        display(HTML(f'<p class="snb-skipped">{html.escape(self.t("section_skipped", why=why))}</p>'))

    def skip(self, reason: tuple[str, Mapping[str, object]] | None) -> bool:
        """Say why a section is left out when ``reason`` (label key, fields) is given; whether it is.

        A text module's ``skip_reason`` decides: ``if not report.skip(reason):`` then shows the section.
        """
        if reason is None:
            return False
        key, fields = reason
        self.skipped(key, **fields)
        return True

    def table(
        self,
        frame: pd.DataFrame | None,
        *,
        percent: tuple[str, ...] = (),
        empty: str | None = None,
        money: tuple[str, ...] = (),
    ) -> None:
        """Show a frame with translated headers and values and readable numbers.

        ``empty`` names the label shown instead when the frame has no rows; ``money`` names numeric
        columns in the report currency beyond the usual ones (the currency goes into their header).
        """
        if frame is None or frame.empty:
            if empty:
                self.note(empty)
            return
        display(HTML(format_table(frame, self.lang, percent=percent, currency=self.params.currency, money=money)))

    def examples(self, examples: dict[tuple[str, str], pd.DataFrame]) -> None:
        """Example rows as read, one small table per (table, reason)."""
        for (table, reason), frame in examples.items():
            if frame.empty:
                continue
            self.heading(
                "audit.examples", level=3, table=t(f"table.{table}", self.lang), reason=reason_label(reason, self.lang)
            )
            display(HTML(format_table(frame, self.lang, translate=False)))

    def show(self, ax, *, alt: str | None = None) -> None:
        """Show a chart where it is called (inline figures would otherwise come after the cell's tables).

        The chart is an embedded PNG with alt text in the report's language: ``alt``, or what the
        chart shows as its own titles and axis labels say, under the section it belongs to.
        """
        import matplotlib.pyplot as plt

        figure = ax.figure
        text = alt or chart_description(figure, self._section, self.lang)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight", dpi=figure.dpi)
        plt.close(figure)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        display(HTML(f'<img class="snb-chart" src="data:image/png;base64,{data}" alt="{html.escape(text)}">'))

    def export(self, frame: pd.DataFrame, stem: str) -> None:
        """Write a table as CSV (UTF-8 with BOM, so Excel opens Chinese text) and XLSX beside the HTML,
        and show links to both. Outside the runner (no output folder) nothing is written.

        Text that a spreadsheet would run as a formula is neutralised (see :func:`write_csv`)."""
        if self.output_dir is None:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        csv_path = self.output_dir / f"{stem}.csv"
        xlsx_path = self.output_dir / f"{stem}.xlsx"
        if frame.empty:  # nothing to hand over; drop files a previous run left
            csv_path.unlink(missing_ok=True)
            xlsx_path.unlink(missing_ok=True)
            return
        write_csv(frame, csv_path)
        write_xlsx({stem: frame}, xlsx_path)
        links = " · ".join(f'<a href="{html.escape(p.name)}">{html.escape(p.name)}</a>' for p in (csv_path, xlsx_path))
        text = html.escape(self.t("export.files", rows=fmt_int(len(frame))))
        display(HTML(f'<p class="snb-export">{text} {links}</p>'))

    def export_workbook(self, tables: dict[str, pd.DataFrame], stem: str) -> None:
        """All tables of a report in one XLSX workbook (a sheet each) beside the HTML, with a link."""
        if self.output_dir is None:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{stem}.xlsx"
        write_xlsx(tables, path)
        text = html.escape(self.t("export.workbook", sheets=len(tables)))
        link = html.escape(path.name)
        display(HTML(f'<p class="snb-export">{text} <a href="{link}">{link}</a></p>'))

    def skip_missing(self, missing: dict[str, str], *, prefix: str, sections: tuple[str, ...]) -> None:
        """One line per section left out because its table is missing."""
        for section in sections:
            if section in missing:
                self.skipped(f"{prefix}{section}")

    def _anchor(self, key: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
        anchor, n = base, 1
        while anchor in self._anchors:
            n += 1
            anchor = f"{base}-{n}"
        self._anchors.add(anchor)
        return anchor


def chart_description(figure, section: str, lang: Language) -> str:
    """Alt text for a chart from what it prints: the section, each panel's title and axis labels.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set(title="Revenue per month", xlabel="Month", ylabel="Revenue (USD)")
    >>> chart_description(fig, "Trend", "en")
    'Chart: Trend. Revenue per month (x: Month; y: Revenue (USD))'
    >>> plt.close(fig)
    """
    panels = []
    for ax in figure.axes:
        if not ax.get_visible() or not (ax.has_data() or ax.get_title()):
            continue
        axes = "; ".join(
            f"{name}: {label}" for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if label
        )
        title = ax.get_title() or ax.get_title(loc="left")
        panels.append(" ".join(part for part in (title, f"({axes})" if axes else "") if part))
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    described = "; ".join(p for p in (suptitle, *panels) if p)
    head = t("chart.alt", lang, section=section) if section else t("chart.alt_plain", lang)
    return f"{head}. {described}" if described else head


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as CSV in UTF-8 with BOM (so Excel opens Chinese text), formula-safe.

    Clients open exports in Excel, and their data can hold text such as ``=HYPERLINK(…)``: every text
    cell starting with = + - @ tab or CR gets a leading ``'`` (the OWASP CSV-injection rule); numbers
    stay numbers, negative ones included. Rows end in CRLF, Excel's own line end, which also makes
    the writer quote any field holding a lone CR: unquoted, Excel would start a new row there.
    """
    neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Each frame as a sheet of one XLSX workbook, formula-safe like :func:`write_csv`.

    Every text cell is stored as a string (never a formula), numbers as numbers; a sheet holds at
    most Excel's row limit.
    """
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet, frame in tables.items():
            neutralise_formulas(frame.head(EXCEL_MAX_ROWS)).to_excel(writer, sheet_name=sheet[:31], index=False)
        for worksheet in writer.book.worksheets:
            _no_formulas(worksheet)


def _no_formulas(worksheet) -> None:
    # openpyxl stores any text starting with "=" as a formula; neutralised text cannot start with
    # one, but a cell pandas wrote some other way must not slip through either.
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.value = neutralise_cell(str(cell.value))
                cell.data_type = "s"


def _sentence(text: str, lang: Language) -> str:
    return text[:1].upper() + text[1:] if lang == "en" else text


# Columns whose values are codes with a label: column -> label-key prefix ("status" -> "status.won").
_VALUE_PREFIX = {
    "table": "table",
    "status": "status",
    "move": "move",
    "column": "column",
    "why": "absent",
    "kpi": "kpi",
    "strongest": "kpi",
    "weakest": "kpi",
    "metric": "cust",
    "archetype": "arch",
    "flag": "flag",
    "action": "action",
    "method": "tgt.method",
    "scope": "scope",
    "specific": "smart",
    "measurable": "smart",
    "achievable": "smart",
    "achievable_reason": "smart",
    "relevant": "smart",
    "time_bound": "smart",
    "basis": "tgt.basis",
    "direction": "direction",
    "group_name": "group",
    "method_name": "method",
    "verdict": "verdict",
    "test_name": "test",
}
# Columns holding yes/no values.
_YES_NO = ("in_reps_table", "behind")


def _value_label(column: str):
    if column == "reason":
        return reason_label
    if column in _YES_NO:
        return lambda v, lang: t("yes" if v else "no", lang)
    prefix = _VALUE_PREFIX[column]
    return lambda v, lang: t(f"{prefix}.{v}", lang) if v != "" else ""


_VALUE_LABELS = {column: _value_label(column) for column in (*_VALUE_PREFIX, *_YES_NO, "reason")}


# Numeric columns that always hold money in the report currency: their header names the currency.
MONEY_COLUMNS = frozenset(
    {
        "amount",
        "revenue",
        "avg_deal_size",
        "pipeline_created",
        "trailing_revenue",
        "expected_payout",
        "drop_amount",
        "deal_size",
        "gain_per_period",
        "size",
        "lost_amount",
        "open_amount",
    }
)


def format_table(
    frame: pd.DataFrame,
    lang: Language,
    *,
    percent: tuple[str, ...] = (),
    translate: bool = True,
    currency: str | None = None,
    money: tuple[str, ...] = (),
) -> str:
    """HTML for a frame: headers from the label table, coded values in words, numbers right-aligned
    with thousands separators and a raw value to sort by; money columns (:data:`MONEY_COLUMNS` and
    ``money``) carry ``currency`` in their header.

    >>> html = format_table(pd.DataFrame({"revenue": [1200.5]}), "en", currency="USD")
    >>> "Revenue (USD)</th>" in html and 'data-v="1200.5">1,200.5<' in html
    True
    """
    columns, numeric, raw = [], [], []
    for column in frame.columns:
        values = frame[column]
        is_number = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if translate and column in _VALUE_LABELS:
            shown = values.map(lambda v, f=_VALUE_LABELS[column]: "–" if pd.isna(v) else f(v, lang))
        elif column in percent:
            shown = values.map(lambda v: fmt_pct(v, lang))
        elif pd.api.types.is_integer_dtype(values):
            shown = values.map(lambda v: fmt_int(v, lang) if pd.notna(v) else "–")
        elif is_number:
            shown = values.map(lambda v: f"{v:,.2f}".rstrip("0").rstrip(".") if pd.notna(v) else "–")
        elif pd.api.types.is_datetime64_any_dtype(values):
            shown = values.dt.strftime("%Y-%m-%d").fillna("–")
        else:
            shown = values.astype("string").fillna("–")
            if translate:  # the bucket of deals without an owner, in the report's language
                shown = shown.replace(schema.UNASSIGNED, t("unassigned", lang))
        columns.append(shown.tolist())
        is_numeric_column = is_number and not (translate and column in _VALUE_LABELS)
        numeric.append(is_numeric_column)
        # The raw value for sorting in the browser ("1.2 M", "45%" and "–" do not sort as text).
        raw.append([_sort_value(v) for v in values] if is_numeric_column else None)
    money_columns = MONEY_COLUMNS | set(money) if currency and translate else set()

    def header(column: object, num: bool) -> str:
        label = _column_label(str(column), lang)
        return f"{label} ({currency})" if num and column in money_columns else label

    head = "".join(
        f'<th class="{"num" if num else "txt"}">{html.escape(header(c, num))}</th>'
        for c, num in zip(frame.columns, numeric, strict=True)
    )
    sort_keys = [keys or [None] * len(frame) for keys in raw]
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num" data-v="{key}">{html.escape(str(cell))}</td>'
            if num
            else f'<td class="txt">{html.escape(str(cell))}</td>'
            for cell, num, key in zip(row, numeric, keys, strict=True)
        )
        + "</tr>"
        for row, keys in zip(zip(*columns, strict=True), zip(*sort_keys, strict=True), strict=True)
    )
    return f'<div class="snb-scroll"><table class="snb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _sort_value(value: object) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return repr(number) if number == number and abs(number) != float("inf") else ""


def _column_label(column: str, lang: Language) -> str:
    for key in (f"col.{column}", f"column.{column}"):
        try:
            return _sentence(t(key, lang), lang)
        except KeyError:
            continue
    return column


def single_blas_thread() -> None:
    """Run BLAS (numpy's and scipy's OpenBLAS) on one thread in this report kernel.

    The reports' linear algebra is small (fixed-effect projections on rep × month cells, monthly
    forecasts): BLAS threads gain nothing there, and with two kernels sharing the runner's cores they
    spin against each other — at 1 M deals the case study used 2× the CPU (31 s instead of 15 s) and
    the targets 1.6×. Libraries already loaded are limited now, ones loaded later by the variable.
    """
    from threadpoolctl import threadpool_limits

    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    threadpool_limits(1, user_api="blas")


def open_report(name: str, params_path: str | Path, snapshot_dir: str | Path | None = None) -> Report:
    """Load params and data for a report notebook and apply the house style.

    With no snapshot (plain papermill or JupyterLab) the data is read from the
    sources named in the params file. Anonymised data comes with its params, names
    replaced as in the data (salesnb.data.anonymise): the report prints and uses those.
    """
    single_blas_thread()
    params = load_params(params_path)
    snapshot = snapshot_dir or os.environ.get(SNAPSHOT_ENV) or None
    if snapshot:
        check_snapshot_id(snapshot)
    data = load_snapshot(params, Path(snapshot)) if snapshot else load_data(params)
    anonymised = getattr(data.report, "anonymised", None)
    if anonymised is not None:
        from salesnb.data.anonymise import anonymised_params

        params = data.params = anonymised_params(params, anonymised)
    output = os.environ.get(OUTPUT_ENV)
    use_house_style()
    return Report(name=name, params=params, data=data, output_dir=Path(output) if output else None)
