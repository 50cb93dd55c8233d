"""The audit on the real Maven data matches its published profile (PROVENANCE.md beside the data)."""

import pandas as pd
import pytest

from salesnb.analysis.audit import data_audit, reps_without_deals
from salesnb.config import REPO_ROOT
from salesnb.data import load_data
from salesnb.params import load_params

# Module fixtures here are expensive (loads or renders): keep this file on one xdist worker, run together,
# so each fixture is set up once.
pytestmark = pytest.mark.xdist_group("maven-load")


@pytest.fixture(scope="module")
def maven(maven_dir):
    params = load_params(REPO_ROOT / "params" / "maven.yaml")
    assert params.base_dir == maven_dir.resolve()
    data = load_data(params)
    return data, data_audit(data)


def test_row_accounting_adds_up_to_8800(maven):
    data, audit = maven
    deals = data.report.accounts["deals"]
    assert (deals.rows_read, deals.rows_used, deals.rows_excluded) == (8800, 8800, 0)
    accounting = audit.accounting.set_index("table")
    assert accounting.loc["deals", "rows_read"] == accounting.loc["deals", ["rows_used", "rows_excluded"]].sum()


def test_status_and_stage_counts(maven):
    _, audit = maven
    by_stage = audit.statuses.set_index("stage")["deals"].to_dict()
    assert by_stage == {"Won": 4238, "Lost": 2473, "Engaging": 1589, "Prospecting": 500}
    by_status = audit.statuses.groupby("status")["deals"].sum().to_dict()
    assert by_status == {"won": 4238, "lost": 2473, "open": 2089}


def test_won_value_and_dates(maven):
    data, audit = maven
    won = data.deals.filter(data.deals.status == "won")
    assert won.amount.sum().execute() == 10_005_534
    ranges = audit.date_ranges.set_index("column")
    assert str(ranges.loc["created_at", "first"].date()) == "2016-10-20"
    assert str(ranges.loc["closed_at", "last"].date()) == "2017-12-31"


def test_reps_30_with_deals_35_listed(maven):
    _, audit = maven
    assert int((audit.reps["deals"] > 0).sum()) == 30
    assert int(audit.reps["in_reps_table"].sum()) == 35
    assert reps_without_deals(audit) == [
        "Carl Lin",
        "Carol Thompson",
        "Elizabeth Anderson",
        "Mei-Mei Johns",
        "Natalya Ivanova",
    ]


def test_quirks_are_handled_and_reported(maven):
    data, audit = maven
    remaps = {(r.column, r.old): r.rows for r in audit.remaps.itertuples()}
    assert remaps[("product", "GTXPro")] == 1480
    flags = audit.flags.set_index("reason")["rows"].to_dict()
    assert flags["blank:account_id"] == 1425
    assert flags["open_without_amount"] == 2089
    assert flags["open_without_created_at"] == 500
    lookups = audit.lookups.set_index("file")
    assert lookups.loc["products.csv", "unmatched"] == 0  # GTXPro renamed before the join
    assert lookups.loc["accounts.csv", "blank"] == 1425
    assert data.deals.filter(data.deals.product == "GTXPro").count().execute() == 0


def test_findings_state_the_figures(maven):
    _, audit = maven
    text = " ".join(audit.findings("en"))
    assert "8,800 deal rows read; all 8,800 used" in text
    assert "win rate on closed deals 63.2%" in text
    assert "5 of 35 listed reps have no deals" in text
    assert "No stage history" in text


def test_case_study_groups_count_only_reps_with_deals(maven):
    from salesnb.analysis import casestudy
    from salesnb.analysis.casestudy_text import findings

    data, _ = maven
    d = casestudy.design(data, data.params.reports.case_study)
    # Rocco Neubert's team lists 6 reps, one (Natalya Ivanova) without a deal; 4 more listed reps have none.
    assert (len(d.treated_reps), len(d.control_reps)) == (5, 25)
    assert d.treated_without_deals == ("Natalya Ivanova",)
    assert d.without_deals == 5
    assert set(d.roster("treated")) == set(d.treated_reps) | {"Natalya Ivanova"}
    study = casestudy.CaseStudy(d, pd.DataFrame(), pd.DataFrame(), {}, {}, {}, [])
    first = findings(study, "en", "USD")[0]
    assert "5 treated reps against 25 control reps with deals" in first
    assert "5 listed reps without a deal" in first
