"""Every client- or params-derived string is escaped in every HTML page the product writes.

One real render (audit and diagnosis on a 200-deal demo, plus a funnel notebook that fails with a
hostile message) carries a payload in each string field we can reach: client, period label, rep
name, team, stage, account and the error message shown in the index. Every .html file of the output
folder is then scanned for the raw payloads. The same render checks that a formula planted in the
client's data reaches 00_excluded_rows.csv/.xlsx neutralised (see test_exports.py for the writers).
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from salesnb.config import NOTEBOOKS_DIR, REPO_ROOT
from salesnb.params import Params, Period
from salesnb.render.html import notebook_to_html
from salesnb.run.runner import run, write_index

# Module fixtures here are expensive (loads or renders): keep this file on one xdist worker, run together,
# so each fixture is set up once.
pytestmark = pytest.mark.xdist_group("escaping-run")

# Each field gets its own alert number, so a test can tell which field reached which page.
CLIENT = "Q4<img src=x onerror=alert(1)> & 'c'"
PERIOD = "P<img src=x onerror=alert(2)> & 'p'"
REP = 'Rep"><script>alert(3)</script>'
TEAM = "Team<img src=x onerror=alert(4)> & 't'"
STAGE = 'Stage"><script>alert(5)</script>'
ACCOUNT = "Acct<img src=x onerror=alert(6)>"
ERROR = "Err<img src=x onerror=alert(7)> & 'e'"
HYPERLINK, CMD = '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0"

# Raw payload text, also as an HTML serializer may rewrite it (<img src="x" onerror="alert(1)">).
RAW = re.compile(r"<img[^>]*onerror|<script[^>]*>\s*alert|onerror=\"?alert\(\d\)\"?>| & '")


def escaped_core(n: int, payload: str) -> str:
    """The part of a payload that must show up escaped (quotes may be written either way)."""
    tag = f"<script>alert({n})</script>" if "<script>" in payload else f"<img src=x onerror=alert({n})>"
    return html.escape(tag, quote=False)


def assert_no_raw_payload(folder: Path) -> list[Path]:
    pages = sorted(folder.rglob("*.html"))
    assert pages, f"no HTML written in {folder}"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        raw = sorted({m.group(0) for m in RAW.finditer(text)})
        assert not raw, f"{page.name} holds raw payload text {raw}"
    return pages


def plant_payloads(data: Path) -> None:
    """Write the payloads into the demo's CSV files, consistently across tables."""

    def rewrite(name: str, change) -> None:
        frame = pd.read_csv(data / name, dtype=str, keep_default_na=False)
        change(frame)
        frame.to_csv(data / name, index=False)

    reps = pd.read_csv(data / "reps.csv", dtype=str, keep_default_na=False)
    team = reps.loc[0, "team"]

    def reps_change(f):
        f.loc[0, "name"] = REP
        f["team"] = f["team"].replace(team, TEAM)

    def deals_change(f):
        f["stage"] = f["stage"].replace("Proposal", STAGE)
        f.loc[f.index[:3], "account_id"] = ACCOUNT
        bad = f.iloc[0].copy()  # excluded (its amount does not parse), so it is shown and exported as read
        bad["deal_id"], bad["amount"], bad["account_id"] = HYPERLINK, CMD, ACCOUNT
        f.loc[len(f)] = bad

    rewrite("reps.csv", reps_change)
    rewrite("targets.csv", lambda f: f.__setitem__("team", f["team"].replace(team, TEAM)))
    rewrite("deals.csv", deals_change)
    rewrite("stage_history.csv", lambda f: f.__setitem__("stage", f["stage"].replace("Proposal", STAGE)))


@pytest.fixture(scope="module")
def payload_run(tmp_path_factory):
    from salesnb.demo import write_demo

    tmp = tmp_path_factory.mktemp("payloads")
    data = write_demo(tmp / "data", n_deals=200, seed=7)
    plant_payloads(data)
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["client"] = CLIENT
    params["period"] = {"label": PERIOD, "start": "2025-10-01", "end": "2025-12-31"}
    params["stages"]["order"] = [STAGE if s == "Proposal" else s for s in params["stages"]["order"]]
    params["data"]["base_dir"] = str(data)
    params_path = tmp / "params.yaml"
    params_path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    notebooks = tmp / "notebooks"
    notebooks.mkdir()
    for stem in ("00_data_audit", "01_diagnosis"):
        shutil.copy(NOTEBOOKS_DIR / f"{stem}.ipynb", notebooks)
    funnel = nbformat.read(NOTEBOOKS_DIR / "03_funnel.ipynb", as_version=4)
    funnel.cells = [funnel.cells[0], nbformat.v4.new_code_cell(f"raise RuntimeError({ERROR!r})")]
    nbformat.write(funnel, notebooks / "03_funnel.ipynb")
    return run(
        params_path,
        only=["audit", "diagnosis", "funnel"],
        output_root=tmp / "outputs",
        notebooks_dir=notebooks,
        progress=lambda _: None,
    )


def test_every_page_of_a_run_escapes_every_payload(payload_run):
    out = payload_run.output_dir
    assert [r.ok for r in payload_run.results] == [True, True, False]
    pages = {p.name: p.read_text(encoding="utf-8") for p in assert_no_raw_payload(out)}
    assert set(pages) >= {"index.html", "00_data_audit.html", "01_diagnosis.html"}
    reached = {
        "client": (1, CLIENT, ["index.html", "00_data_audit.html", "01_diagnosis.html"]),
        "period": (2, PERIOD, ["index.html", "00_data_audit.html", "01_diagnosis.html"]),
        "rep name": (3, REP, ["01_diagnosis.html"]),
        "team": (4, TEAM, ["00_data_audit.html", "01_diagnosis.html"]),
        "stage": (5, STAGE, ["00_data_audit.html"]),
        "account": (6, ACCOUNT, ["00_data_audit.html"]),
        "error message": (7, ERROR, ["index.html"]),
    }
    for field, (n, payload, names) in reached.items():
        for name in names:
            assert escaped_core(n, payload) in pages[name], f"the {field} payload did not reach {name} (escaped)"
    # The whole label, ampersand and quotes included, as the index shows it.
    assert html.escape(PERIOD) in pages["index.html"] and html.escape(CLIENT) in pages["index.html"]


def test_planted_formulas_reach_the_excluded_rows_export_neutralised(payload_run):
    out = payload_run.output_dir
    rows = list(csv.DictReader(io.StringIO((out / "00_excluded_rows.csv").read_bytes().decode("utf-8-sig"))))
    planted = [r for r in rows if r["account_id"] == ACCOUNT and r["deal_id"].endswith(HYPERLINK)]
    assert len(planted) == 1
    assert (planted[0]["deal_id"], planted[0]["amount"]) == ("'" + HYPERLINK, "'" + CMD)
    negative = [r["amount"] for r in rows if r["Reason"] == "negative amount"]
    assert negative and all(re.fullmatch(r"-\d+(\.\d+)?", a) for a in negative), negative  # not "'-40410.00"
    for path in out.glob("*.csv"):
        text = path.read_bytes().decode("utf-8-sig")
        cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
        risky = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or re.match(r"-[^\d.]", c)]
        assert risky == [], f"{path.name}: {risky[:5]}"
    books = sorted(out.glob("*.xlsx"))
    assert {p.name for p in books} >= {"00_excluded_rows.xlsx", "01_rep_scorecard.xlsx", "01_diagnosis_tables.xlsx"}
    for path in books:
        book = load_workbook(path)
        formulas = [
            f"{s.title}!{c.coordinate}" for s in book for row in s.iter_rows() for c in row if c.data_type == "f"
        ]
        assert formulas == [], f"{path.name} holds formulas at {formulas[:5]}"
    sheet = load_workbook(out / "00_excluded_rows.xlsx").active
    values = {c.value: c.data_type for row in sheet.iter_rows() for c in row}
    assert values["'" + HYPERLINK] == values["'" + CMD] == "s"


def test_index_escapes_client_period_and_errors(tmp_path):
    # No folder rule applies here: write_index must escape whatever it is given.
    hostile = '"><script>alert(8)</script>'
    params = Params.model_construct(
        client=hostile, period=Period(label=PERIOD, start=date(2025, 10, 1), end=date(2025, 12, 31)), language="en"
    )
    (tmp_path / "00_data_audit.html").write_text("<p>old</p>", encoding="utf-8")
    (tmp_path / ".00_data_audit.status.json").write_text(
        '{"ok": false, "error": "KeyError: \'<img src=x onerror=alert(9)>\'"}'
    )
    (tmp_path / ".01_diagnosis.status.json").write_text(
        f'{{"ok": false, "error": {html.escape(ERROR)!r}}}'.replace("'", '"')
    )
    index = write_index(params, tmp_path).read_text(encoding="utf-8")
    assert_no_raw_payload(tmp_path)
    assert html.escape(hostile) in index and html.escape(PERIOD) in index
    assert html.escape("'<img src=x onerror=alert(9)>'") in index
    assert 'href="00_data_audit.html"' in index and 'href="01_diagnosis.ipynb"' in index


def test_report_page_escapes_title_and_table_of_contents():
    heading = html.escape(f"Team {TEAM} and {REP}")  # as Report.heading writes it
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": f'<h2 id="team">{heading}</h2><p>body</p>'})
            ]
        )
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    page = notebook_to_html(nb, title=f"Data audit · {CLIENT} · {PERIOD}", lang="en")
    raw = sorted({m.group(0) for m in RAW.finditer(page)})
    assert raw == [], f"raw payload text in the page: {raw}"
    toc = page[page.index("<nav") : page.index("</nav>")]
    assert escaped_core(4, TEAM) in toc and escaped_core(3, REP) in toc
    title = page[page.index("<title>") : page.index("</title>")]
    assert escaped_core(1, CLIENT) in title and escaped_core(2, PERIOD) in title
