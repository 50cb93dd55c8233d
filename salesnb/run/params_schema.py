"""The params file described for people and editors: ``docs/params.md`` and a JSON Schema.

Both come from the pydantic models of :mod:`salesnb.params`. A field's text is its
``Field(description=...)``, else its entry in :data:`FIELD_HELP` here; ``tests/test_docs.py`` fails
when a field has neither, or both. What the models accept but JSON Schema cannot say on its own is
added by :func:`params_json_schema`: a period written as text (``2025-Q4``), scalars where text is
meant (``constants: {amount: 1}``), the installed preset names, and keys such as the table names
spelled out as properties so editors can complete them.

``salesnb schema`` prints the schema; a params file whose first line is
``# yaml-language-server: $schema=../docs/params.schema.json`` is completed and checked by editors
that use the YAML language server (VS Code's YAML extension, among others).

>>> params_json_schema()["properties"]["period"]["anyOf"][0]["examples"][0]
'2025-Q4'
"""

from __future__ import annotations

import copy
import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from salesnb import params as p

# Text for the fields whose model gives no description (model name, field name).
FIELD_HELP: dict[tuple[str, str], str] = {
    ("Params", "period"): "Reporting period: 2025-Q4, 2025-11, 2025-H1, 2025, FY2025, or {label, start, end}.",
    ("Params", "language"): "Language of every label in the reports.",
    ("Params", "currency"): "Report currency (ISO code); deals in other currencies need data.fx.",
    ("Params", "fiscal_year_start"): "Month the fiscal year starts; quarters, halves and FY count from it "
    "(with 4, FY2025 = 2024-04-01 .. 2025-03-31).",
    ("Params", "stages"): "Pipeline stages in order and the names of the won and lost stages.",
    ("Params", "data"): "Where the data comes from and how its columns map onto the canonical tables.",
    ("Params", "reports"): "Options of each report.",
    ("Period", "label"): "The period's name in titles and in the output folder.",
    ("Period", "start"): "First day of the period.",
    ("Period", "end"): "Last day of the period (inclusive).",
    ("StageConfig", "order"): "Pipeline stages in order, the won stage last.",
    ("StageConfig", "won"): "The won stage (the last of order).",
    ("StageConfig", "lost"): "The lost stage (not in order).",
    ("StageConfig", "skipped"): "count_as_passed: a deal that reached a later stage passed the stages it skipped; "
    "as_recorded: only the stages in its history count.",
    ("DataConfig", "base_dir"): "Folder of the data files, relative to the params file.",
    ("DataConfig", "tables"): "Per canonical table (deals, stage_history, reps, activities, targets, surveys, "
    "costs): where it comes from and how it maps; overrides what the preset gives.",
    ("DataConfig", "engine"): "Bounds for the embedded DuckDB that reads, checks and serves the data.",
    ("TableSource", "file"): "CSV, XLSX or Parquet file, relative to data.base_dir.",
    ("TableSource", "table"): "Table (or view) of data.source when it is a database.",
    ("TableSource", "sheet"): "XLSX sheet: its name, or its number counted from 0.",
    ("TableSource", "encoding"): "'auto' detects UTF-8 (with or without BOM), UTF-16, GB18030/GBK and cp1252; "
    "or a Python codec name.",
    ("TableSource", "delimiter"): "'auto' detects , ; tab | and multi-character delimiters; or the delimiter.",
    ("TableSource", "lookups"): "Columns added from other files, joined on a key.",
    ("StatusRule", "status"): "Status of the rows the rule matches.",
    ("Lookup", "file"): "The lookup file, relative to data.base_dir.",
    ("Lookup", "encoding"): "As for the table.",
    ("Lookup", "delimiter"): "As for the table.",
    ("Lookup", "header_row"): "As for the table.",
    ("Lookup", "sheet"): "As for the table.",
    ("ReportsConfig", "audit"): "Report 00, data audit.",
    ("ReportsConfig", "diagnosis"): "Report 01, sales diagnosis.",
    ("ReportsConfig", "targets"): "Report 02, targets.",
    ("ReportsConfig", "funnel"): "Report 03, sales funnel.",
    ("ReportsConfig", "case_study"): "Report 04, case study.",
    ("AuditParams", "enabled"): "Render this report.",
    ("AuditParams", "example_rows"): "Example rows shown per exclusion reason.",
    ("DiagnosisParams", "enabled"): "Render this report.",
    ("DiagnosisParams", "scorecard_window"): "Window of the rep scorecard: the params period, or the 12 months "
    "up to its end (more closed deals per rep).",
    ("DiagnosisParams", "rolling_months"): "Months in the rolling line of the monthly trend.",
    ("DiagnosisParams", "new_rep_months"): "Reps with less tenure (months) get the 'pair with a senior rep' action.",
    ("DiagnosisParams", "low_conversion_quantile"): "Not used (accepted so older params files validate): training "
    "goes to reps whose win rate is significantly below the team's.",
    ("DiagnosisParams", "bottom_share"): "Reps at or below this quantile of revenue get the one-to-one coaching "
    "action.",
    ("TargetsParams", "enabled"): "Render this report.",
    ("TargetsParams", "metric"): (
        "What the target is set on. A sum (revenue, won deals, new customers) is split to reps and phased; "
        "a mean (csat) is every rep's target for every month as it is."
    ),
    ("TargetsParams", "method"): "auto: the lowest backtest MAPE when at least 2 periods can be held out, else the "
    "weighted moving average; or one method by name.",
    ("TargetsParams", "stretch"): "Target = forecast × (1 + stretch).",
    ("TargetsParams", "backtest_periods"): "Past periods held out to measure each method's error.",
    ("TargetsParams", "min_history_months"): "Months of history a forecast needs (and each backtest's training set).",
    ("TargetsParams", "seasonality_months"): "Season length in months (only 12); seasonal methods need twice that.",
    ("TargetsParams", "too_easy"): "Warn when the chance of reaching the target is above this.",
    ("TargetsParams", "too_hard"): "Warn when the chance of reaching the target is below this.",
    ("TargetsParams", "split"): "How the team target is split to reps.",
    ("TargetsParams", "tier_weights"): "Weights of the capability tiers A, B and C (split: capability_tier).",
    ("TargetsParams", "ramp_months"): "Months over which a new rep ramps up to a full target.",
    ("TargetsParams", "ramp_start_share"): "Share of a full target a new rep starts at.",
    ("TargetsParams", "holidays_country"): "Country whose public holidays are not working days (a code of the "
    "holidays package: CN, US, DE, …).",
    ("TargetsParams", "behind_threshold"): "Reps below this share of their phased target to date are listed as behind.",
    ("TargetsParams", "commission"): "Tiered commission and its expected cost.",
    ("CommissionParams", "mode"): "marginal: each band's revenue at its rate; flat: all revenue at the rate of the "
    "band reached.",
    ("CommissionParams", "bands"): "Rates by attainment band; the first band starts at 0.",
    ("CommissionParams", "simulations"): "Seeded simulations behind the reps' chances and the expected payout.",
    ("CommissionParams", "seed"): "Random seed of the simulations.",
    ("CommissionBand", "rate"): "Commission rate (0.05 = 5 %).",
    ("FunnelParams", "enabled"): "Render this report.",
    ("FunnelParams", "window"): "Deals counted: those of the 12 months up to the period end, or of the period.",
    ("FunnelParams", "alpha"): "Significance level of group differences (Holm-corrected).",
    ("FunnelParams", "stuck_quantile"): "Stuck = longer in the current stage than this quantile of the time deals "
    "that left it spent there.",
    ("FunnelParams", "cohort_months"): "Creation-month cohorts shown.",
    ("CaseStudyParams", "enabled"): "Render this report.",
    ("CaseStudyParams", "name"): "Name of the intervention in the report.",
    ("CaseStudyParams", "treated_teams"): "Whole teams that got the intervention (p-values and intervals count teams).",
    ("CaseStudyParams", "treated_reps"): "Single reps that got it, a pilot (p-values and intervals count reps).",
    ("CaseStudyParams", "kpis"): "KPIs compared before and after.",
    ("CaseStudyParams", "before_months"): "Months before the date compared.",
    ("CaseStudyParams", "after_months"): "Months after the date compared.",
    ("CaseStudyParams", "washout_days"): "Deals created in the first days after the date are left out.",
    ("CaseStudyParams", "permutations"): "Random assignments of 'treated' drawn when there are too many to "
    "enumerate (seeded).",
    ("CaseStudyParams", "bootstrap"): "Bootstrap resamples (median intervals, the interrupted time series).",
    ("CaseStudyParams", "seed"): "Random seed.",
    ("CaseStudyParams", "alpha"): "Significance level.",
    ("CaseStudyParams", "power"): "Power for the minimum detectable effect.",
}

# Fields that are not keys of a params file.
INTERNAL_FIELDS = {("Params", "source_path")}

PERIOD_EXAMPLES = ["2025-Q4", "2025-11", "2025-H1", "2025", "FY2025"]
# The forms salesnb.params.parse_period reads (its patterns, anchored for JSON Schema).
PERIOD_PATTERN = r"^\s*(\d{4}-?[Qq][1-4]|\d{4}-?[Hh][12]|\d{4}-\d{1,2}|\d{4}|[Ff][Yy]\d{4})\s*$"
SCALAR = {"type": ["string", "number", "boolean"]}

MODELS_SECTION_ROOT = "Params"


def models() -> dict[str, type[BaseModel]]:
    """Every model a params file can hold, by class name, in the order a reader meets them."""
    found: dict[str, type[BaseModel]] = {}

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in found:
            return
        found[model.__name__] = model
        for name, field in model.model_fields.items():
            if (model.__name__, name) not in INTERNAL_FIELDS:
                for inner in _inner_models(field.annotation):
                    visit(inner)

    visit(p.Params)
    return found


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _inner_models(arg)]


def description(model: type[BaseModel], name: str) -> str:
    """The text of one field: its pydantic description, else :data:`FIELD_HELP`."""
    field = model.model_fields[name]
    return field.description or FIELD_HELP.get((model.__name__, name), "")


# --- JSON Schema ----------------------------------------------------------------------------------------------------


def params_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a params file, for editors and other tools."""
    schema = p.Params.model_json_schema(mode="validation")
    defs = schema.setdefault("$defs", {})
    for name, model in models().items():
        node = schema if name == MODELS_SECTION_ROOT else defs[name]
        _describe_model(node, model)
    root = schema["properties"]
    root["period"] = {
        "description": root["period"]["description"],
        "anyOf": [
            {"type": "string", "pattern": PERIOD_PATTERN, "examples": PERIOD_EXAMPLES},
            {"type": "integer", "minimum": 1000, "maximum": 9999},
            {"$ref": "#/$defs/Period"},
        ],
    }
    if "anonymise" in root:  # `anonymise: true` is short for {enabled: true}
        root["anonymise"] = {
            "description": root["anonymise"].get("description", ""),
            "anyOf": [{"type": "boolean"}, {"$ref": "#/$defs/AnonymiseParams"}],
        }
    table = defs["TableSource"]["properties"]
    table["constants"]["additionalProperties"] = SCALAR
    defs["Lookup"]["properties"]["default"]["additionalProperties"] = SCALAR
    for name in ("Condition", "StatusRule"):
        equals = defs[name]["properties"]["equals"]
        equals["anyOf"] = [{"type": "array", "items": SCALAR}, SCALAR, {"type": "null"}]
    target_period = defs["TargetsParams"]["properties"]["target_period"]
    target_period["anyOf"] = [{"type": "string", "pattern": PERIOD_PATTERN}, {"type": "integer"}, {"type": "null"}]
    preset = defs["DataConfig"]["properties"]["preset"]
    preset["anyOf"] = [{"enum": p.installed_presets()}, {"type": "string", "pattern": r"\.ya?ml$"}]
    preset.pop("type", None)
    _spell_out_keys(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "salesnb params file",
        "description": "One YAML file per client and period (docs/params.md). Generated from salesnb/params.py "
        "by `salesnb schema`; do not edit.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def _describe_model(node: dict[str, Any], model: type[BaseModel]) -> None:
    doc = _first_paragraph(model.__doc__)
    if doc:
        node["description"] = doc
    props = node.get("properties", {})
    for name in list(props):
        if (model.__name__, name) in INTERNAL_FIELDS:
            del props[name]
            continue
        prop = props[name]
        prop.pop("title", None)
        text = description(model, name)
        if text:
            prop["description"] = text
        if "$ref" in prop or (
            "anyOf" in prop
            and any("$ref" in choice for choice in prop["anyOf"])
            and isinstance(prop.get("default"), dict)
        ):
            prop.pop("default", None)  # a nested section: its own keys carry the defaults
    if "required" in node:
        node["required"] = [r for r in node["required"] if (model.__name__, r) not in INTERNAL_FIELDS]


def _spell_out_keys(node: Any) -> None:
    """Maps whose keys are a closed list (table names, tiers) as objects with those properties."""
    if isinstance(node, dict):
        names = node.get("propertyNames", {}).get("enum")
        if names and isinstance(node.get("additionalProperties"), dict):
            value = node.pop("additionalProperties")
            node.pop("propertyNames")
            node["properties"] = {name: copy.deepcopy(value) for name in names}
            node["additionalProperties"] = False
        for value in node.values():
            _spell_out_keys(value)
    elif isinstance(node, list):
        for value in node:
            _spell_out_keys(value)


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split())


# --- docs/params.md -------------------------------------------------------------------------------------------------

# Where each model sits in a params file (the first place a reader meets it).
SECTION_PATHS: dict[str, str] = {
    "Params": "(top level)",
    "Period": "period",
    "StageConfig": "stages",
    "DataConfig": "data",
    "TableSource": "data.tables.<table>",
    "StatusRule": "data.tables.<table>.status_from[]",
    "Lookup": "data.tables.<table>.lookups[]",
    "Condition": "data.tables.<table>.where[]",
    "Melt": "data.tables.<table>.melt",
    "EngineConfig": "data.engine",
    "ReportsConfig": "reports",
    "AuditParams": "reports.audit",
    "DiagnosisParams": "reports.diagnosis",
    "TargetsParams": "reports.targets",
    "CommissionParams": "reports.targets.commission",
    "CommissionBand": "reports.targets.commission.bands[]",
    "FunnelParams": "reports.funnel",
    "CaseStudyParams": "reports.case_study",
    "AnonymiseParams": "anonymise",
}

# Types the models accept in more forms than their annotation says (validators before the type check).
TYPE_WORDS: dict[tuple[str, str], str] = {
    ("Params", "period"): "period text (2025-Q4, 2025-11, 2025-H1, 2025, FY2025) or [Period](#period)",
    ("Params", "anonymise"): "true/false, or [AnonymiseParams](#anonymiseparams)",
    ("TableSource", "constants"): "map text → text (numbers and true/false are taken as written)",
    ("Lookup", "default"): "map text → text (numbers and true/false are taken as written)",
    ("Condition", "equals"): "list of text, or one value (numbers and true/false are taken as written)",
    ("StatusRule", "equals"): "list of text, or one value (numbers and true/false are taken as written)",
    ("TargetsParams", "target_period"): "period text (2026-Q1, 2026-01, 2026-H1, 2026, FY2026) or null",
}

_SIMPLE = {str: "text", int: "integer", float: "number", bool: "true/false", dt.date: "date", Path: "path"}


def type_name(annotation: Any, *, nested: bool = False) -> str:
    """A type in words, with links to the sections of nested models.

    >>> type_name(dict[str, list[str] | None])
    'map text → (list of text or null)'
    """
    if annotation is type(None):
        return "null"
    if annotation in _SIMPLE:
        return _SIMPLE[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " | ".join(f"`{value}`" for value in args)
    if origin is typing.Annotated:
        bounds = _bounds(args[1:])
        return type_name(args[0], nested=nested) + (f" ({bounds})" if bounds else "")
    if origin is list:
        return f"list of {type_name(args[0], nested=True)}"
    if origin is dict:
        return f"map {type_name(args[0], nested=True)} → {type_name(args[1], nested=True)}"
    if origin in (typing.Union, types.UnionType):
        inner = " or ".join(type_name(arg, nested=True) for arg in args)
        return f"({inner})" if nested else inner
    return getattr(annotation, "__name__", str(annotation))


def _bounds(metadata: Any) -> str:
    """Constraints of a field (``Field(ge=1)``) in words: ``≥ 1``."""
    words = []
    for item in metadata:
        for c in item.metadata if isinstance(item, FieldInfo) else [item]:
            if isinstance(c, annotated_types.Ge):
                words.append(f"≥ {c.ge}")
            elif isinstance(c, annotated_types.Gt):
                words.append(f"> {c.gt}")
            elif isinstance(c, annotated_types.Le):
                words.append(f"≤ {c.le}")
            elif isinstance(c, annotated_types.Lt):
                words.append(f"< {c.lt}")
            elif isinstance(c, annotated_types.MinLen):
                words.append("not empty" if c.min_length == 1 else f"at least {c.min_length} items")
    return ", ".join(words)


def _field_type(model: type[BaseModel], name: str) -> str:
    if (model.__name__, name) in TYPE_WORDS:
        return TYPE_WORDS[model.__name__, name]
    field = model.model_fields[name]
    text = type_name(field.annotation)
    bounds = _bounds(field.metadata)
    return text + (f" ({bounds})" if bounds else "")


def _default(model: type[BaseModel], name: str) -> str:
    field = model.model_fields[name]
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "**required**"
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(its keys' defaults)"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        value = [v.model_dump(mode="json") for v in value]
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000).strip()
    return f"`{text.removesuffix('...').strip()}`"


def params_markdown() -> str:
    """``docs/params.md``: every key of a params file with its type, default and description."""
    out = [
        "# Params file reference\n\n"
        "Generated by `python -m salesnb.run.docs` (`make docs`) from the pydantic models in `salesnb/params.py`; "
        "`tests/test_docs.py` fails when this page differs. The same models give the JSON Schema "
        "[params.schema.json](params.schema.json) (`salesnb schema`); a params file whose first line is\n\n"
        "```yaml\n# yaml-language-server: $schema=../docs/params.schema.json\n```\n\n"
        "is completed and checked as you type by editors that use the YAML language server (VS Code's YAML "
        "extension, among others). Unknown keys are refused (`salesnb check` names the closest allowed key); "
        "relative paths resolve against the params file's folder. The checks that need more than one key or the "
        "data (stage names, the target period, names in the case study) are made by `salesnb check`, not by the "
        "schema.\n"
    ]
    for name, model in models().items():
        path = SECTION_PATHS.get(name, name)
        out.append(f'\n<a id="{name.lower()}"></a>\n\n## `{path}` — {name}\n\n')
        doc = _first_paragraph(model.__doc__)
        if doc:
            out.append(f"{doc}\n\n")
        out.append("| key | type | default | description |\n|---|---|---|---|\n")
        for field in model.model_fields:
            if (name, field) in INTERNAL_FIELDS:
                continue
            cells = [f"`{field}`", _field_type(model, field), _default(model, field), description(model, field)]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n")
    return "".join(out)
