"""Params files: one YAML per client and period, validated before anything runs.

Every model forbids unknown keys, so a typo fails fast with a message naming the
file and the key (and the closest allowed key).
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from salesnb.config import REPO_ROOT
from salesnb.errors import ParamsError
from salesnb.safety import safe_folder_name


class _Model(BaseModel):
    # allow_inf_nan=False: a YAML `.inf` or `.nan` is never a sensible weight, share or rate.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


PositiveFloat = Annotated[float, Field(gt=0)]


def _as_text(value: Any) -> Any:
    """YAML scalars given where text is meant (``amount: 1``, ``won: yes``) as the text written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | date):
        return str(value)
    return value


class Lookup(_Model):
    """Columns added to a table from another file, joined on a key (e.g. account → sector)."""

    file: str
    key: str = Field(description="Column of the lookup file holding the join key.")
    on: str = Field(description="Canonical column of this table to join on.")
    columns: dict[str, str] = Field(description="Lookup-file column -> canonical column.")
    default: dict[str, str] = Field(
        default_factory=dict,
        description="Canonical column -> value for rows whose key is blank or not in the lookup file.",
    )
    encoding: str = "auto"
    delimiter: str = "auto"
    header_row: int | Literal["auto"] = "auto"
    sheet: str | int | None = None

    @field_validator("header_row")
    @classmethod
    def _header_row(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("header_row counts from 1 (the first line of the file)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, raw: Any) -> Any:
        # YAML 1.1 reads an unquoted `on:` key as the boolean true.
        if isinstance(raw, dict) and True in raw and "on" not in raw:
            raw = {("on" if k is True else k): v for k, v in raw.items()}
        if isinstance(raw, dict) and isinstance(raw.get("default"), dict):
            raw = {**raw, "default": {k: _as_text(v) for k, v in raw["default"].items()}}
        return raw

    @model_validator(mode="after")
    def _default_targets(self) -> Lookup:
        unknown = [c for c in self.default if c not in self.columns.values()]
        if unknown:
            raise ValueError(
                f"lookup default names {unknown}, which this lookup does not fill; "
                f"it fills {sorted(self.columns.values())}"
            )
        return self


class Condition(_Model):
    """A test on one column of a row: the cell is filled or blank (``present``), or holds one of ``equals``."""

    column: str = Field(description="A column of the file (matched ignoring case, spaces and punctuation).")
    present: bool | None = Field(None, description="true: the cell is filled; false: the cell is blank.")
    equals: list[str] | None = Field(
        None, description="Values that match (booleans: true also matches 1, yes, y, t, 是; false 0, no, n, f, 否)."
    )

    @model_validator(mode="before")
    @classmethod
    def _values(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "equals" in raw:
            equals = raw["equals"] if isinstance(raw["equals"], list) else [raw["equals"]]
            raw = {**raw, "equals": [_as_text(v) for v in equals]}
        return raw

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.present is None) == (self.equals is None):
            raise ValueError(f"{self.noun} on '{self.column}' needs exactly one of 'present' or 'equals'")
        return self

    noun: ClassVar[str] = "condition"


class StatusRule(Condition):
    """One rule of ``status_from``: rows where ``column`` is filled (``present``) or holds one of
    ``equals`` get ``status``. Rules are tried in order; a row no rule matched is open."""

    status: Literal["won", "lost", "open"]
    column: str = Field(description="A column of the file, or a canonical column (mapped or looked up).")

    noun: ClassVar[str] = "status rule"


class Melt(_Model):
    """A wide table made long: each header matching ``pattern`` gives one row per filled cell.

    HubSpot's deal export has a column ``Date entered <stage> (<pipeline>)`` per stage; with
    ``pattern: '^Date entered (?P<stage>.+?) \\((?P<pipeline>[^()]*)\\)$'`` every filled cell becomes
    a stage-history row: ``stage`` from the header, ``into`` (``entered_at``) from the cell.
    """

    pattern: str = Field(description="Regular expression over the headers with a named group 'stage'.")
    into: str = Field("entered_at", description="Canonical column the cells go to.")

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"melt.pattern {value!r} is not a regular expression: {exc}") from None
        if "stage" not in compiled.groupindex:
            raise ValueError(f"melt.pattern {value!r} needs a named group 'stage', e.g. (?P<stage>.+)")
        return value


class TableSource(_Model):
    """Where one canonical table comes from and how its columns map."""

    file: str | None = None
    table: str | None = None
    sheet: str | int | None = None
    encoding: str = "auto"
    delimiter: str = "auto"
    columns: dict[str, str | list[str]] = Field(
        default_factory=dict, description="Client column -> canonical column (or a list of them)."
    )
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Canonical column -> {client value: canonical value}."
    )
    constants: dict[str, str] = Field(default_factory=dict, description="Canonical column -> fixed value.")
    date_format: str | None = Field(None, description="strftime format of every date column, e.g. '%d/%m/%Y'.")
    decimal: Literal[".", ","] | None = Field(
        None, description="Decimal mark of the number columns (default: detected per column; refused if ambiguous)."
    )
    header_row: int | Literal["auto"] = Field(
        "auto", description="1-based row holding the column names; 'auto' skips title rows above it."
    )
    status_from: list[StatusRule] = Field(
        default_factory=list, description="Derive won/lost/open from dates or flags (deals only)."
    )
    lookups: list[Lookup] = Field(default_factory=list)
    where: list[Condition] = Field(
        default_factory=list,
        description="Rows to keep: a row must pass every condition; others are excluded as 'filtered:<column>'.",
    )
    melt: Melt | None = Field(None, description="Build a long table from a wide one (one row per filled cell).")
    parts: list[TableSource] = Field(
        default_factory=list, description="Several files (each with its own mapping) feeding this one table."
    )

    @field_validator("constants", mode="before")
    @classmethod
    def _constants_as_text(cls, value: Any) -> Any:
        return {k: _as_text(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("header_row")
    @classmethod
    def _header_row(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("header_row counts from 1 (the first line of the file)")
        return value

    @model_validator(mode="after")
    def _parts_alone(self) -> TableSource:
        if not self.parts:
            return self
        # The parts are read and mapped one by one, then parsed and checked as one table.
        own = sorted(self.model_fields_set - _WHOLE_TABLE_KEYS)
        if own:
            raise ValueError(
                f"a table made of 'parts' sets {', '.join(own)} in each part, not on the table "
                f"(on the table: {', '.join(sorted(_WHOLE_TABLE_KEYS))})"
            )
        for i, part in enumerate(self.parts):
            inner = sorted(part.model_fields_set & {"parts", "date_format", "decimal", "status_from"})
            if inner:
                raise ValueError(
                    f"parts[{i}] sets {', '.join(inner)}; a part cannot have parts, and date_format, decimal "
                    "and status_from are set once on the table, for every part"
                )
        return self


# Keys of a table made of parts that apply to the whole table (everything else is per part).
_WHOLE_TABLE_KEYS = {"parts", "date_format", "decimal", "status_from"}


TableName = Literal["deals", "stage_history", "reps", "activities", "targets", "surveys", "costs"]


class EngineConfig(_Model):
    """Bounds for the embedded DuckDB that reads, checks and serves the data."""

    memory_limit: str | None = Field(
        None, description="DuckDB memory_limit, e.g. '2GB' (default: a quarter of RAM, at most 2 GB)."
    )
    temp_dir: str | None = Field(None, description="Folder for DuckDB's spill files and the load's work files.")
    threads: int | None = Field(None, ge=1, description="DuckDB threads (default: all cores).")

    @field_validator("memory_limit")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", value, re.I):
            raise ValueError(f"memory_limit {value!r} is not a size like '2GB' or '512MB'")
        return value


# The installed presets, one YAML file each (salesnb.data.presets reads them; params only lists the names,
# so importing params never imports the presets, which import params).
PRESET_DIR = Path(__file__).resolve().parent / "data" / "presets"


def installed_presets() -> list[str]:
    """Names of the installed presets (the YAML files of salesnb/data/presets)."""
    return sorted(path.stem for path in PRESET_DIR.glob("*.yaml"))


class DataConfig(_Model):
    """The data source and the mapping of client columns onto the canonical schema."""

    source: str = Field("files", description="'files', a DuckDB file path, or an Ibis connection URL.")
    preset: str = Field(
        "generic",
        description="An installed preset (generic, maven_crm, salesforce, hubspot, jiandaoyun, …) or the path of a "
        "preset YAML file of your own (relative to the params file).",
    )
    base_dir: str = "."
    tables: dict[TableName, TableSource] = Field(default_factory=dict)
    engine: EngineConfig = Field(default_factory=lambda: EngineConfig())
    timezone: str | None = Field(
        None,
        description="IANA zone (e.g. Asia/Shanghai) that timestamps with an offset are converted to; "
        "unset: the local time as written is kept. Timestamps without an offset are never shifted.",
    )
    fx: dict[str, float | dict[str, float]] = Field(
        default_factory=dict,
        description="Currency -> rate into the report currency, or {'YYYY-MM': rate} per month of the deal's "
        "close (else creation) date.",
    )
    normalise_ids: bool = Field(
        True, description="Compare ids as numbers when they are numbers: '015', '15' and '15.0' are one id."
    )

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value.endswith((".yaml", ".yml")):
            return value  # a preset file of one's own: read (and checked) when the tables are resolved
        names = installed_presets()
        if value not in names:
            raise ValueError(
                f"no preset named {value!r}{_did_you_mean(value, names)}; the installed presets are "
                f"{', '.join(names)} (or give the path of a preset .yaml file)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {value!r} is not an IANA time zone such as 'Asia/Shanghai' or 'UTC'") from None
        return value

    @field_validator("fx", mode="before")
    @classmethod
    def _fx(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for currency, rate in value.items():
            if isinstance(rate, dict):
                months = {}
                for month, r in rate.items():
                    key = month.strftime("%Y-%m") if isinstance(month, date) else str(month)
                    if not re.fullmatch(r"\d{4}-\d{2}", key):
                        raise ValueError(f"fx.{currency}: month {month!r} is not YYYY-MM")
                    months[key] = r
                rate = months
            out[str(currency).strip().upper()] = rate
        return out

    @field_validator("fx")
    @classmethod
    def _positive_rates(cls, value: dict) -> dict:
        for currency, rate in value.items():
            rates = rate.values() if isinstance(rate, dict) else [rate]
            if any(not (r > 0 and r < float("inf")) for r in rates):
                raise ValueError(f"fx.{currency}: rates must be positive numbers")
        return value


class StageConfig(_Model):
    """Pipeline stages in order (won stage last) and the won/lost stage names."""

    order: list[str] = Field(min_length=2)
    won: str
    lost: str
    skipped: Literal["count_as_passed", "as_recorded"] = "count_as_passed"

    @model_validator(mode="after")
    def _won_in_order(self) -> StageConfig:
        repeated = sorted({name for name in self.order if self.order.count(name) > 1})
        if repeated:
            raise ValueError(f"stage(s) {repeated} appear more than once in 'order'; each stage is listed once")
        if self.won not in self.order:
            raise ValueError(f"won stage {self.won!r} must be one of 'order' {self.order}")
        if self.lost in self.order:
            raise ValueError(f"lost stage {self.lost!r} must not be in 'order'")
        return self


class Period(_Model):
    """The reporting period: a label plus first and last day."""

    label: str
    start: date
    end: date


class AuditParams(_Model):
    enabled: bool = True
    example_rows: int = Field(5, ge=1, le=50)


class DiagnosisParams(_Model):
    enabled: bool = True
    scorecard_window: Literal["period", "trailing_12_months"] = "period"
    min_closed_deals: int = Field(30, ge=1, description="Reps with fewer closed deals are flagged, not ranked.")
    rolling_months: int = Field(3, ge=2, le=12)
    new_rep_months: float = Field(6, gt=0)
    low_activity_share: float = Field(0.5, gt=0, lt=1, description="Below this share of the median: low activity.")
    # Ignored since training goes only to reps whose win rate is significantly below the team;
    # still accepted so older params files keep validating.
    low_conversion_quantile: float = Field(0.25, gt=0, lt=1)
    bottom_share: float = Field(0.2, gt=0, lt=1)


class CommissionBand(_Model):
    at: float = Field(ge=0, description="Attainment (1.0 = 100 %) from which this rate applies.")
    rate: float = Field(ge=0, le=1)


class CommissionParams(_Model):
    mode: Literal["marginal", "flat"] = "marginal"
    bands: list[CommissionBand] = Field(
        default_factory=lambda: [
            CommissionBand(at=0.0, rate=0.03),
            CommissionBand(at=1.0, rate=0.05),
            CommissionBand(at=1.2, rate=0.08),
        ],
        min_length=1,
    )
    cap_attainment: float | None = Field(1.5, gt=0, description="Revenue above this attainment earns nothing more.")
    simulations: int = Field(5000, ge=100, le=200_000)
    seed: int = 7

    @model_validator(mode="after")
    def _bands_ordered(self) -> CommissionParams:
        starts = [b.at for b in self.bands]
        if starts != sorted(starts) or len(set(starts)) != len(starts) or starts[0] != 0:
            raise ValueError(f"commission bands must start at 0 and rise strictly; got 'at' values {starts}")
        if self.cap_attainment is not None and starts[-1] >= self.cap_attainment:
            raise ValueError(
                f"cap_attainment {self.cap_attainment:g} is at or below the band starting at {starts[-1]:g}, "
                "which could then never pay; raise the cap above the last band's 'at' or drop that band"
            )
        return self


class TargetsParams(_Model):
    enabled: bool = True
    metric: Literal["revenue", "won_deals", "new_customers", "csat"] = "revenue"
    target_period: str | None = Field(
        None, description="Default: the period after 'period'; if given, it starts right after 'period'."
    )
    method: Literal[
        "auto", "last_period_uplift", "weighted_average", "regression_seasonal", "exponential_smoothing"
    ] = "auto"
    uplift: float = Field(0.10, ge=-0.5, le=1, description="The 'last period × (1 + uplift)' rule.")
    weights: list[PositiveFloat] = Field(
        default_factory=lambda: [3.0, 2.0, 1.0], min_length=1, description="Moving-average weights, latest month first."
    )
    stretch: float = Field(0.15, ge=0, le=1)
    backtest_periods: int = Field(4, ge=1, le=12)
    min_history_months: int = Field(6, ge=3)
    seasonality_months: int = Field(12, ge=12, le=12)
    too_easy: float = Field(0.9, gt=0, lt=1)
    too_hard: float = Field(0.3, gt=0, lt=1)
    split: Literal["capability_tier", "history_share", "equal"] = "capability_tier"
    tier_weights: dict[Literal["A", "B", "C"], PositiveFloat] = Field(
        default_factory=lambda: {"A": 1.25, "B": 1.0, "C": 0.8}
    )
    ramp_months: float = Field(4, gt=0)
    ramp_start_share: float = Field(0.25, ge=0, le=1)
    floor_share: float = Field(0.5, ge=0, le=1, description="Lowest rep target as a share of the average.")
    cap_share: float = Field(2.0, ge=1, description="Highest rep target as a multiple of the average.")
    rounding: float = Field(1, gt=0, description="Targets are whole multiples of this (currency units).")
    holidays_country: str = "CN"
    as_of: date | None = Field(None, description="Date for pacing a period in progress (default: today).")
    behind_threshold: float = Field(0.9, gt=0, le=1)
    commission: CommissionParams = CommissionParams()

    @field_validator("target_period", mode="before")
    @classmethod
    def _target_period_text(cls, value: Any) -> Any:
        return _as_text(value)  # `target_period: 2026` is a YAML number

    @field_validator("target_period")
    @classmethod
    def _target_period_form(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_period(value)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a period; write it like 2026-Q1, 2026-01, 2026-H1, 2026 or FY2026"
                ) from None
        return value

    @field_validator("holidays_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        return holiday_country(value)

    @field_validator("tier_weights")
    @classmethod
    def _every_tier(cls, value: dict[str, float]) -> dict[str, float]:
        missing = [tier for tier in ("A", "B", "C") if tier not in value]
        if missing:
            raise ValueError(f"give a weight for each tier A, B and C; missing {', '.join(missing)}")
        return value

    @model_validator(mode="after")
    def _thresholds(self) -> TargetsParams:
        if self.too_hard >= self.too_easy:
            raise ValueError(f"too_hard ({self.too_hard:g}) must be below too_easy ({self.too_easy:g})")
        return self


class FunnelParams(_Model):
    enabled: bool = True
    mode: Literal["cohort", "period"] = Field(
        "cohort", description="cohort: deals created in the window; period: stage entries in it."
    )
    window: Literal["period", "trailing_12_months"] = "trailing_12_months"
    min_deals: int = Field(20, ge=1, description="Groups with fewer deals at a step are flagged, not tested.")
    alpha: float = Field(0.05, gt=0, lt=1)
    stuck_quantile: float = Field(0.9, gt=0.5, lt=1)
    target_conversion: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=dict, description="Stage -> next-step conversion target (a share, 0 < target <= 1)."
    )
    cohort_months: int = Field(12, ge=2, le=36)
    lost_stage_without_history: str | None = Field(
        None, description="Without stage history: stage lost deals had reached."
    )
    as_of: date | None = Field(
        None, description="'Today' for stuck deals and velocity (default: latest date in the data)."
    )


class CaseStudyParams(_Model):
    enabled: bool = True
    name: str = "Intervention"
    date: dt.date | None = Field(None, description="First day of the intervention; without it the report says so.")
    treated_teams: list[str] = Field(default_factory=list)
    treated_reps: list[str] = Field(default_factory=list)
    control_teams: list[str] | None = Field(None, description="Default: every team not treated.")
    kpis: list[Literal["win_rate", "cycle_days", "deal_size", "csat", "attrition"]] = Field(
        default_factory=lambda: ["win_rate", "cycle_days", "deal_size", "csat", "attrition"]
    )
    before_months: int = Field(12, ge=1, le=60)
    after_months: int = Field(12, ge=1, le=60)
    washout_days: int = Field(0, ge=0, le=365)
    permutations: int = Field(500, ge=50, le=20_000)
    bootstrap: int = Field(1000, ge=100, le=20_000)
    seed: int = 7
    alpha: float = Field(0.05, gt=0, lt=0.5)
    power: float = Field(0.8, gt=0.5, lt=1)

    @model_validator(mode="after")
    def _treated(self) -> CaseStudyParams:
        if self.date is not None and not (self.treated_teams or self.treated_reps):
            raise ValueError("name the treated units: treated_teams or treated_reps")
        return self


class AnonymiseParams(_Model):
    """Anonymised sharing: rep, manager, team and account names replaced by pseudonyms (Rep 01, Account 001).

    ``anonymise: true`` turns it on; ``anonymise: {key_file: keys/acme.json}`` also writes the key that maps
    the pseudonyms back (and keeps them the same on every run). See salesnb.data.anonymise.
    """

    enabled: bool = Field(False, description="Replace rep, manager, team and account names by pseudonyms.")
    key_file: str | None = Field(
        None,
        description="JSON file mapping pseudonyms back to names (relative to the params file; never inside the "
        "output folder). With it the same name keeps its pseudonym on every run; without it nothing maps back.",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, raw: Any) -> Any:
        # `anonymise: true` / `false`, or a mapping that names a key file (on unless enabled: false).
        if isinstance(raw, bool):
            return {"enabled": raw}
        if isinstance(raw, dict) and raw and "enabled" not in raw:
            return {**raw, "enabled": True}
        return raw


class ReportsConfig(_Model):
    audit: AuditParams = AuditParams()
    diagnosis: DiagnosisParams = DiagnosisParams()
    targets: TargetsParams = TargetsParams()
    funnel: FunnelParams = FunnelParams()
    case_study: CaseStudyParams = CaseStudyParams()


class Params(_Model):
    """A validated params file."""

    client: str = Field(description="Names the output folder: see salesnb.safety.safe_folder_name.")
    period: Period
    language: Literal["zh", "en"] = "en"
    currency: str = "CNY"
    fiscal_year_start: int = Field(1, ge=1, le=12)
    stages: StageConfig
    data: DataConfig
    reports: ReportsConfig = ReportsConfig()
    anonymise: AnonymiseParams = Field(
        default_factory=lambda: AnonymiseParams(),
        description="true, or {key_file: path}: names replaced by pseudonyms in every report (see README).",
    )
    # Where the file was read from; relative data paths resolve against its folder.
    source_path: Path | None = Field(None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _parse_period(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and isinstance(raw.get("period"), (str, int)):
            fy_start = raw.get("fiscal_year_start", 1)
            if isinstance(fy_start, int) and 1 <= fy_start <= 12:
                raw = {**raw, "period": parse_period(str(raw["period"]), fiscal_year_start=fy_start)}
        return raw

    @field_validator("period")
    @classmethod
    def _period_ordered(cls, period: Period) -> Period:
        if period.end < period.start:
            raise ValueError(f"period ends ({period.end}) before it starts ({period.start})")
        safe_folder_name(period.label, "period label")
        return period

    @field_validator("client")
    @classmethod
    def _client_is_a_folder_name(cls, client: str) -> str:
        return safe_folder_name(client, "client")

    @model_validator(mode="after")
    def _cross_field(self) -> Params:
        _check_stage_names(self)
        _check_target_period(self)
        return self

    @property
    def base_dir(self) -> Path:
        root = self.source_path.parent if self.source_path else Path.cwd()
        return (root / self.data.base_dir).resolve()

    @property
    def output_dir_name(self) -> str:
        return f"{self.client}/{self.period.label}"


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_stage_names(params: Params) -> None:
    """Every stage named outside ``stages`` must be one ``stages`` defines (a typo would be silently ignored)."""
    stages = params.stages
    # The won stage is last: it has no next step to convert to, and a lost deal never reached it.
    steps = [name for name in stages.order if name != stages.won]
    for name in params.reports.funnel.target_conversion:
        if name not in steps:
            raise ValueError(
                f"reports.funnel.target_conversion names stage {name!r}{_did_you_mean(name, steps)}, which is not "
                f"a step of stages.order; targets are set for the steps {', '.join(steps)} "
                "(the conversion from that stage to the next)"
            )
    lost_at = params.reports.funnel.lost_stage_without_history
    if lost_at is not None and lost_at not in steps:
        raise ValueError(
            f"reports.funnel.lost_stage_without_history is {lost_at!r}{_did_you_mean(lost_at, steps)}, which is "
            f"not a stage a lost deal can have reached; choose one of {', '.join(steps)}"
        )
    known = [*stages.order, stages.lost]
    for table, whole in params.data.tables.items():
        mapped = []
        for source in [whole, *whole.parts]:
            mapped += list(source.values.get("stage", {}).values())
            if "stage" in source.constants:
                mapped.append(source.constants["stage"])
        for name in mapped:
            if name not in known:
                raise ValueError(
                    f"data.tables.{table} maps a stage onto {name!r}{_did_you_mean(name, known)}, which is not in "
                    f"stages.order or stages.lost; the stages are {', '.join(known)}"
                )


def _check_target_period(params: Params) -> None:
    """An explicit target period must follow the reporting period: targets are forecast from the months
    up to the period's end, for the months right after it."""
    text = params.reports.targets.target_period
    if text is None:
        return
    target = parse_period(text, fiscal_year_start=params.fiscal_year_start)
    end = params.period.end
    next_month = _month_end(end.replace(day=1), 1) + dt.timedelta(days=1)
    if target["start"] <= end:
        raise ValueError(
            f"reports.targets.target_period {text!r} starts on {target['start']}, not after the reporting period "
            f"{params.period.label} (which ends on {end}); targets are set for a period after the one reported on, "
            f"e.g. the one starting on {next_month} (leave target_period out for the next period)"
        )
    if target["start"] > next_month:
        raise ValueError(
            f"reports.targets.target_period {text!r} starts on {target['start']}, leaving a gap after the "
            f"reporting period {params.period.label} (which ends on {end}); the forecast covers the months right "
            f"after the reporting period, so the target period must start on {next_month} "
            "(leave target_period out for the next period)"
        )


def holiday_country(value: str) -> str:
    """``value`` as a country code the ``holidays`` package knows (upper case), or a ValueError naming close ones.

    >>> holiday_country("cn")
    'CN'
    """
    import holidays

    code = str(value).strip().upper()
    supported = holidays.list_supported_countries()
    if code in supported:
        return code
    names = {}  # "china" -> "CN"
    for entry in holidays.registry.COUNTRIES.values():
        class_name, alpha2 = entry[0], entry[1]
        names[re.sub(r"[^a-z]", "", class_name.lower())] = alpha2
    typed = re.sub(r"[^a-z]", "", str(value).lower())
    if typed in names:
        hint = f"; did you mean '{names[typed]}'?"
    else:
        codes = difflib.get_close_matches(code, list(supported), n=3, cutoff=0.6)
        codes += [names[n] for n in difflib.get_close_matches(typed, list(names), n=2, cutoff=0.75)]
        codes = list(dict.fromkeys(codes))
        hint = f"; did you mean {' or '.join(repr(c) for c in codes)}?" if codes else ""
    raise ValueError(
        f"{value!r} is not a country the holidays package knows (ISO 3166 codes such as CN, US, GB, DE, JP){hint}"
    )


_PERIOD_PATTERNS = {
    "quarter": re.compile(r"^(\d{4})-?Q([1-4])$", re.I),
    "half": re.compile(r"^(\d{4})-?H([12])$", re.I),
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "year": re.compile(r"^(\d{4})$"),
    "fiscal_year": re.compile(r"^FY(\d{4})$", re.I),
}


def parse_period(text: str, *, fiscal_year_start: int = 1) -> dict[str, Any]:
    """Turn '2025-Q4', '2025-11', '2025-H1', '2025' or 'FY2025' into label/start/end.

    Quarters, halves and fiscal years count from ``fiscal_year_start`` (a month);
    FY2025 is the fiscal year that ends in calendar 2025 when it does not start in January.

    >>> parse_period("2025-Q1", fiscal_year_start=4)["start"]
    datetime.date(2024, 4, 1)
    """
    text = text.strip()
    if m := _PERIOD_PATTERNS["quarter"].match(text):
        year, n = int(m[1]), int(m[2])
        start = _fiscal_month(year, fiscal_year_start, 3 * (n - 1))
        return {"label": f"{year}-Q{n}", "start": start, "end": _month_end(start, 3)}
    if m := _PERIOD_PATTERNS["half"].match(text):
        year, n = int(m[1]), int(m[2])
        start = _fiscal_month(year, fiscal_year_start, 6 * (n - 1))
        return {"label": f"{year}-H{n}", "start": start, "end": _month_end(start, 6)}
    if m := _PERIOD_PATTERNS["month"].match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"period {text!r}: month must be 1-12")
        start = date(year, month, 1)
        return {"label": f"{year}-{month:02d}", "start": start, "end": _month_end(start, 1)}
    if m := _PERIOD_PATTERNS["fiscal_year"].match(text) or _PERIOD_PATTERNS["year"].match(text):
        year = int(m[1])
        start = _fiscal_month(year, fiscal_year_start, 0)
        label = f"FY{year}" if text.upper().startswith("FY") else str(year)
        return {"label": label, "start": start, "end": _month_end(start, 12)}
    raise ValueError(
        f"period {text!r} not understood; use e.g. 2025-Q4, 2025-11, 2025-H1, 2025, FY2025 "
        "or a mapping with label, start and end"
    )


def _fiscal_month(year: int, fiscal_year_start: int, offset_months: int) -> date:
    # A fiscal year starting in April 2024 and ending in March 2025 is FY2025.
    first_year = year if fiscal_year_start == 1 else year - 1
    index = (fiscal_year_start - 1) + offset_months
    return date(first_year + index // 12, index % 12 + 1, 1)


def _month_end(start: date, months: int) -> date:
    index = start.month - 1 + months - 1
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def resolve_params_path(path: str | Path) -> Path:
    """Find a params file as given, or relative to the repository root."""
    candidate = Path(path).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    if not candidate.is_absolute() and (REPO_ROOT / candidate).is_file():
        return (REPO_ROOT / candidate).resolve()
    raise ParamsError(f"{path}: params file not found (looked in {Path.cwd()} and {REPO_ROOT}).")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, list | dict):
                continue  # unhashable: PyYAML reports it itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} given twice (first at line {seen[key]})", key_node.start_mark
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_params(path: str | Path) -> Params:
    """Read and validate a params file; raise ParamsError with one readable paragraph."""
    resolved = resolve_params_path(path)
    try:
        raw = yaml.load(resolved.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParamsError(f"{resolved}: not valid YAML{where}: {problem}.") from None
    except UnicodeDecodeError:
        raise ParamsError(f"{resolved}: params files must be UTF-8 text.") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{resolved}: expected a mapping of keys (client, period, data, …) at the top level.")
    try:
        params = Params.model_validate(raw)
    except ValidationError as exc:
        raise ParamsError(f"{resolved}: {_describe(exc)}") from None
    except ValueError as exc:  # raised by parse_period before field validation
        raise ParamsError(f"{resolved}: {exc}.") from None
    return params.model_copy(update={"source_path": resolved})


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            parent = _model_at(error["loc"][:-1])
            allowed = sorted(parent.model_fields) if parent else []
            allowed = [name for name in allowed if name != "source_path"]
            close = difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"unknown key '{loc}'{hint}; allowed here: {', '.join(allowed)}")
        elif kind == "missing":
            problems.append(f"missing required key '{loc}'")
        else:
            message = error["msg"].removeprefix("Value error, ")
            given = error.get("input")
            quoted = isinstance(given, str) and repr(given) in message  # the message names the value already
            shown = f" (got {given!r})" if not isinstance(given, dict | list) and not quoted else ""
            problems.append(f"'{loc}': {message}{shown}" if loc else message)
    return "invalid params: " + "; ".join(problems) + "."


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model reached by following ``loc`` from Params (dict keys skipped)."""
    model: Any = Params
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            continue  # a dict key such as a table name
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
