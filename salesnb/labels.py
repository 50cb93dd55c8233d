"""The one zh/en label table: every user-facing string of the reports comes from here.

Keys are dotted (``audit.title``); values hold ``str.format`` fields filled by
:func:`t`. Reason codes from validation (``missing:created_at``) are looked up as
``reason.missing`` with the column's label filled in.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]

LABELS: dict[str, dict[str, str]] = {
    # Header and frame of every report
    "header.client": {"en": "Client", "zh": "客户"},
    "header.period": {"en": "Period", "zh": "期间"},
    "header.generated": {"en": "Generated at", "zh": "生成时间"},
    "header.snapshot": {"en": "Data snapshot", "zh": "数据快照"},
    "header.parameters": {"en": "Parameters used", "zh": "所用参数"},
    "header.loaded": {"en": "loaded {when} from {source}", "zh": "{when} 读取自 {source}"},
    "header.file": {"en": "{name}: {rows} rows, sha256 {sha}", "zh": "{name}：{rows} 行，sha256 {sha}"},
    "toc.title": {"en": "Contents", "zh": "目录"},
    "index.title": {"en": "Reports for {client}, {period}", "zh": "{client} · {period} 报告"},
    "index.report": {"en": "Report", "zh": "报告"},
    "index.status": {"en": "Status", "zh": "状态"},
    "index.ok": {"en": "rendered", "zh": "已生成"},
    "index.failed": {"en": "failed; see the executed notebook", "zh": "失败，请查看执行后的笔记本"},
    "index.stale": {"en": "failed this run; showing the last good version", "zh": "本次失败，显示上一次成功的版本"},
    "findings": {"en": "Findings", "zh": "主要发现"},
    "export.files": {"en": "Full table ({rows} rows):", "zh": "完整表格（{rows} 行）："},
    "definitions": {"en": "Definitions", "zh": "口径说明"},
    "section_skipped": {"en": "Skipped: {why}", "zh": "已略过：{why}"},
    # Report titles
    "audit.title": {"en": "Data audit", "zh": "数据审计"},
    # Audit sections
    "audit.accounting": {"en": "Row accounting", "zh": "行数核对"},
    "audit.accounting_note": {
        "en": "Every row read is either used or excluded for the first reason it fails, so read = used + excluded.",
        "zh": "每一行数据要么被使用，要么按其首个不合格原因被排除，因此 读取 = 使用 + 排除。",
    },
    "audit.exclusions": {"en": "Excluded rows and why", "zh": "被排除的行及原因"},
    "audit.examples": {"en": "Example rows: {table} · {reason}", "zh": "示例行：{table} · {reason}"},
    "audit.flags": {"en": "Rows kept with a warning", "zh": "保留但有提示的行"},
    "audit.mapping": {"en": "Column mapping", "zh": "字段映射"},
    "audit.remaps": {"en": "Values changed by the mapping", "zh": "映射修改的取值"},
    "audit.lookups": {"en": "Joined lookup files", "zh": "关联的查找表"},
    "audit.completeness": {"en": "Completeness", "zh": "完整度"},
    "audit.date_ranges": {"en": "Date ranges", "zh": "日期范围"},
    "audit.statuses": {"en": "Deals by status and stage", "zh": "按状态与阶段的商机"},
    "audit.monthly": {"en": "Deals created per month", "zh": "每月新建商机"},
    "audit.currencies": {"en": "Currencies", "zh": "币种"},
    "audit.history": {"en": "Stage history coverage", "zh": "阶段历史覆盖"},
    "audit.reps": {"en": "Reps and their deals", "zh": "销售人员与商机"},
    "audit.absent": {"en": "Tables not provided", "zh": "未提供的数据表"},
    "audit.nothing_excluded": {"en": "No row was excluded.", "zh": "没有行被排除。"},
    "audit.nothing_flagged": {"en": "No row needed a warning.", "zh": "没有需要提示的行。"},
    "audit.no_history": {
        "en": "No stage history table: funnel timing is limited to created → closed, from the current stage only.",
        "zh": "没有阶段历史表：漏斗时长只能按“创建 → 关闭”与当前阶段计算。",
    },
    "audit.all_present": {"en": "All canonical tables were provided.", "zh": "所有标准数据表均已提供。"},
    "audit.def_accounting": {
        "en": "Excluded rows are left out of every report; flagged rows are used, with the limitation named.",
        "zh": "被排除的行不进入任何报告；有提示的行照常使用，但其局限已注明。",
    },
    "audit.def_moves": {
        "en": "Stage moves compare each history row with the deal's previous one (by entry date): a skip jumps over "
        "at least one stage, a backward move returns to an earlier stage, a reopen leaves Won/Lost for an open stage, "
        "a late entry is a deal whose history starts after the first stage.",
        "zh": "阶段变动按进入日期将每条历史与该商机上一条比较：跳过指越过至少一个阶段；回退指回到更早阶段；"
        "重开指从赢单/输单回到进行中阶段；中途进入指历史不是从第一阶段开始的商机。",
    },
    # Audit findings
    "find.accounting_clean": {
        "en": "{read} deal rows read; all {used} used, none excluded.",
        "zh": "共读取 {read} 行商机，全部 {used} 行可用，无排除。",
    },
    "find.accounting": {
        "en": "{read} deal rows read: {used} used and {excluded} excluded ({reasons}).",
        "zh": "共读取 {read} 行商机：使用 {used} 行，排除 {excluded} 行（{reasons}）。",
    },
    "find.other_exclusions": {
        "en": "Other tables lost {excluded} of {read} rows ({reasons}).",
        "zh": "其他数据表共排除 {excluded}/{read} 行（{reasons}）。",
    },
    "find.statuses": {
        "en": "{won} won, {lost} lost and {open} open deals; win rate on closed deals {win_rate}.",
        "zh": "赢单 {won}、输单 {lost}、进行中 {open}；已关闭商机的赢率为 {win_rate}。",
    },
    "find.flags": {"en": "Kept with a warning: {items}.", "zh": "保留但有提示：{items}。"},
    "find.flag.blank:account_id": {
        "en": "{count} deals ({share}) have no account, so customer figures leave them out",
        "zh": "{count} 个商机（{share}）没有客户，不计入客户指标",
    },
    "find.flag.open_without_amount": {
        "en": "{count} open deals ({share}) have no amount, so pipeline value is understated",
        "zh": "{count} 个进行中商机（{share}）没有金额，管道金额被低估",
    },
    "find.flag.open_without_created_at": {
        "en": "{count} open deals ({share}) have no created date, so they cannot enter cohort or age figures",
        "zh": "{count} 个进行中商机（{share}）没有创建日期，无法进入队列与账龄分析",
    },
    "find.remaps": {
        "en": "Values renamed by the params mapping: {items}.",
        "zh": "按参数文件映射修改的取值：{items}。",
    },
    "find.remap": {"en": "{column} '{old}' → '{new}' ({rows} rows)", "zh": "{column}“{old}”→“{new}”（{rows} 行）"},
    "find.reps_without_deals": {
        "en": "{count} of {listed} listed reps have no deals: {names}.",
        "zh": "名单中 {listed} 名销售有 {count} 名没有商机：{names}。",
    },
    "find.history": {
        "en": "Stage history covers {share} of deals; {skip} skipped a stage, {backward} moved backward, {reopen} were reopened, {late} entered late.",
        "zh": "阶段历史覆盖 {share} 的商机；{skip} 个跳过阶段，{backward} 个回退，{reopen} 个重开，{late} 个中途进入。",
    },
    "find.absent": {
        "en": "Not provided: {tables}; report sections that need them will say so and be skipped.",
        "zh": "未提供：{tables}；需要这些表的报告章节会注明并略过。",
    },
    # Absence reasons
    "absent.not_configured": {"en": "not configured in the params file", "zh": "参数文件未配置"},
    "absent.no_file": {"en": "no file found for the preset", "zh": "未找到预设对应的文件"},
    # Table names
    "table.deals": {"en": "deals", "zh": "商机"},
    "table.stage_history": {"en": "stage history", "zh": "阶段历史"},
    "table.reps": {"en": "reps", "zh": "销售人员"},
    "table.activities": {"en": "activities", "zh": "活动"},
    "table.targets": {"en": "targets", "zh": "目标"},
    "table.surveys": {"en": "surveys", "zh": "满意度调查"},
    "table.costs": {"en": "costs", "zh": "成本"},
    # Column headers of report tables
    "col.table": {"en": "Table", "zh": "数据表"},
    "col.source": {"en": "Source", "zh": "来源"},
    "col.rows_read": {"en": "Rows read", "zh": "读取行数"},
    "col.rows_used": {"en": "Used", "zh": "使用"},
    "col.rows_excluded": {"en": "Excluded", "zh": "排除"},
    "col.reason": {"en": "Reason", "zh": "原因"},
    "col.rows": {"en": "Rows", "zh": "行数"},
    "col.share": {"en": "Share", "zh": "占比"},
    "col.column": {"en": "Column", "zh": "字段"},
    "col.client_column": {"en": "Client column", "zh": "客户字段"},
    "col.filled": {"en": "Filled", "zh": "已填"},
    "col.first": {"en": "First", "zh": "最早"},
    "col.last": {"en": "Last", "zh": "最晚"},
    "col.status": {"en": "Status", "zh": "状态"},
    "col.stage": {"en": "Stage", "zh": "阶段"},
    "col.deals": {"en": "Deals", "zh": "商机数"},
    "col.amount": {"en": "Amount", "zh": "金额"},
    "col.currency": {"en": "Currency", "zh": "币种"},
    "col.old": {"en": "Value in file", "zh": "文件中的值"},
    "col.new": {"en": "Read as", "zh": "读取为"},
    "col.file": {"en": "File", "zh": "文件"},
    "col.on": {"en": "Joined on", "zh": "关联字段"},
    "col.matched": {"en": "Matched", "zh": "匹配"},
    "col.unmatched": {"en": "Unmatched", "zh": "未匹配"},
    "col.blank": {"en": "Blank key", "zh": "空键"},
    "col.examples": {"en": "Unmatched examples", "zh": "未匹配示例"},
    "col.move": {"en": "Move", "zh": "变动"},
    "col.moves": {"en": "Moves", "zh": "次数"},
    "col.rep": {"en": "Rep", "zh": "销售"},
    "col.team": {"en": "Team", "zh": "团队"},
    "col.in_reps_table": {"en": "In rep list", "zh": "在名单中"},
    "col.month": {"en": "Month", "zh": "月份"},
    "col.why": {"en": "Why", "zh": "原因"},
    "col._row": {"en": "Row", "zh": "行号"},
    # Status and move words
    "status.won": {"en": "won", "zh": "赢单"},
    "status.lost": {"en": "lost", "zh": "输单"},
    "status.open": {"en": "open", "zh": "进行中"},
    "move.first": {"en": "first stage", "zh": "首阶段"},
    "move.late_entry": {"en": "late entry", "zh": "中途进入"},
    "move.forward": {"en": "next stage", "zh": "进入下一阶段"},
    "move.skip": {"en": "skipped a stage", "zh": "跳过阶段"},
    "move.backward": {"en": "backward", "zh": "回退"},
    "move.repeat": {"en": "same stage again", "zh": "重复同一阶段"},
    "move.close_lost": {"en": "closed lost", "zh": "输单关闭"},
    "move.reopen": {"en": "reopened", "zh": "重开"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "and": {"en": ", ", "zh": "、"},
    "semicolon": {"en": "; ", "zh": "；"},
    # Exclusion and flag reasons
    "reason.missing": {"en": "missing {column}", "zh": "缺少{column}"},
    "reason.bad": {"en": "unparseable {column}", "zh": "{column}无法解析"},
    "reason.blank": {"en": "blank {column}", "zh": "{column}为空"},
    "reason.duplicate_id": {"en": "duplicate id", "zh": "编号重复"},
    "reason.unknown_rep": {"en": "unknown rep", "zh": "未知销售"},
    "reason.unknown_deal": {"en": "unknown deal", "zh": "未知商机"},
    "reason.unknown_stage": {"en": "unknown stage", "zh": "未知阶段"},
    "reason.unknown_status": {"en": "unknown status", "zh": "未知状态"},
    "reason.negative_amount": {"en": "negative amount", "zh": "金额为负"},
    "reason.closed_before_created": {"en": "closed before created", "zh": "关闭早于创建"},
    "reason.duplicate_entry": {"en": "duplicate stage entry", "zh": "阶段记录重复"},
    "reason.exited_before_entered": {"en": "left stage before entering it", "zh": "离开早于进入"},
    "reason.end_before_start": {"en": "period ends before it starts", "zh": "结束早于开始"},
    "reason.score_out_of_scale": {"en": "score outside its scale", "zh": "评分超出量表"},
    "reason.left_before_hired": {"en": "left before hired", "zh": "离职早于入职"},
    "reason.open_without_created_at": {"en": "open deal without created date", "zh": "进行中商机无创建日期"},
    "reason.open_without_amount": {"en": "open deal without amount", "zh": "进行中商机无金额"},
    "reason.won_with_zero_amount": {"en": "won deal with amount 0", "zh": "赢单金额为 0"},
    "reason.open_with_closed_at": {
        "en": "open deal with a close date (ignored)",
        "zh": "进行中商机带关闭日期（已忽略）",
    },
    # Canonical column names in words
    "column.deal_id": {"en": "deal id", "zh": "商机编号"},
    "column.rep_id": {"en": "rep", "zh": "销售"},
    "column.created_at": {"en": "created date", "zh": "创建日期"},
    "column.closed_at": {"en": "close date", "zh": "关闭日期"},
    "column.amount": {"en": "amount", "zh": "金额"},
    "column.status": {"en": "status", "zh": "状态"},
    "column.stage": {"en": "stage", "zh": "阶段"},
    "column.account_id": {"en": "account", "zh": "客户"},
    "column.segment": {"en": "segment", "zh": "细分"},
    "column.product": {"en": "product", "zh": "产品"},
    "column.region": {"en": "region", "zh": "区域"},
    "column.lead_source": {"en": "lead source", "zh": "线索来源"},
    "column.currency": {"en": "currency", "zh": "币种"},
    "column.expected_close_at": {"en": "expected close date", "zh": "预计关闭日期"},
    "column.entered_at": {"en": "entry date", "zh": "进入日期"},
    "column.exited_at": {"en": "exit date", "zh": "离开日期"},
    "column.name": {"en": "name", "zh": "姓名"},
    "column.team": {"en": "team", "zh": "团队"},
    "column.manager": {"en": "manager", "zh": "经理"},
    "column.hired_at": {"en": "hire date", "zh": "入职日期"},
    "column.left_at": {"en": "leave date", "zh": "离职日期"},
    "column.tier": {"en": "tier", "zh": "层级"},
    "column.occurred_at": {"en": "activity date", "zh": "活动日期"},
    "column.type": {"en": "type", "zh": "类型"},
    "column.period_start": {"en": "period start", "zh": "期间开始"},
    "column.period_end": {"en": "period end", "zh": "期间结束"},
    "column.metric": {"en": "metric", "zh": "指标"},
    "column.value": {"en": "value", "zh": "数值"},
    "column.surveyed_at": {"en": "survey date", "zh": "调查日期"},
    "column.score": {"en": "score", "zh": "评分"},
    "column.scale": {"en": "scale", "zh": "量表"},
    "column.category": {"en": "category", "zh": "类别"},
}


def t(key: str, lang: Language, **fields: object) -> str:
    """The label for ``key`` in ``lang`` with ``fields`` filled in.

    >>> t("reason.missing", "en", column="close date")
    'missing close date'
    """
    try:
        text = LABELS[key][lang]
    except KeyError:
        raise KeyError(f"no {lang!r} label for {key!r}; add it to salesnb/labels.py") from None
    return text.format(**fields) if fields else text


def reason_label(code: str, lang: Language) -> str:
    """Words for a validation reason code such as ``missing:created_at`` or ``duplicate_id``.

    >>> reason_label("bad:created_at", "zh")
    '创建日期无法解析'
    """
    kind, _, column = code.partition(":")
    if column:
        return t(f"reason.{kind}", lang, column=t(f"column.{column}", lang))
    return t(f"reason.{code}", lang)


def fmt_int(value: float | int, lang: Language = "en") -> str:
    return f"{int(round(value)):,}"


def fmt_pct(value: float, lang: Language = "en", digits: int = 1) -> str:
    return "–" if value != value else f"{value * 100:.{digits}f}%"


def fmt_money(value: float, currency: str, lang: Language = "en") -> str:
    return "–" if value != value else f"{currency} {value:,.0f}"
