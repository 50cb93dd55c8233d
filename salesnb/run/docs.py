"""Reference pages generated from the code, so that they cannot drift from it.

- ``docs/metrics.md`` and ``docs/metrics.zh.md``: every metric's formula beside the definition text
  the reports print, taken from the label table (:mod:`salesnb.labels`) in each language;
- ``docs/schema.md``: the canonical tables and columns (:mod:`salesnb.schema`);
- ``docs/params.md`` and ``docs/params.schema.json``: every key of a params file, from the pydantic
  models of :mod:`salesnb.params` (see :mod:`salesnb.run.params_schema`).

``python -m salesnb.run.docs`` (``make docs``) rewrites them; ``tests/test_docs.py`` fails when a
committed page differs from what this module generates.

>>> "won / (won + lost)" in metrics_markdown("en")
True
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from salesnb import schema
from salesnb.config import REPO_ROOT
from salesnb.labels import LABELS, Language

# A label key, or the words in each language for a name no report prints.
Text = str | dict[str, str]


@dataclass(frozen=True)
class Metric:
    """One figure: its name, its formula and the function that computes it."""

    name: Text  # a label key, or {"en": …, "zh": …}
    formula: Text  # the same in every language, or {"en": …, "zh": …}
    code: str


@dataclass(frozen=True)
class Section:
    """One report's figures and the definitions it prints (label keys, in the order the report shows them)."""

    title: str
    notebook: str
    printed: tuple[str, ...]
    metrics: tuple[Metric, ...]


def _w(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


WON_IN_W = "[status = won, closed_at ∈ W]"

SECTIONS: tuple[Section, ...] = (
    Section(
        "audit.title",
        "00_data_audit",
        ("audit.accounting_note", "audit.def_accounting", "audit.def_moves"),
        (
            Metric(
                "audit.accounting",
                _w(
                    "read = used + Σ excluded; a row failing several rules is excluded once, under the first",
                    "读取 = 使用 + Σ 排除；同时违反多条规则的行只按第一条排除一次",
                ),
                "salesnb.data.validate",
            ),
            Metric(
                "fun.moves",
                _w(
                    "each stage_history row against the deal's previous row by entered_at: skip, backward, "
                    "reopen, late entry (first row not at the first stage)",
                    "按 entered_at 将每条 stage_history 与该商机上一条比较：跳过、回退、重开、中途进入（首条不在第一阶段）",
                ),
                "salesnb.analysis.stages.move_counts",
            ),
        ),
    ),
    Section(
        "diagnosis.title",
        "01_diagnosis",
        ("diag.definitions", "diag.customers_note", "diag.attrition_note"),
        (
            Metric("kpi.revenue", f"Σ amount {WON_IN_W}", "salesnb.analysis.metrics.deal_kpis"),
            Metric(
                "kpi.win_rate",
                _w(
                    "won / (won + lost) [closed_at ∈ W], Wilson 95 % interval",
                    "won / (won + lost) [closed_at ∈ W]，Wilson 95% 区间",
                ),
                "salesnb.analysis.metrics.deal_kpis",
            ),
            Metric("kpi.avg_deal_size", f"mean(amount) {WON_IN_W}", "salesnb.analysis.metrics.deal_kpis"),
            Metric(
                "kpi.median_cycle_days",
                f"median(closed_at − created_at) {WON_IN_W}",
                "salesnb.analysis.metrics.deal_kpis",
            ),
            Metric(
                "kpi.mean_cycle_days", f"mean(closed_at − created_at) {WON_IN_W}", "salesnb.analysis.metrics.deal_kpis"
            ),
            Metric(
                "kpi.deals_created",
                _w("count [created_at ∈ W], any status", "count [created_at ∈ W]，任意状态"),
                "salesnb.analysis.metrics.deal_kpis",
            ),
            Metric(
                "kpi.pipeline_created",
                _w("Σ amount [created_at ∈ W], any status", "Σ amount [created_at ∈ W]，任意状态"),
                "salesnb.analysis.metrics.deal_kpis",
            ),
            Metric(
                "cust.active_customers",
                f"count distinct account_id {WON_IN_W}",
                "salesnb.analysis.metrics.buying_accounts",
            ),
            Metric(
                "kpi.new_customers",
                _w(
                    "count account_id whose first won deal (all history) has closed_at ∈ W",
                    "count account_id，其首次赢单（全部历史）的 closed_at ∈ W",
                ),
                "salesnb.analysis.metrics.new_customers",
            ),
            Metric(
                "cust.retention",
                _w(
                    "|A(W′) ∩ A(W)| / |A(W′)|; A = accounts with a won deal closed in the window, "
                    "W′ = the previous window (left empty when the data cover < 90 % of W′)",
                    "|A(W′) ∩ A(W)| / |A(W′)|；A = 窗口内有赢单关闭的客户，W′ = 上一窗口（数据覆盖 W′ 不足 90% 时留空）",
                ),
                "salesnb.analysis.metrics.retention",
            ),
            Metric(
                "cust.repeat_purchase",
                _w(
                    "accounts with ≥ 2 won deals / accounts with ≥ 1, closed_at up to the end of W",
                    "赢单 ≥ 2 次的客户 / 赢单 ≥ 1 次的客户，closed_at 截至 W 末",
                ),
                "salesnb.analysis.metrics.repeat_purchase_rate",
            ),
            Metric(
                "cust.cac",
                _w(
                    "Σ costs.amount [cost period inside W] / new customers",
                    "Σ costs.amount [成本期间在 W 内] / 新客户数",
                ),
                "salesnb.analysis.diagnosis.customer_health",
            ),
            Metric(
                "cust.clv_estimate",
                _w(
                    "won revenue per buying account over the last 12 months × min(1 / (1 − r), 10), "
                    "r = retention of those 12 months against the 12 before",
                    "近 12 个月每个成交客户的赢单收入 × min(1 / (1 − r), 10)，r = 该 12 个月相对此前 12 个月的留存率",
                ),
                "salesnb.analysis.diagnosis.customer_health",
            ),
            Metric(
                "kpi.activities",
                _w("count activities [occurred_at ∈ W], also per type", "count activities [occurred_at ∈ W]，并按类型"),
                "salesnb.analysis.metrics.activity_counts",
            ),
            Metric(
                "kpi.csat",
                _w(
                    "mean(score × 100 / scale) [surveyed_at ∈ W]; without a scale, the smallest of 5, 7, 10, 100 holding "
                    "the highest such score (the data audit says which); as given above 100",
                    "mean(score × 100 / scale) [surveyed_at ∈ W]；无 scale 时取 5、7、10、100 中能容纳最高分的最小者"
                    "（数据审计会注明）；超过 100 时取原分数",
                ),
                "salesnb.analysis.metrics.csat",
            ),
            Metric(
                "kpi.attainment",
                _w(
                    "revenue / Σ targets.value [metric = revenue, target period inside W]; "
                    "rep rows when there are any, else team rows",
                    "收入 / Σ targets.value [metric = revenue，目标期间在 W 内]；有销售级目标时用销售级，否则用团队级",
                ),
                "salesnb.analysis.metrics.revenue_targets",
            ),
            Metric(
                "kpi.attrition",
                _w(
                    "reps with left_at ∈ W / mean over the days of W of reps employed (hired_at ≤ day ≤ left_at); "
                    "annualised × 365.25 / days of W",
                    "left_at ∈ W 的销售数 / W 内每日在职人数（hired_at ≤ 当日 ≤ left_at）的平均；年化 × 365.25 / W 的天数",
                ),
                "salesnb.analysis.metrics.rep_attrition",
            ),
            Metric(
                _w("Window coverage", "窗口覆盖率"),
                _w(
                    "days of W between the first and the last date of the data / days of W; a comparison window "
                    "covered < 90 % shows “–” with the reason",
                    "W 中位于数据最早与最晚日期之间的天数 / W 的天数；覆盖不足 90% 的对比窗口显示“–”并说明原因",
                ),
                "salesnb.analysis.metrics.window_coverage",
            ),
        ),
    ),
    Section(
        "targets.title",
        "02_targets",
        ("tgt.baselines_note", "tgt.team_note", "tgt.commission_note"),
        (
            Metric(
                _w("Last period × (1 + uplift)", "上期 ×（1 + 增幅）"),
                _w(
                    "each month = mean of the last period's months × (1 + uplift)",
                    "每月 = 上一期各月平均 ×（1 + uplift）",
                ),
                "salesnb.analysis.forecast.last_period_uplift",
            ),
            Metric(
                _w("Weighted moving average", "加权移动平均"),
                _w(
                    "each month = Σ wᵢ · xₜ₋ᵢ / Σ wᵢ, w₁ for the latest month",
                    "每月 = Σ wᵢ · xₜ₋ᵢ / Σ wᵢ，w₁ 对应最近一个月",
                ),
                "salesnb.analysis.forecast.weighted_average",
            ),
            Metric(
                "col.mape",
                _w(
                    "mean over held-out periods of |actual − forecast| / actual",
                    "各留出期 |实际 − 预测| / 实际 的平均",
                ),
                "salesnb.analysis.forecast.baselines",
            ),
            Metric(
                "tgt.team",
                _w(
                    "forecast × (1 + stretch), rounded to a multiple of `rounding`",
                    "预测 ×（1 + stretch），取整到 `rounding` 的倍数",
                ),
                "salesnb.analysis.targets.plan_targets",
            ),
            Metric(
                "col.probability",
                _w(
                    "P(actual ≥ target), (log(actual / forecast) − bias) / s ~ Student t with n − 1 df, "
                    "s = SD × √(1 + 1/n) of n ≥ 3 backtest log errors; else normal with s = 0.15 (assumed, "
                    "and said so)",
                    "P(实际 ≥ 目标)，(log(实际 / 预测) − 偏差) / s 服从自由度 n − 1 的 t 分布，"
                    "s = n ≥ 3 个回测对数误差的 SD × √(1 + 1/n)；否则为 s = 0.15 的正态分布（假定，并在报告中说明）",
                ),
                "salesnb.analysis.forecast.reach_probability",
            ),
            Metric(
                "tgt.pacing",
                _w(
                    "projection = revenue to date / working days done × working days in the period; "
                    "required per day = (revenue target − revenue to date) / working days left; "
                    "the target is the period's revenue target in the targets table",
                    "预计 = 至今收入 / 已过工作日 × 期间工作日；每日所需 = (收入目标 − 至今收入) / 剩余工作日；"
                    "目标取目标表中该期间的收入目标",
                ),
                "salesnb.analysis.targets.pacing",
            ),
        ),
    ),
    Section(
        "funnel.title",
        "03_funnel",
        (
            "fun.funnel_note",
            "fun.bottlenecks_note",
            "fun.time_note",
            "fun.stuck_note",
            "fun.stuck_no_history",
            "fun.cohorts_note",
            "fun.velocity_note",
            "fun.definitions",
        ),
        (
            Metric(
                "col.reached",
                _w(
                    "a stage_history row at stage k, or (stages.skipped = count_as_passed) at a later stage",
                    "在阶段 k 有 stage_history 记录，或（stages.skipped = count_as_passed）在其后任一阶段有记录",
                ),
                "salesnb.analysis.funnel.deal_facts",
            ),
            Metric(
                "col.resolved",
                _w("reached k and (reached k + 1 or lost at k)", "到达 k 且（到达 k + 1 或在 k 输单）"),
                "salesnb.analysis.funnel.funnel_table",
            ),
            Metric(
                "col.open",
                _w(
                    "reached k, open, not past k: never counted as a drop-out",
                    "到达 k、仍在进行且未越过 k：从不计为流失",
                ),
                "salesnb.analysis.funnel.funnel_table",
            ),
            Metric(
                "col.next_step",
                _w(
                    "reached k + 1 / resolved at k, Wilson 95 % interval",
                    "到达 k + 1 / 在 k 已有结果，Wilson 95% 区间",
                ),
                "salesnb.analysis.funnel.funnel_table",
            ),
            Metric(
                _w("Cumulative conversion", "累计转化率"),
                _w(
                    "reached k / (reached the first stage − still open before k); last stage: won / (won + lost)",
                    "到达 k / (到达第一阶段 − 在 k 之前仍在进行)；最后一阶段即 won / (won + lost)",
                ),
                "salesnb.analysis.funnel.funnel_table",
            ),
            Metric(
                _w("Eventual conversion", "最终转化率"),
                _w(
                    "F_moved / (F_moved + F_lost): Aalen–Johansen cumulative incidences of moving on and of being "
                    "lost (competing event), open deals censored at the as-of date; Wilson interval on the "
                    "effective number of deals",
                    "F_推进 / (F_推进 + F_输单)：推进与输单（竞争事件）的 Aalen–Johansen 累积发生率，"
                    "进行中商机在截至日删失；有效样本量上的 Wilson 区间",
                ),
                "salesnb.analysis.funnel.cumulative_incidence",
            ),
            Metric(
                "fun.bottlenecks",
                _w(
                    "gain per period = deals reaching k × (benchmark − conversion) × win rate after k × average "
                    "won deal size × period length / months of deals used; benchmark = 75th percentile of the "
                    "reps' shrunk conversions, or reports.funnel.target_conversion",
                    "每期增益 = 到达 k 的商机 × (基准 − 转化率) × k 之后的赢率 × 平均赢单金额 × 期间长度 / 所用商机的月数；"
                    "基准 = 各销售收缩转化率的第 75 百分位，或 reports.funnel.target_conversion",
                ),
                "salesnb.analysis.funnel.bottlenecks",
            ),
            Metric(
                "fun.time",
                _w(
                    "first entry of the next stage visited − first entry of k (deals that left k; median, p75, "
                    "p90); cumulative: Σ over every visit to k",
                    "下一个到访阶段的首次进入 − k 的首次进入（已离开 k 的商机；中位数、p75、p90）；累计：k 每次停留之和",
                ),
                "salesnb.analysis.funnel.time_in_stage",
            ),
            Metric(
                "fun.stuck",
                _w(
                    "open and days in the current stage > quantile q (reports.funnel.stuck_quantile, default 0.9) "
                    "of the days deals that left that stage spent in it; without stage history: days since "
                    "created_at > q of closed_at − created_at",
                    "仍在进行且在当前阶段的天数 > 已离开该阶段商机停留天数的分位数 q（reports.funnel.stuck_quantile，"
                    "默认 0.9）；无阶段历史时：自 created_at 起的天数 > closed_at − created_at 的分位数 q",
                ),
                "salesnb.analysis.funnel.stuck_deals",
            ),
            Metric(
                "col.won_of_resolved",
                _w(
                    "won / (won + lost) of a creation-month cohort, shown once ≤ 10 % of it is still open",
                    "某创建月份队列的 won / (won + lost)，仅在仍在进行的比例 ≤ 10% 时显示",
                ),
                "salesnb.analysis.funnel.cohort_funnel",
            ),
            Metric(
                "fun.velocity",
                _w(
                    "open deals × win rate × average won deal size / average cycle days, per team at each month "
                    "end; win rate, size and cycle over the 6 months before",
                    "进行中商机数 × 赢率 × 平均赢单金额 / 平均周期天数，按团队、按月末；赢率、金额与周期取此前 6 个月",
                ),
                "salesnb.analysis.funnel.velocity",
            ),
        ),
    ),
    Section(
        "case_study.title",
        "04_case_study",
        ("cs.design_note", "cs.effects_note_did", "cs.effects_note_its", "cs.before_after_note"),
        (
            Metric(
                "cs.kpi.win_rate",
                _w(
                    "per closed deal: 1 if won else 0, dated by created_at",
                    "每个已关闭商机：赢单为 1，否则为 0，按 created_at 归期",
                ),
                "salesnb.analysis.casestudy.observations",
            ),
            Metric(
                "cs.kpi.cycle_days",
                _w(
                    "per won deal: closed_at − created_at in days (> 0), dated by created_at",
                    "每个赢单：closed_at − created_at（天，> 0），按 created_at 归期",
                ),
                "salesnb.analysis.casestudy.observations",
            ),
            Metric(
                "cs.kpi.deal_size",
                _w("per won deal: amount (> 0), dated by created_at", "每个赢单：amount（> 0），按 created_at 归期"),
                "salesnb.analysis.casestudy.observations",
            ),
            Metric(
                "cs.kpi.csat",
                _w(
                    "per survey: score × 100 / scale (as in CSAT above), dated by surveyed_at",
                    "每份调查：score × 100 / scale（同上文满意度），按 surveyed_at 归期",
                ),
                "salesnb.analysis.casestudy.observations",
            ),
            Metric(
                "cs.kpi.attrition",
                _w(
                    "per group and window: as the diagnosis' rep attrition, annualised; Fisher's exact test",
                    "按组与窗口：同诊断报告的销售流失率（年化）；Fisher 精确检验",
                ),
                "salesnb.analysis.casestudy.attrition_rows",
            ),
        ),
    ),
)

_INTRO = {
    "en": (
        "# Metric definitions\n\n"
        "Generated by `python -m salesnb.run.docs` (`make docs`) from the label table the reports print "
        "(`salesnb/labels/en.yaml`, `zh.yaml`) and the formulas below; `tests/test_docs.py` fails when this page differs. "
        "中文版: [metrics.zh.md](metrics.zh.md).\n\n"
        "Formulas use the canonical column names (`salesnb/schema.py`). W is the reporting window "
        "(inclusive calendar dates), `[…]` says which rows are counted, and `code` names the function "
        "that computes the figure; every report uses that one function. Braces in the printed text "
        "(`{as_of}`) are filled in when a report runs.\n\n"
        "Not computed: pipeline coverage (open amount expected to close / remaining target); "
        "`expected_close_at` is read and listed with stuck deals, and nothing more.\n"
    ),
    "zh": (
        "# 指标口径\n\n"
        "由 `python -m salesnb.run.docs`（`make docs`）根据报告所用的标签表（`salesnb/labels/en.yaml`、`zh.yaml`）与下列公式生成；"
        "本页与生成结果不一致时 `tests/test_docs.py` 会失败。English: [metrics.md](metrics.md).\n\n"
        "公式使用标准字段名（`salesnb/schema.py`）。W 为报告窗口（含首尾日期），`[…]` 表示计入哪些行，"
        "`code` 为计算该指标的函数，所有报告都使用同一函数。报告原文中的花括号（`{as_of}`）在运行时填入。\n\n"
        "未计算：管道覆盖率（预计在期内关闭的进行中金额 / 剩余目标）；`expected_close_at` 仅被读取并列在停滞商机中。\n"
    ),
}

_HEADINGS = {
    "en": {"printed": "Printed in the report", "figure": "figure", "formula": "formula", "code": "code"},
    "zh": {"printed": "报告原文", "figure": "指标", "formula": "公式", "code": "代码"},
}


def _text(text: Text, lang: Language) -> str:
    """A label key's text, or the words given for ``lang``."""
    if isinstance(text, dict):
        return text[lang]
    return LABELS[text][lang]


def _formula(formula: Text, lang: Language) -> str:
    """A formula: the same in every language, or the words given for ``lang``."""
    return formula[lang] if isinstance(formula, dict) else formula


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def label_keys() -> list[str]:
    """Every label key the metrics pages quote (section titles, printed definitions, figure names)."""
    keys = []
    for section in SECTIONS:
        keys += [section.title, *section.printed]
        keys += [m.name for m in section.metrics if isinstance(m.name, str)]
    return keys


def metrics_markdown(lang: Language = "en") -> str:
    """The metrics reference page in ``lang``: per report, the definitions it prints, then a formula table."""
    words = _HEADINGS[lang]
    out = [_INTRO[lang]]
    for section in SECTIONS:
        out.append(f"\n## {_text(section.title, lang)} (`notebooks/{section.notebook}.ipynb`)\n")
        out.append(f"\n{words['printed']}:\n")
        for key in section.printed:
            out.append(f"\n> {_text(key, lang).strip()}\n>\n> <sub>`{key}`</sub>\n")
        out.append(f"\n| {words['figure']} | {words['formula']} | {words['code']} |\n|---|---|---|\n")
        for metric in section.metrics:
            name, formula = _cell(_text(metric.name, lang)), _cell(_formula(metric.formula, lang))
            out.append(f"| {name} | {formula} | `{metric.code}` |\n")
    return "".join(out)


def schema_markdown() -> str:
    """``docs/schema.md``: the canonical tables and columns of :mod:`salesnb.schema`, with their words in en/zh."""
    out = [
        "# Canonical tables\n\n"
        "Generated by `python -m salesnb.run.docs` (`make docs`) from `salesnb/schema.py`; `tests/test_docs.py` fails "
        "when this page differs. Every client export is mapped onto these tables and columns "
        "(`data.tables.<table>.columns` in the params file, or a CRM preset). Only `deals` is required; a "
        "report section whose table is missing says so in one line and moves on. Kinds: text is stripped, "
        'dates and numbers are parsed explicitly (README, "Real exports as they come"). '
        f"Deal status after mapping is one of {', '.join(f'`{s}`' for s in schema.STATUSES)}, from a status "
        "column, `status_from` rules or the stage (`stages.won`, `stages.lost`); deals without "
        f"an owner (`rep_id` blank) are kept and shown as `{schema.UNASSIGNED}`.\n"
    ]
    for spec in schema.TABLES.values():
        key = f" (one row per {', '.join(f'`{k}`' for k in spec.key)})" if spec.key else ""
        out.append(f"\n## `{spec.name}`{key}\n\n| column | kind | required | en | zh |\n|---|---|---|---|---|\n")
        for column, kind in spec.columns.items():
            label = LABELS.get(f"column.{column}", {"en": "", "zh": ""})
            required = "yes" if column in spec.required else ""
            out.append(f"| `{column}` | {kind} | {required} | {label['en']} | {label['zh']} |\n")
    return "".join(out)


def generated() -> dict[str, str]:
    """Every generated page: path relative to the repository root -> its text."""
    from salesnb.run.params_schema import params_json_schema, params_markdown

    return {
        "docs/metrics.md": metrics_markdown("en"),
        "docs/metrics.zh.md": metrics_markdown("zh"),
        "docs/schema.md": schema_markdown(),
        "docs/params.md": params_markdown(),
        "docs/params.schema.json": json.dumps(params_json_schema(), indent=2, ensure_ascii=False) + "\n",
    }


def write_docs(root: Path = REPO_ROOT, *, check: bool = False) -> list[str]:
    """Write the generated pages under ``root`` (or, with ``check``, only compare); the paths that differed."""
    stale = []
    for relative, text in generated().items():
        path = root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m salesnb.run.docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="Only report pages that differ (exit 1 if any).")
    args = parser.parse_args(argv)
    stale = write_docs(check=args.check)
    verb = "differs" if args.check else "written"
    for relative in stale:
        print(f"{relative}: {verb}")
    if not stale:
        print("docs up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
