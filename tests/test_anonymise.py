"""Anonymised sharing (issue 15): no real rep, manager, team or account name anywhere in the output folder.

One anonymised run of the 2,000-deal demo through the real runner is shared by the end-to-end tests;
every file of its output folder is read as what it holds (XLSX cells and the zip's XML, Parquet
values, the pickled load report, notebooks as JSON, everything else as text).
"""

from __future__ import annotations

import json
import pickle
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from salesnb.config import REPO_ROOT
from salesnb.data.anonymise import Pseudonyms, Scrubber, check_key_location, read_key, write_key
from salesnb.errors import ParamsError
from salesnb.params import load_params

# One anonymised run serves every test here: keep them on one xdist worker so it renders once.
pytestmark = pytest.mark.xdist_group("anonymised-run")


def _texts(path: Path):
    """Everything a file holds, as text: its bytes, and decoded for the formats that compress or encode."""
    data = path.read_bytes()
    yield data.decode("utf-8", errors="replace")
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        yield "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
        with zipfile.ZipFile(path) as archive:
            yield "\n".join(archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist())
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        yield "\n".join([*table.column_names, *(str(v) for column in table.columns for v in column.to_pylist())])
    elif path.suffix == ".pkl":
        yield repr(pickle.loads(data))  # the load report, written by this run
    elif path.suffix in (".ipynb", ".json"):
        yield json.dumps(json.loads(data), ensure_ascii=False)


def _found(folder: Path, names: set[str]) -> dict[str, list[str]]:
    """Real names found in any file under ``folder``: name -> files. A name counts as a whole word (not
    inside a longer id or base64 data)."""
    hits: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for text in _texts(path):
            for name in names:
                if name in text and re.search(rf"(?<![\w+/]){re.escape(name)}(?![\w+/])", text):
                    hits.setdefault(name, []).append(str(path.relative_to(folder)))
    return hits


# Unit tests -------------------------------------------------------------------------------------


def test_pseudonyms_are_stable_distinct_and_in_the_report_language():
    names = [f"Person {chr(65 + i)}{i}" for i in range(25)]
    one, two = Pseudonyms("en", "salt"), Pseudonyms("en", "salt")
    one.add("rep", names)
    two.add("rep", list(reversed(names)))
    assert one.numbers == two.numbers  # same salt, same values: same numbers, whatever the order read
    labels = [one.label("rep", n) for n in names]
    assert len(set(labels)) == len(names) and all(re.fullmatch(r"Rep \d{2}", x) for x in labels)
    other = Pseudonyms("en", "another salt")
    other.add("rep", names)
    assert other.numbers["rep"] != one.numbers["rep"]  # the order is keyed by the secret, not the names
    assert sorted(names, key=one.numbers["rep"].get) != sorted(names)  # and says nothing about A-Z
    zh = Pseudonyms("zh", "salt")
    zh.add("account", ["Acme"])
    zh.add("team", ["North"])
    assert (zh.label("account", "Acme"), zh.label("team", "North")) == ("客户 001", "团队 01")
    zh.add("rep", [f"r{i}" for i in range(120)])
    assert zh.label("rep", "r0").startswith("销售 ") and len(zh.label("rep", "r0")) == len("销售 001")


def test_a_new_name_gets_the_next_number_and_old_ones_keep_theirs(tmp_path, write_params):
    params = load_params(write_params(anonymise={"key_file": "key.json"}))
    first = Pseudonyms("en", "s3cret")
    first.add("rep", ["R1", "R2", "R3"])
    first.alias("rep", "Ann Lee", "R1")
    write_key(tmp_path / "key.json", first, params)
    again = read_key(tmp_path / "key.json", "zh")
    assert again.salt == "s3cret" and again.numbers["rep"] == first.numbers["rep"]
    again.add("rep", ["R0", "R2"])
    assert again.numbers["rep"]["R0"] == 4 and again.numbers["rep"]["R2"] == first.numbers["rep"]["R2"]
    assert again.label("rep", "Ann Lee") == again.label("rep", "R1") == f"销售 {first.numbers['rep']['R1']:02d}"
    assert (tmp_path / "key.json").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_names_in_free_text_are_replaced_as_whole_words():
    scrub = Scrubber({"Ann Lee": "Rep 01", "Acme Corp.": "Account 001", "张三": "销售 02", "R1": "Rep 03"})
    assert scrub("Acme Corp. renewal, owner ANN LEE") == "Account 001 renewal, owner Rep 01"
    assert scrub("Ann Leeson; 张三的客户") == "Ann Leeson; 销售 02的客户"
    assert scrub("R1 is a short code") == "R1 is a short code"  # codes are replaced only where ids are


def test_params_switch_and_key_outside_the_outputs(tmp_path, write_params):
    assert not load_params(write_params()).anonymise.enabled
    assert load_params(write_params(anonymise=True)).anonymise.enabled
    keyed = load_params(write_params(anonymise={"key_file": "keys/acme.json"}))
    assert keyed.anonymise.enabled and keyed.anonymise.key_file == "keys/acme.json"
    with pytest.raises(ParamsError, match="unknown key 'anonymise.keyfile'"):
        load_params(write_params(anonymise={"keyfile": "k.json"}))
    inside = load_params(write_params(anonymise={"key_file": "out/acme/key.json"}))
    with pytest.raises(ParamsError, match="inside the output folder"):
        check_key_location(inside, tmp_path / "out")
    check_key_location(keyed, tmp_path / "out")  # beside the params file: fine


def test_a_database_source_is_refused(write_params):
    from types import SimpleNamespace

    from salesnb.data.anonymise import anonymise
    from salesnb.errors import SalesnbError

    canonical = SimpleNamespace(database=object())  # a server or Spark: each kernel would rebuild the tables
    with pytest.raises(SalesnbError, match="Export the tables to files first"):
        anonymise(load_params(write_params(anonymise=True)), canonical, SimpleNamespace(source="postgres://…"))


def _small_export(folder: Path, write_params, **params) -> Path:
    """Five deals and two reps with names in free text, an unknown owner, a negative amount and a filtered row."""
    (folder / "deals.csv").write_text(
        "deal_id,rep_id,account_id,amount,status,created_at,closed_at,lead_source,Deal Name,Pipeline\n"
        "D1,R1,Acme Corp,100,won,2025-01-05,2025-02-01,Referral by Ann Lee,Acme Corp renewal,Sales\n"
        "D2,R2,Globex,-5,lost,2025-01-06,,Inbound,Globex call with Bo Chen,Sales\n"
        "D3,R9,Acme Corp,50,won,2025-01-07,2025-02-01,Inbound,x,Sales\n"
        "D4,R1,Initech,70,lost,2025-01-08,,Inbound,y,Other\n"
        "D5,R2,Initech,70,lost,2025-01-09,,Inbound,z,Sales\n",
        encoding="utf-8",
    )
    (folder / "reps.csv").write_text(
        "rep_id,name,team,manager\nR1,Ann Lee,North,Zhang San\nR2,Bo Chen,Zhang San,Zhang San\n", encoding="utf-8"
    )
    return write_params(
        data={
            "base_dir": str(folder),
            "tables": {"deals": {"file": "deals.csv", "where": [{"column": "Pipeline", "equals": ["Sales"]}]}},
        },
        reports={"case_study": {"name": "Pilot by Zhang San", "date": "2025-01-01", "treated_reps": ["R1"]}},
        **params,
    )


def test_rows_as_read_keep_only_mapped_columns_and_names_go_everywhere(tmp_path, write_params):
    from salesnb.data import load_data

    path = _small_export(tmp_path, write_params, language="zh", anonymise=True)
    data = load_data(load_params(path))
    deals, reps = data.deals.to_pandas(), data.reps.to_pandas().set_index("name")
    ann, bo = reps.index  # names are now the reps' pseudonyms
    assert re.fullmatch(r"销售 \d\d", ann) and (reps.index == reps["rep_id"]).all()
    assert reps.loc[bo, "team"] == reps.loc[bo, "manager"] and re.fullmatch(r"经理 \d\d", reps.loc[bo, "manager"])
    assert re.fullmatch(r"团队 \d\d", reps.loc[ann, "team"])  # North names no person
    assert set(deals["account_id"]) <= {"客户 001", "客户 002"}
    assert deals.set_index("deal_id").at["D1", "lead_source"] == f"Referral by {ann}"
    excluded = data.excluded_rows()
    assert "Deal Name" not in excluded and "Pipeline" in excluded  # free text dropped; the tested column kept
    assert set(excluded["reason"]) == {"negative_amount", "unknown_rep", "filtered:Pipeline"}
    unknown = excluded.loc[excluded["reason"] == "unknown_rep", "rep_id"].item()
    assert re.fullmatch(r"销售 \d\d", unknown) and unknown not in (ann, bo)
    shown = data.report.anonymised.params["reports"]["case_study"]
    assert shown["treated_reps"] == [ann] and shown["name"] == f"Pilot by {reps.loc[bo, 'manager']}"
    examples = [i.examples for a in data.report.accounts.values() for i in (*a.excluded, *a.flagged)]
    text = repr(data.report) + "".join(f.to_csv() for f in [excluded, *examples])
    for name in ("Ann Lee", "Bo Chen", "Zhang San", "Acme", "Globex", "Initech", "R1", "R2", "R9", "North"):
        assert not re.search(rf"(?<![\w]){name}(?![\w])", text), name
    data.canonical.close()


# The anonymised demo, end to end -------------------------------------------------------------------


@pytest.fixture(scope="session")
def anonymised(tmp_path_factory):
    """The 2,000-deal demo rendered with ``--anonymise`` and a key file; (result, demo folder, key file)."""
    from salesnb.demo import write_demo
    from salesnb.run.runner import run

    tmp = tmp_path_factory.mktemp("anon")
    demo = write_demo(tmp / "data", n_deals=2_000, seed=7)
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(demo)
    params["anonymise"] = {"enabled": False, "key_file": "keys/demo.key.json"}  # --anonymise turns it on
    path = tmp / "demo.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    result = run(path, output_root=tmp / "outputs", anonymise=True, progress=lambda _: None)
    return result, demo, tmp / "keys" / "demo.key.json"


def _real_names(demo: Path) -> set[str]:
    reps = pd.read_csv(demo / "reps.csv", dtype=str)
    names = set()
    for table, columns in {"reps": ("rep_id", "name", "manager", "team"), "deals": ("rep_id", "account_id")}.items():
        frame = reps if table == "reps" else pd.read_csv(demo / "deals.csv", dtype=str)
        names |= {v.strip() for c in columns for v in frame[c].dropna() if v.strip()}
    return names


def test_the_2000_deal_demo_renders_all_five_reports(anonymised):
    """The demo at 2,000 deals (months without any survey): every report renders without an error output.
    (Rendered once here, anonymised; pseudonyms change no figure this checks.)"""
    import nbformat

    result, _, _ = anonymised
    assert result.ok, [r.error for r in result.results if not r.ok]
    assert [r.report for r in result.results] == ["audit", "diagnosis", "targets", "funnel", "case_study"]
    for r in result.results:
        outputs = [o for c in nbformat.read(r.executed, as_version=4).cells for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], r.stem
    targets = result.results[2].html.read_text(encoding="utf-8")
    # CSAT forecast over the months that had a survey (some had none)
    assert '<td class="txt">CSAT (0–100)</td><td class="txt">weighted moving average</td>' in targets


def test_no_real_name_anywhere_in_the_output_folder(anonymised):
    result, demo, key = anonymised
    assert result.ok, [r.error for r in result.results if not r.ok]
    names = _real_names(demo)
    people = set(pd.read_csv(demo / "reps.csv", dtype=str)[["name", "manager"]].stack())
    assert len(people) > 40 and len(names) > 500  # rep and manager names, rep ids, teams, account ids
    files = [p for p in result.output_dir.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".ipynb", ".csv", ".xlsx", ".parquet", ".pkl", ".json"} <= kinds
    assert _found(result.output_dir, names) == {}
    # the search does find them where they are: the client's export, and the key kept outside the outputs
    assert people <= set(_found(demo, people)) and people <= set(_found(key.parent, people))
    assert not key.is_relative_to(result.output_dir.parent.parent)


def test_the_same_rep_has_the_same_pseudonym_everywhere(anonymised):
    from salesnb.data import read_canonical

    result, demo, key = anonymised
    out = result.output_dir
    snapshot = {n: pd.read_parquet(out / "_snapshot" / f"{n}.parquet") for n in ("reps", "deals", "targets")}
    reps = snapshot["reps"].set_index("rep_id")
    assert (reps["name"] == reps.index).all() and reps.index.str.fullmatch(r"Rep \d{2}").all()
    assert reps["team"].str.fullmatch(r"Team \d{2}").all() and reps["manager"].str.fullmatch(r"Manager \d{2}").all()
    assert snapshot["deals"]["account_id"].str.fullmatch(r"Account \d{3}").all()
    # every pseudonym maps back, through the key, to the rep with the same hire date and team mates
    back = {p: values for p, values in json.loads(key.read_text(encoding="utf-8"))["pseudonyms"]["rep"].items()}
    real = pd.read_csv(demo / "reps.csv", dtype=str).set_index("rep_id")
    for pseudonym, row in reps.iterrows():
        rep_id, name = back[pseudonym]
        assert real.at[rep_id, "name"] == name and pd.Timestamp(real.at[rep_id, "hired_at"]) == row["hired_at"]
    # the scorecard export names reps and teams exactly as the snapshot does
    card = pd.read_csv(out / "01_rep_scorecard.csv", encoding="utf-8-sig")
    assert len(card) > 10 and set(card["rep_id"]) <= set(reps.index)
    assert (card.set_index("rep_id")["team"] == reps.loc[card["rep_id"], "team"]).all()
    sheet = pd.read_excel(out / "01_rep_scorecard.xlsx")
    assert sheet["rep_id"].tolist() == card["rep_id"].tolist()
    # each rep's deals are the real rep's deals
    params = load_params(result.params.source_path)
    canonical, _ = read_canonical(params)
    try:
        plain = canonical.tables["deals"].to_pandas()
    finally:
        canonical.close()
    to_pseudonym = {values[0]: p for p, values in back.items()}
    expected = plain.assign(rep_id=plain["rep_id"].map(to_pseudonym)).groupby("rep_id")["amount"].agg(["size", "sum"])
    got = snapshot["deals"].groupby("rep_id")["amount"].agg(["size", "sum"])
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())
    # the case study printed and used the treated reps' pseudonyms
    page = (out / "04_case_study.html").read_text(encoding="utf-8")
    treated = [to_pseudonym[r] for r in params.reports.case_study.treated_reps]
    assert "\n".join(f"    - {p}" for p in treated) in page


def test_the_audit_says_the_report_is_anonymised(anonymised):
    result, _, _ = anonymised
    page = (result.output_dir / "00_data_audit.html").read_text(encoding="utf-8")
    assert re.search(r"Anonymised for sharing: 41 reps, 4 managers, 4 teams and \d+ accounts", page)
    excluded = pd.read_csv(result.output_dir / "00_excluded_rows.csv", encoding="utf-8-sig")
    unknown = excluded.loc[excluded["Reason"] == "unknown rep", "rep_id"]
    assert len(unknown) == 1 and unknown.str.fullmatch(r"Rep \d{2}").all()  # an owner not in reps: replaced too


def test_check_counts_what_would_be_replaced_and_writes_nothing(tmp_path, write_params):
    from typer.testing import CliRunner

    from salesnb.run.cli import app

    path = _small_export(tmp_path, write_params, anonymise={"key_file": "keys/acme.json"})
    before = sorted(tmp_path.rglob("*"))
    done = CliRunner().invoke(app, ["check", str(path)])
    assert done.exit_code == 0, done.output
    assert "2 reps, 1 managers, 2 teams, 2 accounts would appear under pseudonyms" in done.output
    assert sorted(tmp_path.rglob("*")) == before  # no key file: check writes nothing
