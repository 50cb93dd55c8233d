"""The demo generator: determinism, canonical shape, and planted truths visible in raw data."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from salesnb.demo import LOST_STAGE, STAGES, DemoData, generate_demo, write_demo
from salesnb.schema import LOST, OPEN, TABLES, WON

SMALL = 5_000
STAGE_CODE = {name: code for code, name in enumerate((*STAGES, LOST_STAGE))}
WON_CODE, LOST_CODE = STAGE_CODE[STAGES[-1]], STAGE_CODE[LOST_STAGE]


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate_demo(n_deals=SMALL, seed=7)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    """The default demo: the statistical checks need its sample size."""
    return generate_demo(n_deals=20_000, seed=7)


def dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")


def clean_deals(data: DemoData) -> pd.DataFrame:
    """Deals without the planted dirty rows, with parsed dates and the rep's team."""
    rows = data.truth["quirk_rows"]
    dirty = {deal_id for kind, detail in rows.items() if kind != "duplicate_id" for deal_id in detail["deal_ids"]}
    deals = data.tables["deals"]
    deals = deals[~deals["deal_id"].isin(dirty)].drop_duplicates()
    reps = data.tables["reps"][["rep_id", "team", "hired_at", "left_at"]]
    deals = deals.merge(reps, on="rep_id", how="left", validate="many_to_one")
    for column in ("created_at", "closed_at", "hired_at", "left_at"):
        deals[column] = dates(deals[column])
    return deals


def coded_history(data: DemoData) -> pd.DataFrame:
    history = data.tables["stage_history"].copy()
    history["code"] = history["stage"].map(STAGE_CODE)
    history["row"] = np.arange(len(history))
    return history


def furthest_stage(data: DemoData) -> pd.Series:
    """Furthest stage code per deal; a later stage counts as passing the earlier ones."""
    history = coded_history(data)
    return history[history["code"] != LOST_CODE].groupby("deal_id")["code"].max()


def win_rate(deals: pd.DataFrame) -> float:
    closed = deals[deals["status"] != OPEN]
    return float((closed["status"] == WON).mean())


def test_same_seed_gives_identical_tables_and_truth(small):
    again = generate_demo(n_deals=SMALL, seed=7)
    assert small.tables.keys() == again.tables.keys()
    for name, frame in small.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name])
    assert small.truth == again.truth


def test_different_seed_gives_different_data(small):
    other = generate_demo(n_deals=SMALL, seed=8)
    assert not small.tables["deals"].equals(other.tables["deals"])
    assert not small.tables["stage_history"].equals(other.tables["stage_history"])
    assert small.truth != other.truth


def test_written_files_are_byte_identical_across_writes(tmp_path):
    first = write_demo(tmp_path / "a", n_deals=2_000, seed=3)
    second = write_demo(tmp_path / "b", n_deals=2_000, seed=3)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted([f"{table}.csv" for table in TABLES] + ["ground_truth.json"])
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    other = write_demo(tmp_path / "c", n_deals=2_000, seed=4)
    assert (other / "deals.csv").read_bytes() != (first / "deals.csv").read_bytes()


def test_parquet_files_are_byte_identical_and_read_back(tmp_path):
    first = write_demo(tmp_path / "a", n_deals=1_000, seed=3, file_format="parquet")
    second = write_demo(tmp_path / "b", n_deals=1_000, seed=3, file_format="parquet")
    for table in TABLES:
        assert (first / f"{table}.parquet").read_bytes() == (second / f"{table}.parquet").read_bytes()
    deals = pd.read_parquet(first / "deals.parquet")
    truth = json.loads((first / "ground_truth.json").read_text(encoding="utf-8"))
    assert len(deals) == truth["deals"]["rows_written"]


def test_write_demo_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="file_format"):
        write_demo(tmp_path, n_deals=1_000, file_format="xlsx")


def test_csv_has_iso_dates_two_decimal_amounts_and_empty_missing_cells(tmp_path):
    out = write_demo(tmp_path, n_deals=1_000, seed=5)
    deals = pd.read_csv(out / "deals.csv", dtype=str, keep_default_na=False)
    assert deals["amount"].str.fullmatch(r"-?\d+\.\d{2}").all()
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    undated = set(truth["quirk_rows"]["unparseable_created_at"]["deal_ids"])
    iso = deals.loc[~deals["deal_id"].isin(undated), "created_at"]
    assert iso.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    is_open = deals["status"] == OPEN
    assert (deals.loc[is_open, "closed_at"] == "").all()
    assert (deals.loc[~is_open, "closed_at"] != "").all()
    assert (deals.loc[is_open, "expected_close_at"] != "").all()
    assert set(deals["currency"]) == {"CNY"}
    history = pd.read_csv(out / "stage_history.csv", dtype=str, keep_default_na=False)
    exited = history.loc[history["exited_at"] != "", "exited_at"]
    assert exited.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    header = (out / "costs.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "period_start,period_end,amount,category"


def test_tables_use_canonical_columns(small):
    assert set(small.tables) == set(TABLES)
    for name, frame in small.tables.items():
        spec = TABLES[name]
        assert set(spec.required) <= set(frame.columns), name
        assert set(frame.columns) <= set(spec.columns), name
    assert list(small.tables["deals"].columns) == list(TABLES["deals"].columns)


def test_vocabularies_and_calendar(small):
    deals = clean_deals(small)
    assert set(deals["status"]) == {OPEN, WON, LOST}
    assert set(deals["stage"]) == set(STAGES) | {LOST_STAGE}
    assert set(deals["segment"]) == {"SMB", "Mid-Market", "Enterprise"}
    assert set(deals["lead_source"]) == {"Inbound", "Outbound", "Referral", "Partner", "Event"}
    assert deals["created_at"].min() >= pd.Timestamp("2023-01-01")
    assert deals["created_at"].max() <= pd.Timestamp("2025-12-31")
    assert deals["closed_at"].max() <= pd.Timestamp("2025-12-31")
    assert (deals["closed_at"].dropna() >= deals.loc[deals["closed_at"].notna(), "created_at"]).all()
    assert (deals.loc[deals["status"] == LOST, "amount"] > 0).all()
    reps = small.tables["reps"]
    assert 38 <= len(reps) <= 44
    assert set(reps["team"]) == {"North-1", "North-2", "South-1", "South-2"}
    assert (reps.groupby("team")["region"].nunique() == 1).all()


def test_quirk_counts_in_truth_match_rows(small):
    deals = small.tables["deals"]
    quirks = small.truth["quirks"]
    assert set(quirks) == {
        "duplicate_id",
        "negative_amount",
        "closed_before_created",
        "unknown_rep",
        "unparseable_created_at",
    }
    assert deals.duplicated().sum() == deals["deal_id"].duplicated().sum() == quirks["duplicate_id"]
    assert (deals["amount"] < 0).sum() == quirks["negative_amount"]
    created, closed = dates(deals["created_at"]), dates(deals["closed_at"])
    assert (closed < created).sum() == quirks["closed_before_created"]
    assert (~deals["rep_id"].isin(small.tables["reps"]["rep_id"])).sum() == quirks["unknown_rep"]
    assert created.isna().sum() == quirks["unparseable_created_at"]
    assert min(quirks.values()) >= 3
    counts = small.truth["deals"]
    assert counts["clean_rows"] + counts["quirk_rows"] == counts["rows_written"] == len(deals)
    assert counts["quirk_rows"] == sum(quirks.values())
    assert len(clean_deals(small)) == SMALL
    for kind, detail in small.truth["quirk_rows"].items():
        assert len(detail["deal_ids"]) == quirks[kind]
        assert set(detail["deal_ids"]) <= set(deals["deal_id"])


def test_every_clean_deal_history_ends_in_its_outcome(small):
    deals = clean_deals(small).set_index("deal_id")
    history = small.tables["stage_history"]
    assert set(history["deal_id"]) == set(deals.index)
    last = history.groupby("deal_id").tail(1).set_index("deal_id").loc[deals.index]
    assert (last["stage"] == deals["stage"]).all()
    assert (last.loc[deals["status"] == WON, "stage"] == STAGES[-1]).all()
    assert (last.loc[deals["status"] == LOST, "stage"] == LOST_STAGE).all()
    assert last.loc[deals["status"] == OPEN, "stage"].isin(STAGES[:-1]).all()
    assert last["exited_at"].isna().all()
    closed = deals["status"] != OPEN
    assert (dates(last.loc[closed, "entered_at"]) == deals.loc[closed, "closed_at"]).all()


def test_history_dates_run_forward_from_creation(small):
    history = small.tables["stage_history"]
    entered, exited = dates(history["entered_at"]), dates(history["exited_at"])
    assert (exited.dropna() >= entered[exited.notna()]).all()
    assert (entered.groupby(history["deal_id"]).diff().dropna() >= pd.Timedelta(0)).all()
    first = history.groupby("deal_id").head(1).set_index("deal_id")
    deals = clean_deals(small).set_index("deal_id")
    assert (first["stage"] == STAGES[0]).all()
    assert (dates(first["entered_at"]) == deals.loc[first.index, "created_at"]).all()


def test_stage_irregularity_counts_match_history(small):
    history = coded_history(small)
    truth = small.truth["stage_irregularities"]
    is_last = ~history["deal_id"].duplicated(keep="last")
    reopened = set(history.loc[(history["code"] == LOST_CODE) & ~is_last, "deal_id"])
    assert len(reopened) == truth["reopened_deals"] > 0
    regular = history[~history["deal_id"].isin(reopened)]
    open_rows = regular[regular["code"] < WON_CODE]
    backward = set(open_rows.loc[open_rows.duplicated(["deal_id", "code"]), "deal_id"])
    assert len(backward) == truth["backward_move_deals"]
    forward = regular[(regular["code"] <= WON_CODE) & ~regular["deal_id"].isin(backward)]
    step = forward.groupby("deal_id")["code"].diff()
    skipped = set(forward.loc[step > 1, "deal_id"])
    assert len(skipped) == truth["skipped_stage_deals"]
    assert 0.02 < len(skipped) / SMALL < 0.05
    assert 0.005 < len(backward) / SMALL < 0.025


def test_planted_bottleneck_is_visible_in_stage_history(demo):
    truth = demo.truth["bottleneck"]
    deals = clean_deals(demo)
    deals = deals[deals["status"] != OPEN].set_index("deal_id")
    furthest = furthest_stage(demo).loc[deals.index]
    source, target = STAGE_CODE[truth["from_stage"]], STAGE_CODE[truth["to_stage"]]
    reached = furthest >= source
    conversion = (furthest[reached] >= target).groupby(deals.loc[reached, "team"]).mean()
    planted = conversion[truth["team"]]
    others = conversion.drop(truth["team"])
    assert planted == pytest.approx(truth["planted_conversion"], abs=0.04)
    assert (others > planted + 0.2).all()
    assert others.min() == pytest.approx(truth["other_conversion"], abs=0.04)
    assert conversion.round(4).to_dict() == truth["observed_conversion_by_team"]


def test_pilot_is_a_random_half_of_each_team_employed_on_the_date(demo):
    truth = demo.truth["intervention"]
    assert truth["assignment"] == "reps"
    assert "treated_teams" not in truth and "control_teams" not in truth
    treated = truth["treated_reps"]
    assert treated == sorted(set(treated))
    reps = demo.tables["reps"].copy()
    date = pd.Timestamp(truth["date"])
    on_date = (dates(reps["hired_at"]) <= date) & (dates(reps["left_at"]).isna() | (dates(reps["left_at"]) >= date))
    reps["treated"] = reps["rep_id"].isin(treated)
    assert set(treated) <= set(reps.loc[on_date, "rep_id"])
    per_team = reps[on_date].groupby("team").agg(eligible=("rep_id", "size"), treated=("treated", "sum"))
    assert (per_team["treated"] == per_team["eligible"] // 2).all()
    assert per_team["treated"].to_dict() == truth["treated_reps_by_team"]
    assert truth["treated"]["reps"] == len(treated)
    assert truth["treated"]["reps"] + truth["control"]["reps"] == len(reps)
    # Enough treated units for inference at the rep level, with deals on both sides of the date.
    deals = clean_deals(demo)
    deals = deals[deals["rep_id"].isin(treated)]
    before = deals.loc[deals["created_at"] < date, "rep_id"].unique()
    after = deals.loc[deals["created_at"] >= date, "rep_id"].unique()
    assert len(set(before) & set(after)) >= 10
    assert truth["treated"]["reps_with_deals_2024_2025"] == len(treated)


def test_intervention_raises_treated_win_rate_and_cycle_while_control_stays(demo):
    truth = demo.truth["intervention"]
    deals = clean_deals(demo)
    deals["treated"] = deals["rep_id"].isin(truth["treated_reps"])
    deals["after"] = deals["created_at"] >= pd.Timestamp(truth["date"])
    rates = {key: win_rate(group) for key, group in deals.groupby(["treated", "after"])}
    treated_change = rates[True, True] - rates[True, False]
    control_change = rates[False, True] - rates[False, False]
    planted = truth["win_rate_change_pp"] / 100
    assert treated_change > planted / 2
    assert abs(control_change) < 0.035
    assert treated_change - control_change == pytest.approx(planted, abs=0.035)

    won = deals[deals["status"] == WON].copy()
    won["cycle"] = (won["closed_at"] - won["created_at"]).dt.days
    median = won.groupby(["treated", "after"])["cycle"].median()
    treated_ratio = median[True, True] / median[True, False]
    control_ratio = median[False, True] / median[False, False]
    assert treated_ratio / control_ratio == pytest.approx(1 + truth["cycle_change_share"], abs=0.08)
    assert control_ratio == pytest.approx(1, abs=0.1)


def test_intervention_raises_treated_csat(demo):
    truth = demo.truth["intervention"]
    surveys = demo.tables["surveys"].copy()
    surveys["treated"] = surveys["rep_id"].isin(truth["treated_reps"])
    surveys["after"] = dates(surveys["surveyed_at"]) >= pd.Timestamp(truth["date"])
    mean = surveys.groupby(["treated", "after"])["score"].mean()
    change = (mean[True, True] - mean[True, False]) - (mean[False, True] - mean[False, False])
    assert change == pytest.approx(truth["csat_change"], abs=3)
    assert surveys["score"].between(0, 100).all()
    assert (surveys["scale"] == 100).all()


def test_reps_work_only_while_employed(demo):
    deals = clean_deals(demo)
    assert deals["team"].notna().all()
    assert (deals["created_at"] >= deals["hired_at"]).all()
    leavers = deals[deals["left_at"].notna()]
    assert len(leavers) > 0
    assert (leavers["created_at"] <= leavers["left_at"]).all()
    activities = demo.tables["activities"].merge(demo.tables["reps"], on="rep_id", how="left")
    occurred = dates(activities["occurred_at"])
    assert (occurred >= dates(activities["hired_at"])).all()
    left = dates(activities["left_at"])
    assert (occurred[left.notna()] <= left[left.notna()]).all()


def test_attrition_truth_matches_reps_table(demo):
    truth = demo.truth["attrition"]
    reps = demo.tables["reps"]
    left = dates(reps["left_at"])
    per_year = left.dt.year.value_counts()
    for year, detail in truth["by_year"].items():
        assert per_year.get(int(year), 0) == detail["leavers"]
    leavers = reps.loc[left.notna(), ["rep_id", "left_at"]].to_dict("records")
    assert sorted(leavers, key=lambda r: r["rep_id"]) == [
        {"rep_id": r["rep_id"], "left_at": r["left_at"]} for r in sorted(truth["leavers"], key=lambda r: r["rep_id"])
    ]
    assert truth["annual_rate_before_intervention"] > 2 * truth["annual_rate_after_intervention"]


def test_strongest_reps_win_more_than_weakest(demo):
    truth = demo.truth["rep_skill"]
    deals = clean_deals(demo)
    observed = deals[deals["status"] != OPEN].groupby("rep_id")["status"].apply(lambda s: (s == WON).mean())
    assert observed[truth["strongest"]].min() > observed[truth["weakest"]].max() + 0.15
    true_rates = {row["rep_id"]: row["true_win_rate"] for row in truth["reps"]}
    assert min(true_rates[r] for r in truth["strongest"]) > max(true_rates[r] for r in truth["weakest"])


def test_busy_reps_log_many_activities_but_close_few(demo):
    truth = demo.truth["busy_not_closing"]
    deals = clean_deals(demo)
    per_deal = demo.tables["activities"].groupby("rep_id").size() / deals.groupby("rep_id").size()
    busy = per_deal[truth["rep_ids"]]
    assert (busy > 2 * per_deal.drop(truth["rep_ids"]).median()).all()
    team_rate = {team: win_rate(group) for team, group in deals.groupby("team")}
    for rep_id in truth["rep_ids"]:
        rep_deals = deals[deals["rep_id"] == rep_id]
        assert win_rate(rep_deals) < team_rate[rep_deals["team"].iloc[0]]


def test_activity_volume_is_sensible(demo):
    activities = demo.tables["activities"]
    assert 2 * len(demo.tables["deals"]) < len(activities) < 6 * len(demo.tables["deals"])
    assert set(activities["type"]) == {"call", "email", "meeting", "visit"}
    linked = activities["deal_id"].dropna()
    assert linked.isin(demo.tables["deals"]["deal_id"]).all()
    assert activities["deal_id"].isna().mean() > 0.1


def test_seasonality_dips_at_new_year_and_peaks_in_q4(demo):
    deals = clean_deals(demo)
    per_month = deals.groupby(deals["created_at"].dt.to_period("M")).size()
    per_calendar_month = per_month.groupby(per_month.index.month).sum()
    assert per_calendar_month[2] < 0.8 * per_calendar_month[3]
    assert per_calendar_month[12] > 1.2 * per_calendar_month[3]
    assert per_calendar_month.idxmax() == 12
    multipliers = demo.truth["seasonality"]["monthly_multiplier"]
    assert np.mean(list(multipliers.values())) == pytest.approx(1.0)


def test_new_hires_ramp_up(demo):
    truth = demo.truth["ramp"]
    deals = clean_deals(demo)
    hires = deals[deals["rep_id"].isin([h["rep_id"] for h in truth["hires"]])]
    months_in = (hires["created_at"] - hires["hired_at"]).dt.days // 30
    first_month = (months_in == 0).sum()
    settled = ((months_in >= truth["months"]) & (months_in < truth["months"] + 4)).sum() / 4
    assert first_month < 0.6 * settled


def test_amounts_and_cycles_match_planted_medians(demo):
    truth = demo.truth["deals"]
    deals = clean_deals(demo)
    median_amount = deals.groupby("segment")["amount"].median()
    for segment, planted in truth["planted_median_amount"].items():
        assert median_amount[segment] == pytest.approx(planted, rel=0.1)
    won = deals[(deals["status"] == WON) & (deals["created_at"] < pd.Timestamp("2025-01-01"))]
    cycle = (won["closed_at"] - won["created_at"]).dt.days.groupby(won["segment"]).median()
    for segment, planted in truth["planted_median_cycle_days"].items():
        assert cycle[segment] == pytest.approx(planted, rel=0.1)
    assert 0.25 <= win_rate(deals) <= 0.35


def test_accounts_repeat_and_concentrate(demo):
    deals = clean_deals(demo)
    won = deals[deals["status"] == WON]
    revenue = won.groupby("account_id")["amount"].sum().sort_values(ascending=False)
    top = revenue.iloc[: round(len(revenue) * 0.2)].sum() / revenue.sum()
    assert top > 0.6
    assert (won.groupby("account_id").size() >= 2).sum() > 100
    assert demo.truth["accounts"]["top_20pct_share_of_won_revenue"] == pytest.approx(top, abs=1e-4)


def test_team_targets_are_the_sum_of_rep_targets(demo):
    targets = demo.tables["targets"]
    assert set(targets["metric"]) == {"revenue"}
    reps = targets[targets["rep_id"].notna()]
    teams = targets[targets["rep_id"].isna()].set_index(["period_start", "team"])["value"]
    summed = reps.groupby(["period_start", "team"])["value"].sum()
    pd.testing.assert_series_equal(summed.sort_index(), teams.sort_index(), check_names=False)
    assert targets["period_start"].nunique() == 13
    assert (targets["value"] > 0).all()


def test_costs_are_monthly_with_cac_categories(demo):
    costs = demo.tables["costs"]
    assert costs["period_start"].nunique() == 36
    assert {"marketing", "sales_salary"} <= set(costs["category"])
    crm = costs[costs["category"] == "crm_tools"]
    assert (dates(crm["period_start"]) >= pd.Timestamp(demo.truth["intervention"]["date"])).all()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", costs["period_end"].iloc[0])


def test_truth_is_json_serialisable_and_counts_rows(demo):
    text = json.dumps(demo.truth)
    assert json.loads(text) == demo.truth
    assert demo.truth["row_counts"] == {name: len(frame) for name, frame in demo.tables.items()}


def test_too_few_deals_is_refused():
    with pytest.raises(ValueError, match="n_deals"):
        generate_demo(n_deals=10)


@pytest.mark.parametrize("n_deals", [200])
def test_small_demos_render_all_five_reports_with_their_small_sample_flags(tmp_path, n_deals):
    """The demo at 200 deals (reps with a handful of deals). The 2,000-deal demo (months without any
    survey) is rendered once, anonymised, in tests/test_anonymise.py, and checked there the same way."""
    import nbformat
    import yaml

    from salesnb.config import REPO_ROOT
    from salesnb.run.runner import run

    folder = write_demo(tmp_path / "data", n_deals=n_deals, seed=7)
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params["data"]["base_dir"] = str(folder)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    result = run(path, output_root=tmp_path / "out", jobs=2, progress=lambda _: None)
    assert result.ok, [r.error for r in result.results if not r.ok]
    assert [r.report for r in result.results] == ["audit", "diagnosis", "targets", "funnel", "case_study"]
    for r in result.results:
        outputs = [o for c in nbformat.read(r.executed, as_version=4).cells for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], r.stem
    pages = {r.report: r.html.read_text(encoding="utf-8") for r in result.results}
    # the claims keep their small-sample flags
    assert "reps have fewer than 30 closed deals in the window, too few to rank win rates" in pages["diagnosis"]
    assert "too few to read much into the change" in pages["diagnosis"]
    assert "not enough data for" in pages["case_study"]
