"""The data audit (report 00): what was read, used and excluded, and how complete it is.

Row accounting comes from loading (:mod:`salesnb.data`); the profile of the clean
tables (completeness, date ranges, statuses, stage moves, reps) is computed with Ibis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import pandas as pd

from salesnb import schema
from salesnb.analysis.metrics import owner_counts, survey_scale, unscaled_scores
from salesnb.analysis.stages import move_counts
from salesnb.data import CrmData
from salesnb.data.readers import ROW
from salesnb.labels import Language, fmt_int, fmt_pct, reason_label, t

# Flags on deals worth a finding when they touch at least this share of deals.
FLAG_FINDING_SHARE = 0.01
FINDING_FLAGS = (
    "blank:account_id",
    "open_without_amount",
    "open_without_created_at",
    "closed_without_created_at",
    "lost_without_closed_at",
)


@dataclass(frozen=True)
class DataAudit:
    """Everything report 00 shows; each field is a tidy frame."""

    accounting: pd.DataFrame  # table, source, rows_read, rows_used, rows_excluded
    exclusions: pd.DataFrame  # table, reason, rows
    flags: pd.DataFrame  # table, reason, rows, share
    excluded_rows: pd.DataFrame  # table, reason, _row, then the row's values as read
    exclusion_examples: dict[tuple[str, str], pd.DataFrame]
    flag_examples: dict[tuple[str, str], pd.DataFrame]
    mapping: pd.DataFrame  # table, column, client_column
    remaps: pd.DataFrame  # table, column, old, new, rows
    lookups: pd.DataFrame  # table, file, on, matched, unmatched, blank, examples
    completeness: pd.DataFrame  # table, column, filled, rows, share
    date_ranges: pd.DataFrame  # table, column, first, last
    statuses: pd.DataFrame  # status, stage, deals, amount
    monthly: pd.DataFrame  # month, status, deals
    currencies: pd.DataFrame  # currency, deals, amount
    reps: pd.DataFrame  # rep_id, team, deals, in_reps_table (deals without an owner: rep_id "Unassigned")
    moves: pd.DataFrame | None  # move, moves, deals (None without stage history)
    history_deals: int
    absent: dict[str, str]
    owners: dict[str, int] = field(default_factory=dict)  # metrics.owner_counts of the clean deals
    # Survey scores without a scale: (rows, highest score, scale taken) — metrics.survey_scale — or None.
    survey_scale: tuple[int, float, float | None] | None = None

    @property
    def summary(self) -> pd.DataFrame:
        return self.accounting

    @property
    def conversion(self) -> float:
        """Won deals / all deals used (leads that never closed count in the base)."""
        counts = self.statuses.groupby("status")["deals"].sum()
        total = int(counts.sum())
        return int(counts.get(schema.WON, 0)) / total if total else float("nan")

    @property
    def absent_tables(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.absent.items()), columns=["table", "why"])

    def findings(self, lang: Language) -> list[str]:
        """Three to six plain-language findings, most important first."""
        return _findings(self, lang)


def data_audit(data: CrmData) -> DataAudit:
    """Profile the loaded data and gather its row accounting."""
    report = data.report
    accounting, exclusions, flags, mapping, remaps, lookups = [], [], [], [], [], []
    exclusion_examples, flag_examples = {}, {}
    for name, account in report.accounts.items():
        origin = _source_text(account)
        accounting.append((name, origin, account.rows_read, account.rows_used, account.rows_excluded))
        for issue in account.excluded:
            exclusions.append((name, issue.reason, issue.count))
            exclusion_examples[(name, issue.reason)] = _row_first(issue.examples)
        for issue in account.flagged:
            flags.append((name, issue.reason, issue.count, issue.count / max(account.rows_used, 1)))
            flag_examples[(name, issue.reason)] = _row_first(issue.examples)
        mapping += [(name, column, client) for column, client in account.columns.items()]
        remaps += [(name, r.column, r.old, r.new, r.rows) for r in account.remaps]
        lookups += [
            (name, lk.file, lk.on, lk.matched, lk.unmatched, lk.blank, ", ".join(lk.unmatched_examples))
            for lk in account.lookups
        ]
    has_history = data.has("stage_history")
    return DataAudit(
        accounting=pd.DataFrame(accounting, columns=["table", "source", "rows_read", "rows_used", "rows_excluded"]),
        exclusions=pd.DataFrame(exclusions, columns=["table", "reason", "rows"]),
        flags=pd.DataFrame(flags, columns=["table", "reason", "rows", "share"]),
        excluded_rows=data.excluded_rows(),
        exclusion_examples=exclusion_examples,
        flag_examples=flag_examples,
        mapping=pd.DataFrame(mapping, columns=["table", "column", "client_column"]),
        remaps=pd.DataFrame(remaps, columns=["table", "column", "old", "new", "rows"]),
        lookups=pd.DataFrame(lookups, columns=["table", "file", "on", "matched", "unmatched", "blank", "examples"]),
        completeness=_completeness(data),
        date_ranges=_date_ranges(data),
        statuses=_statuses(data.deals),
        monthly=_monthly(data.deals),
        currencies=_currencies(data.deals, report.accounts["deals"].currencies if "deals" in report.accounts else ()),
        reps=_reps(data),
        moves=move_counts(data.stage_history, stages=data.params.stages) if has_history else None,
        history_deals=int(data.stage_history.deal_id.nunique().execute()) if has_history else 0,
        absent=dict(report.absent),
        owners=owner_counts(data.deals),
        survey_scale=_survey_scale(data),
    )


def _survey_scale(data: CrmData) -> tuple[int, float, float | None] | None:
    """Survey scores that come without a scale: how many, the highest, and the scale they are read on."""
    if not data.has("surveys"):
        return None
    surveys = data.table("surveys")
    rows, top = unscaled_scores(surveys)
    return (rows, top, survey_scale(surveys)) if rows and top is not None else None


def _source_text(account) -> str:
    """Where a table's rows came from, in the params file's own words: the file(s), the ``melt`` that
    turned columns into rows, the ``where`` conditions that left rows out and parts not found."""
    files = list(dict.fromkeys(_short(s.path) for s in account.sources if s.path))
    text = " + ".join(files[:3]) + (f" + {len(files) - 3} more" if len(files) > 3 else "")
    if account.melted:
        text += f" · melt: {account.melted}"
    if account.filters:
        text += " · where " + "; ".join(account.filters.values())
    if account.skipped_parts:
        text += " · parts not found: " + ", ".join(account.skipped_parts)
    return text


def _short(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _completeness(data: CrmData) -> pd.DataFrame:
    rows = []
    for name in data.names:
        table = data.table(name)
        columns = [c for c in table.columns if c in schema.TABLES[name].columns]
        counts = table.aggregate(
            [table.count().name("__rows")] + [table[c].count().name(c) for c in columns]
        ).to_pandas()
        total = int(counts["__rows"].iloc[0])
        for column in columns:
            filled = int(counts[column].iloc[0])
            rows.append((name, column, filled, total, filled / total if total else float("nan")))
    return pd.DataFrame(rows, columns=["table", "column", "filled", "rows", "share"])


def _date_ranges(data: CrmData) -> pd.DataFrame:
    rows = []
    for name in data.names:
        table = data.table(name)
        for column, kind in schema.TABLES[name].columns.items():
            if kind != schema.DATE or column not in table.columns:
                continue
            span = table.aggregate(first=table[column].min(), last=table[column].max()).to_pandas()
            rows.append((name, column, span["first"].iloc[0], span["last"].iloc[0]))
    return pd.DataFrame(rows, columns=["table", "column", "first", "last"])


def _statuses(deals: ibis.Table) -> pd.DataFrame:
    keys = ["status", "stage"] if "stage" in deals.columns else ["status"]
    out = deals.group_by(keys).aggregate(deals=deals.count(), amount=deals.amount.sum()).to_pandas()
    order = {s: i for i, s in enumerate(schema.STATUSES)}
    return out.sort_values(keys, key=lambda c: c.map(order) if c.name == "status" else c).reset_index(drop=True)


def _monthly(deals: ibis.Table) -> pd.DataFrame:
    dated = deals.filter(deals.created_at.notnull())
    month = dated.created_at.truncate("M").name("month")
    out = dated.group_by([month, dated.status]).aggregate(deals=dated.count()).to_pandas()
    return out.sort_values(["month", "status"]).reset_index(drop=True)


def _currencies(deals: ibis.Table, uses=()) -> pd.DataFrame:
    """Deals per currency; with data.fx, per currency as read and the rate it was converted at (the
    amounts are then all in the report currency, so no per-currency amount is shown)."""
    if any(use.months or use.rate not in (None, 1.0) for use in uses):
        rows = []
        for use in uses:
            rate = f"{use.rate:g}" if use.rate is not None else "; ".join(f"{m}: {r:g}" for m, r in use.months.items())
            rows.append((use.currency, use.rows, rate))
        frame = pd.DataFrame(rows, columns=["currency", "deals", "fx_rate"])
        return frame.sort_values("deals", ascending=False).reset_index(drop=True)
    if "currency" not in deals.columns:
        return pd.DataFrame(columns=["currency", "deals", "amount"])
    out = deals.group_by("currency").aggregate(deals=deals.count(), amount=deals.amount.sum()).to_pandas()
    return out.sort_values("deals", ascending=False).reset_index(drop=True)


def _reps(data: CrmData) -> pd.DataFrame:
    """Deals per rep, with each listed rep (none: 0 deals); the deals without an owner are one last row,
    rep_id "Unassigned", in no team and in no reps table (in_reps_table empty)."""
    deals = data.deals
    per_rep = deals.group_by("rep_id").aggregate(deals=deals.count()).to_pandas()
    owner_less = per_rep[per_rep["rep_id"].isna()]
    per_rep = per_rep[per_rep["rep_id"].notna()]
    bucket = pd.DataFrame(
        {
            "rep_id": [schema.UNASSIGNED],
            "team": [pd.NA],
            "deals": [int(owner_less["deals"].sum())],
            "in_reps_table": [pd.NA],
        }
    )
    bucket = bucket if len(owner_less) else bucket.iloc[0:0]
    if not data.has("reps"):
        per_rep["team"] = pd.NA
        per_rep["in_reps_table"] = False
        out = per_rep.sort_values("deals", ascending=False)
        return pd.concat([out, bucket], ignore_index=True).astype({"in_reps_table": "object"})
    reps = data.reps
    listed = reps.select("rep_id", *(["team"] if "team" in reps.columns else [])).to_pandas()
    if "team" not in listed:
        listed["team"] = pd.NA
    out = listed.merge(per_rep, on="rep_id", how="outer", indicator=True)
    out["deals"] = out["deals"].fillna(0).astype("int64")
    out["in_reps_table"] = out.pop("_merge").ne("right_only")
    out = out.sort_values(["deals", "rep_id"], ascending=[False, True])
    return pd.concat([out, bucket], ignore_index=True).astype({"in_reps_table": "object"})


def reps_without_deals(audit: DataAudit) -> list[str]:
    listed = audit.reps["in_reps_table"].eq(True)
    return sorted(audit.reps.loc[listed & audit.reps["deals"].eq(0), "rep_id"])


def _reason_list(frame: pd.DataFrame, lang: Language, limit: int = 6) -> str:
    top = frame.sort_values("rows", ascending=False).head(limit)
    return t("and", lang).join(f"{reason_label(r.reason, lang)} {fmt_int(r.rows)}" for r in top.itertuples())


def _findings(audit: DataAudit, lang: Language) -> list[str]:
    out = []
    owners = audit.owners
    if owners.get("unassigned"):
        out.append(
            t(
                "find.unassigned",
                lang,
                share=fmt_pct(owners["unassigned"] / owners["deals"], digits=0),
                count=fmt_int(owners["unassigned"]),
                deals=fmt_int(owners["deals"]),
                won=fmt_int(owners["unassigned_won"]),
            )
        )
    deals = audit.accounting.set_index("table").loc["deals"]
    deal_exclusions = audit.exclusions[audit.exclusions["table"].eq("deals")]
    if deals.rows_excluded == 0:
        out.append(t("find.accounting_clean", lang, read=fmt_int(deals.rows_read), used=fmt_int(deals.rows_used)))
    else:
        out.append(
            t(
                "find.accounting",
                lang,
                read=fmt_int(deals.rows_read),
                used=fmt_int(deals.rows_used),
                excluded=fmt_int(deals.rows_excluded),
                reasons=_reason_list(deal_exclusions, lang),
            )
        )
    counts = audit.statuses.groupby("status")["deals"].sum()
    won, lost = int(counts.get(schema.WON, 0)), int(counts.get(schema.LOST, 0))
    out.append(
        t(
            "find.statuses",
            lang,
            won=fmt_int(won),
            lost=fmt_int(lost),
            open=fmt_int(counts.get(schema.OPEN, 0)),
            conversion=fmt_pct(audit.conversion),
            deals=fmt_int(counts.sum()),
            win_rate=fmt_pct(won / (won + lost) if won + lost else float("nan")),
        )
    )
    others = audit.accounting[audit.accounting["table"].ne("deals")]
    if others["rows_excluded"].sum() > 0:
        other_exclusions = audit.exclusions[audit.exclusions["table"].ne("deals")]
        out.append(
            t(
                "find.other_exclusions",
                lang,
                excluded=fmt_int(others["rows_excluded"].sum()),
                read=fmt_int(others["rows_read"].sum()),
                reasons=_reason_list(other_exclusions, lang, limit=3),
            )
        )
    deal_flags = audit.flags[audit.flags["table"].eq("deals") & audit.flags["reason"].isin(FINDING_FLAGS)]
    items = [
        t(f"find.flag.{flag.reason}", lang, count=fmt_int(flag.rows), share=fmt_pct(flag.share))
        for flag in deal_flags[deal_flags["share"] >= FLAG_FINDING_SHARE]
        .sort_values("rows", ascending=False)
        .itertuples()
    ]
    if items:
        out.append(t("find.flags", lang, items=t("semicolon", lang).join(items)))
    remaps = [
        t("find.remap", lang, column=t(f"column.{r.column}", lang), old=r.old, new=r.new, rows=fmt_int(r.rows))
        for r in audit.remaps.sort_values("rows", ascending=False).head(3).itertuples()
    ]
    if remaps:
        out.append(t("find.remaps", lang, items=t("semicolon", lang).join(remaps)))
    idle = reps_without_deals(audit)
    if idle:
        listed = int(audit.reps["in_reps_table"].eq(True).sum())
        out.append(t("find.reps_without_deals", lang, count=len(idle), listed=listed, names=t("and", lang).join(idle)))
    if audit.moves is not None:
        deals_by_move = audit.moves.set_index("move")["deals"]
        out.append(
            t(
                "find.history",
                lang,
                share=fmt_pct(audit.history_deals / max(deals.rows_used, 1)),
                skip=fmt_int(deals_by_move["skip"]),
                backward=fmt_int(deals_by_move["backward"]),
                reopen=fmt_int(deals_by_move["reopen"]),
                late=fmt_int(deals_by_move["late_entry"]),
            )
        )
    else:
        out.append(t("audit.no_history", lang))
    if audit.survey_scale is not None:
        rows, top, scale = audit.survey_scale
        fields = dict(rows=fmt_int(rows), top=f"{top:g}")
        if scale is None:
            out.append(t("find.survey_scale_unknown", lang, **fields))
        else:
            out.append(t("find.survey_scale", lang, scale=f"{scale:g}", **fields))
    absent = [name for name in audit.absent if name != "stage_history"]
    if absent:
        out.append(t("find.absent", lang, tables=t("and", lang).join(t(f"table.{n}", lang) for n in absent)))
    return out


def excluded_rows_for_export(audit: DataAudit, lang: Language) -> pd.DataFrame:
    """Every excluded row with its table and reason in words, for the client to correct."""
    frame = audit.excluded_rows.copy()
    frame["table"] = frame["table"].map(lambda v: t(f"table.{v}", lang))
    frame["reason"] = frame["reason"].map(lambda v: reason_label(v, lang))
    return frame.rename(
        columns={"table": t("col.table", lang), "reason": t("col.reason", lang), ROW: t("col._row", lang)}
    )


def header_notes(data: CrmData, lang: Language) -> list[tuple[str, dict[str, str]]]:
    """The note under the report's title (label key, fields): names replaced by pseudonyms, if they are
    (:mod:`salesnb.data.anonymise`)."""
    anonymised = data.report.anonymised
    return [] if anonymised is None else [("audit.anonymised", anonymised.fields(lang))]


def preset_notes(preset) -> list[tuple[str, dict[str, str]]]:
    """The note under a CRM preset's mapping (label key, fields): files it did not recognise, if any."""
    if preset is None or not preset.unmatched_files:
        return []
    return [("audit.preset_unmatched", {"files": ", ".join(preset.unmatched_files)})]


def _row_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Example rows with the source row number first, as read from the file."""
    return frame[[ROW] + [c for c in frame.columns if c != ROW]] if ROW in frame else frame
