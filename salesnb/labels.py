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
    "index.ok": {"en": "up to date", "zh": "最新"},
    "index.failed": {"en": "failed; see the executed notebook", "zh": "失败，请查看执行后的笔记本"},
    "index.stale": {"en": "failed this run; showing the last good version", "zh": "本次失败，显示上一次成功的版本"},
    "index.window": {"en": "Data", "zh": "数据"},
    "index.window_value": {
        "en": "deals dated {first} to {last}; {used} of {read} rows used",
        "zh": "商机日期 {first} 至 {last}；读取 {read} 行，使用 {used} 行",
    },
    "index.freshness": {"en": "Freshness", "zh": "数据时效"},
    "index.freshness_value": {
        "en": "latest record {last}, {days} days before this page; data loaded {loaded}",
        "zh": "最新记录 {last}，距本页生成 {days} 天；数据载入于 {loaded}",
    },
    "index.kpis": {"en": "Key figures, {period}", "zh": "关键指标，{period}"},
    "index.kpis_note": {
        "en": "From the sales diagnosis; change against {previous}.",
        "zh": "来自销售诊断；变化为与 {previous} 相比。",
    },
    "index.kpis_stale": {
        "en": "The diagnosis failed this run: these figures are from its last good version.",
        "zh": "本次销售诊断失败：以下数字来自上一次成功的版本。",
    },
    "index.vs": {"en": "vs {period}", "zh": "较 {period}"},
    "index.no_change": {"en": "no comparison", "zh": "无可比数据"},
    "index.better": {"en": "better", "zh": "向好"},
    "index.worse": {"en": "worse", "zh": "变差"},
    "index.reports": {"en": "Reports", "zh": "报告"},
    "index.open": {"en": "Open the report", "zh": "打开报告"},
    "index.more": {"en": "All findings", "zh": "全部发现"},
    "index.no_findings": {"en": "No findings recorded.", "zh": "未记录发现。"},
    "index.pdf": {"en": "PDF", "zh": "PDF"},
    "chart.alt": {"en": "Chart: {section}", "zh": "图表：{section}"},
    "chart.alt_plain": {"en": "Chart", "zh": "图表"},
    "print.page": {"en": "Page", "zh": "页"},
    "table.filter": {"en": "Filter rows", "zh": "筛选行"},
    "table.sort_hint": {"en": "Click a column header to sort.", "zh": "点击列标题排序。"},
    "findings": {"en": "Findings", "zh": "主要发现"},
    "export.files": {"en": "Full table ({rows} rows):", "zh": "完整表格（{rows} 行）："},
    "export.workbook": {
        "en": "Every table of this report ({sheets} sheets):",
        "zh": "本报告全部表格（{sheets} 个工作表）：",
    },
    "export.heading": {"en": "Tables for export", "zh": "表格导出"},
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
    "audit.preset": {"en": "Column mapping by the {title} preset", "zh": "“{title}”预设的字段映射"},
    "audit.preset_note": {
        "en": "Found: a header the preset documents for this CRM. Guessed: none of those headers is in the file, "
        "so the general synonym table chose one; check it. Missing: the file has none of the documented headers. "
        "Set in the params file: the params file maps the column itself.",
        "zh": "已找到：文件中有预设为该 CRM 记录的字段名。推测：文件中没有这些字段名，由通用同义词表推测，请核对。"
        "缺失：文件中没有任何记录的字段名。参数文件指定：由参数文件自行映射的字段。",
    },
    "audit.preset_unmatched": {
        "en": "Files the preset did not recognise (not read): {files}.",
        "zh": "预设未识别的文件（未读取）：{files}。",
    },
    "preset.found": {"en": "found", "zh": "已找到"},
    "preset.guessed": {"en": "guessed", "zh": "推测"},
    "preset.missing": {"en": "missing", "zh": "缺失"},
    "preset.given": {"en": "set in the params file", "zh": "参数文件指定"},
    "preset.no_file": {"en": "no file", "zh": "无文件"},
    "preset.no_file_detail": {
        "en": "no file has the headers {headers}",
        "zh": "没有文件包含字段 {headers}",
    },
    "preset.file_not_found": {"en": "file not found", "zh": "未找到文件"},
    "preset.tried": {"en": "none of {headers}", "zh": "{headers} 均不存在"},
    "preset.status_from_stage": {"en": "from the stage", "zh": "由阶段判断"},
    "preset.status_equals": {"en": "{status} if {column} is {values}", "zh": "{column} 为 {values} 时为{status}"},
    "preset.status_filled": {"en": "{status} if {column} is filled", "zh": "{column} 非空时为{status}"},
    "preset.status_blank": {"en": "{status} if {column} is blank", "zh": "{column} 为空时为{status}"},
    "preset.alternative": {"en": " (rule set {n} of {of})", "zh": "（第 {n} 套规则，共 {of} 套）"},
    "audit.nothing_excluded": {"en": "No row was excluded.", "zh": "没有行被排除。"},
    "audit.nothing_flagged": {"en": "No row needed a warning.", "zh": "没有需要提示的行。"},
    "audit.no_history": {
        "en": "No stage history table: funnel timing is limited to created → closed, from the current stage only.",
        "zh": "没有阶段历史表：漏斗时长只能按“创建 → 关闭”与当前阶段计算。",
    },
    "audit.all_present": {"en": "All canonical tables were provided.", "zh": "所有标准数据表均已提供。"},
    "audit.anonymised": {
        "en": "Anonymised for sharing: {reps} reps, {managers} managers, {teams} teams and {accounts} accounts appear "
        "under pseudonyms (such as “{example}”) in every report, chart and export; rows shown as read keep only "
        "the columns the params file maps.",
        "zh": "已匿名化以便分享：{reps} 名销售、{managers} 名经理、{teams} 个团队和 {accounts} 个客户在所有报告、图表"
        "和导出文件中以代号（如“{example}”）显示；按原样显示的行只保留参数文件映射的列。",
    },
    # Pseudonyms of anonymised reports ({n}: a zero-padded number)
    "anon.rep": {"en": "Rep {n}", "zh": "销售 {n}"},
    "anon.manager": {"en": "Manager {n}", "zh": "经理 {n}"},
    "anon.team": {"en": "Team {n}", "zh": "团队 {n}"},
    "anon.account": {"en": "Account {n}", "zh": "客户 {n}"},
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
        "en": "{won} won, {lost} lost and {open} open deals: conversion {conversion} (won / all {deals} deals), win rate on closed deals {win_rate}.",
        "zh": "赢单 {won}、输单 {lost}、进行中 {open}：转化率 {conversion}（赢单 / 全部 {deals} 个商机），已关闭商机的赢率为 {win_rate}。",
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
    # Diagnosis (report 01)
    "diagnosis.title": {"en": "Sales diagnosis", "zh": "销售诊断"},
    "diag.find.revenue": {
        "en": "Revenue in {period} was {revenue}: {change} on {previous} and {change_ly} on {last_year} ({won} won deals, average {size}).",
        "zh": "{period} 收入 {revenue}：环比（{previous}）{change}，同比（{last_year}）{change_ly}（赢单 {won} 个，平均 {size}）。",
    },
    "diag.find.revenue_no_ly": {
        "en": "Revenue in {period} was {revenue}: {change} on {previous} ({won} won deals, average {size}); not compared with {last_year}, which the data does not cover fully: {reason}.",
        "zh": "{period} 收入 {revenue}：环比（{previous}）{change}（赢单 {won} 个，平均 {size}）；数据只部分覆盖 {last_year}，不做同比：{reason}。",
    },
    "diag.find.revenue_no_comparison": {
        "en": "Revenue in {period} was {revenue} ({won} won deals, average {size}); not compared with {previous} or {last_year}, which the data does not cover fully: {reason}.",
        "zh": "{period} 收入 {revenue}（赢单 {won} 个，平均 {size}）；数据只部分覆盖 {previous} 与 {last_year}，不做环比和同比：{reason}。",
    },
    "diag.find.reps_alike": {
        "en": "Rep win rates run from {low} to {high}, but across the {reps} reps with at least {min_closed} closed deals the spread is no larger than chance would give (chi-square p {p}): no rep stands out on conversion, so reps are compared on revenue and deal volume instead.",
        "zh": "销售赢率在 {low} 到 {high} 之间，但在关闭商机不少于 {min_closed} 个的 {reps} 名销售之间，差异不超过随机波动（卡方检验 p {p}）：没有人在转化上显著突出，因此改按收入与商机量比较。",
    },
    "diag.scorecard_alike": {
        "en": "Rep win rates do not differ more than chance would give (chi-square p {p}), so no rep is ranked, named or given an action on win rate; the table is ordered by revenue.",
        "zh": "各销售赢率差异不超过随机波动（卡方检验 p {p}），因此不按赢率排名、点名或安排行动；表格按收入排序。",
    },
    "diag.scorecard_ranked": {
        "en": "Rep win rates differ more than chance would give (chi-square p {p}). Win-rate ranks use rates shrunk towards the team rate (beta-binomial prior with mean {prior_mean}, worth {strength} closed deals). A rep is marked above or below the team only when the test of their rate against the team rate stays significant after Holm correction for the {tested} reps tested (5% family-wise).",
        "zh": "各销售赢率差异超过随机波动（卡方检验 p {p}）。赢率排名采用向团队赢率收缩后的赢率（Beta-二项先验，均值 {prior_mean}，相当于 {strength} 个关闭商机）。只有当某销售赢率与团队赢率的检验在对 {tested} 名受检销售做 Holm 校正后仍显著（整体 5%）时，才标为高于或低于团队。",
    },
    "diag.scorecard_differ_unranked": {
        "en": "Rep win rates differ as a group (chi-square p {p}), but the beta-binomial fit finds no spread to rank on; a rep is marked above or below the team only when their test against the team rate stays significant after Holm correction for the {tested} reps tested.",
        "zh": "各销售赢率整体上有差异（卡方检验 p {p}），但 Beta-二项拟合未发现可用于排名的差异；只有当某销售与团队赢率的检验在对 {tested} 名受检销售做 Holm 校正后仍显著时，才标为高于或低于团队。",
    },
    "diag.prior_boundary": {
        "en": "The beta-binomial fit finds no variance between reps beyond chance (its prior strength runs to the cap), so every shrunk win rate equals the team rate of {rate}; shrunk rates are not ranked.",
        "zh": "Beta-二项拟合未发现销售之间超出随机波动的差异（先验强度达到上限），因此所有收缩赢率都等于团队赢率 {rate}；不按收缩赢率排名。",
    },
    "diag.find.win_rate_no_prev": {
        "en": "Win rate was {current}; not compared with {prev_label}, which the data does not cover fully: {reason}.",
        "zh": "赢率为 {current}；数据只部分覆盖 {prev_label}，不做比较：{reason}。",
    },
    "diag.find.win_rate": {
        "en": "Win rate was {current} against {previous} in {prev_label} ({points})",
        "zh": "赢率为 {current}，{prev_label} 为 {previous}（{points}）",
    },
    "diag.find.win_rate_few": {
        "en": " — on {now} and {before} closed deals, too few to read much into the change",
        "zh": "——两期分别只有 {now} 和 {before} 个关闭商机，样本太少，变化参考价值有限",
    },
    "diag.find.win_rate_driver": {
        "en": "; the largest move is in team {team} ({before} → {after})",
        "zh": "；变化最大的是 {team} 团队（{before} → {after}）",
    },
    "diag.find.end": {"en": ".", "zh": "。"},
    "diag.find.reps": {
        "en": "Rep win rates differ more than chance would give (chi-square p {p}); tested one by one against the team rate of {team} with Holm correction for {reps} reps, {standouts}; the other {others} are within chance of the team rate.",
        "zh": "销售赢率差异超过随机波动（卡方检验 p {p}）；对 {reps} 名销售逐一与团队赢率 {team} 比较并做 Holm 校正后，{standouts}；其余 {others} 名与团队赢率的差异在随机波动之内。",
    },
    "diag.find.reps_differ_none": {
        "en": "Rep win rates differ as a group (chi-square p {p}), but no single rep is clearly above or below the team rate of {team} once {reps} reps are tested (Holm correction).",
        "zh": "销售赢率整体上有差异（卡方检验 p {p}），但对 {reps} 名销售做 Holm 校正后，没有哪一名明显高于或低于团队赢率 {team}。",
    },
    "diag.find.side.above": {"en": "above it: {reps}", "zh": "高于团队：{reps}"},
    "diag.find.side.below": {"en": "below it: {reps}", "zh": "低于团队：{reps}"},
    "diag.find.rep_rate": {
        "en": "{rep} {rate} (95% CI {low}–{high})",
        "zh": "{rep} {rate}（95% 置信区间 {low}–{high}）",
    },
    "diag.find.more": {"en": " and {count} more", "zh": " 等另外 {count} 名"},
    "diag.standout.above": {"en": "above team", "zh": "高于团队"},
    "diag.standout.below": {"en": "below team", "zh": "低于团队"},
    "diag.find.too_few": {
        "en": "{small} reps have fewer than {min_closed} closed deals in the window, too few to rank win rates.",
        "zh": "{small} 名销售在本期关闭商机少于 {min_closed} 个，样本太少，不做赢率排名。",
    },
    "diag.find.concentration": {
        "en": "The top 10% of the {accounts} buying accounts brought {share10} of revenue, the top 20% brought {share20}.",
        "zh": "{accounts} 个成交客户中，前 10% 贡献了 {share10} 的收入，前 20% 贡献了 {share20}。",
    },
    "diag.find.attainment": {
        "en": "The team reached {attainment} of its revenue target for {period}.",
        "zh": "团队完成了 {period} 收入目标的 {attainment}。",
    },
    "diag.find.attrition": {
        "en": "Rep attrition over {window} was {rate} ({leavers} leavers).",
        "zh": "{window} 销售流失率为 {rate}（离职 {leavers} 人）。",
    },
    "diag.kpis": {"en": "Team KPIs", "zh": "团队关键指标"},
    "diag.kpis_coverage": {
        "en": "A window the data covers less than {threshold} is not compared (shown as –): {reasons}.",
        "zh": "数据覆盖不足 {threshold} 的窗口不做比较（显示为 –）：{reasons}。",
    },
    "diag.cov.start": {
        "en": "{window} covered {share} ({basis} start {date})",
        "zh": "{window} 覆盖 {share}（{basis}始于 {date}）",
    },
    "diag.cov.end": {
        "en": "{window} covered {share} ({basis} end {date})",
        "zh": "{window} 覆盖 {share}（{basis}止于 {date}）",
    },
    "diag.cov.basis.closed": {"en": "closed dates", "zh": "关闭日期"},
    "diag.cov.basis.created": {"en": "created dates", "zh": "创建日期"},
    "diag.cov.basis.activities": {"en": "activity dates", "zh": "活动日期"},
    "diag.cov.basis.surveys": {"en": "survey dates", "zh": "调查日期"},
    "diag.pipeline_won_value": {
        "en": "Pipeline created counts only deals with an amount: of the {created} deals created in {period}, {lost} lost deals carry no amount and {open} open deals have none, so it is mostly won value ({won_share} of it) and its changes are not shown (earlier windows have had longer to win their deals).",
        "zh": "新增管道金额只计入有金额的商机：{period} 新建的 {created} 个商机中，{lost} 个输单没有金额，{open} 个进行中商机也没有金额，因此它主要是赢单金额（占 {won_share}），不显示其变化（较早的窗口有更长时间赢单）。",
    },
    "diag.pipeline_gaps": {
        "en": "Pipeline created counts only deals with an amount: of the {created} deals created in {period}, {lost} lost and {open} open deals carry no amount, so it understates the value created ({won_share} of it is won value).",
        "zh": "新增管道金额只计入有金额的商机：{period} 新建的 {created} 个商机中，{lost} 个输单和 {open} 个进行中商机没有金额，因此低估了新增价值（其中 {won_share} 为赢单金额）。",
    },
    "diag.undated": {
        "en": "{count} deals have no created date, so deals created and pipeline created leave them out.",
        "zh": "{count} 个商机没有创建日期，新建商机数与新增管道金额不含这些商机。",
    },
    "diag.undated_many": {
        "en": "{count} deals have no created date, so deals created and pipeline created leave them out; as undated deals are usually the newest, their changes are not shown.",
        "zh": "{count} 个商机没有创建日期，新建商机数与新增管道金额不含这些商机；无日期的商机通常是最新的，因此不显示其变化。",
    },
    "diag.kpis_note": {
        "en": "{current} compared with the previous period ({previous}) and the same period a year earlier ({last_year}). Changes in win rate and attainment are in percentage points.",
        "zh": "{current} 与上一期（{previous}）及去年同期（{last_year}）对比。赢率与达成率的变化以百分点表示。",
    },
    "diag.trend": {"en": "Monthly revenue and win rate", "zh": "月度收入与赢率"},
    "diag.trend_note": {
        "en": "Bars: each month; line: rolling {months}-month average (win rate pooled over the months).",
        "zh": "柱：单月；线：{months} 个月滚动平均（赢率按月合并计算）。",
    },
    "diag.scorecard": {"en": "Rep scorecard", "zh": "销售个人记分卡"},
    "diag.scorecard_note": {
        "en": "Window {window}. Win rate with its Wilson 95% interval; the team rate is {team_rate}. Reps with fewer than {min_closed} closed deals are flagged, not tested or ranked on win rate.",
        "zh": "统计窗口 {window}。赢率附 Wilson 95% 置信区间；团队赢率为 {team_rate}。关闭商机少于 {min_closed} 个的销售只标注，不参与赢率检验与排名。",
    },
    "diag.winrate_chart": {"en": "Win rate by rep, with 95% intervals", "zh": "各销售赢率及 95% 置信区间"},
    "diag.strengths": {"en": "Strengths and weak spots", "zh": "优势与短板"},
    "diag.strengths_note": {
        "en": "Each KPI as the rep's percentile against the team: 100 is best (for the sales cycle, shorter is better).",
        "zh": "每项指标为该销售在团队中的百分位：100 为最好（销售周期越短越好）。",
    },
    "diag.archetypes": {"en": "Activity vs conversion", "zh": "活动量与转化"},
    "diag.archetype_rule": {
        "en": "Rule: split at the team medians of activities ({activities}) and shrunk win rate ({win_rate}) among reps with enough closed deals. Busy but not closing = activity at or above the median, win rate below; efficient closer = activity below, win rate at or above; productive = both at or above; under-active = both below.",
        "zh": "规则：以有足够关闭商机的销售的活动量中位数（{activities}）与收缩赢率中位数（{win_rate}）划分。忙碌但不成交 = 活动量不低于中位数且赢率低于中位数；高效成交 = 活动量低于中位数且赢率不低于中位数；高产 = 两者都不低于中位数；活动不足 = 两者都低于中位数。",
    },
    "diag.breakdowns": {"en": "Breakdowns", "zh": "分维度分析"},
    "diag.by.team": {"en": "By team", "zh": "按团队"},
    "diag.by.segment": {"en": "By segment", "zh": "按客户细分"},
    "diag.by.product": {"en": "By product", "zh": "按产品"},
    "diag.by.region": {"en": "By region", "zh": "按区域"},
    "diag.by.lead_source": {"en": "By lead source", "zh": "按线索来源"},
    "diag.concentration": {"en": "Customer concentration", "zh": "客户集中度"},
    "diag.customers": {"en": "Customer health", "zh": "客户健康度"},
    "diag.customers_note": {
        "en": "Retention compares buying accounts with the previous period; repeat purchase counts accounts with two or more won deals up to the period end. CLV is an estimate: revenue per active customer over the last 12 months × expected lifetime 1 / (1 − annual retention), at most 10 years, without margin data.",
        "zh": "留存率对比上一期的成交客户；复购率为截至期末赢单两次及以上的客户占比。CLV 为估算：近 12 个月每个活跃客户的收入 × 预期生命周期 1/(1 − 年留存率)，最多 10 年，未考虑毛利。",
    },
    "diag.attrition": {"en": "Rep attrition", "zh": "销售流失"},
    "diag.attrition_note": {
        "en": "Attrition = leavers in the window / mean daily headcount (a rep counts from hire date through leave date).",
        "zh": "流失率 = 窗口内离职人数 / 日均在职人数（自入职日至离职日计为在职）。",
    },
    "diag.actions": {"en": "Suggested actions", "zh": "建议行动"},
    "diag.actions_note": {
        "en": "From the rule table in salesnb/actions.py; a rep can appear under several flags.",
        "zh": "依据 salesnb/actions.py 中的规则表生成；同一销售可能出现在多个标记下。",
    },
    "diag.no_actions": {"en": "No rule flagged any rep.", "zh": "没有销售触发任何规则。"},
    "diag.definitions": {
        "en": "Revenue = won amount closed in the window. Win rate = won / (won + lost) closed in the window (not Odoo's won/lost ratio). Average deal size = mean won amount. Sales cycle = close date − created date of won deals. New customer = account whose first won deal closes in the window. Attainment = revenue / revenue target of the periods inside the window.",
        "zh": "收入 = 窗口内关闭的赢单金额。赢率 = 窗口内关闭商机中 赢单 /（赢单 + 输单）（不同于 Odoo 的赢输比）。平均单额 = 赢单平均金额。销售周期 = 赢单的关闭日期 − 创建日期。新客户 = 首次赢单在窗口内的客户。达成率 = 收入 / 窗口内各期的收入目标。",
    },
    "diag.skip.activities": {
        "en": "no activities table, so activity counts, the activity/conversion quadrant and activity actions are left out",
        "zh": "没有活动表，因此不显示活动量、活动/转化象限及相关建议",
    },
    "diag.skip.csat": {"en": "no surveys table, so CSAT is left out", "zh": "没有满意度调查表，因此不显示 CSAT"},
    "diag.skip.attainment": {
        "en": "no targets table, so target attainment is left out",
        "zh": "没有目标表，因此不显示目标达成率",
    },
    "diag.skip.costs": {
        "en": "no costs table, so CAC and CLV are left out",
        "zh": "没有成本表，因此不显示获客成本与客户终身价值",
    },
    "diag.skip.customers": {
        "en": "deals have no account column, so customer figures are left out",
        "zh": "商机没有客户字段，因此不显示客户指标",
    },
    "diag.skip.attrition": {
        "en": "the reps table has no hire and leave dates, so attrition is left out",
        "zh": "销售人员表没有入职/离职日期，因此不显示流失率",
    },
    "diag.skip.archetypes_alike": {
        "en": "rep win rates do not differ beyond chance, so reps are not sorted into activity/conversion types",
        "zh": "销售赢率差异不超过随机波动，因此不按活动量/转化划分类型",
    },
    "diag.skip.breakdowns": {
        "en": "deals have no segment, product, region or lead source",
        "zh": "商机没有细分、产品、区域或线索来源字段",
    },
    "kpi.revenue": {"en": "Revenue", "zh": "收入"},
    "kpi.won": {"en": "Won deals", "zh": "赢单数"},
    "kpi.won_deals": {"en": "Won deals", "zh": "赢单数"},
    "kpi.cycle_days": {"en": "Sales cycle (days)", "zh": "销售周期（天）"},
    "kpi.deal_size": {"en": "Deal size", "zh": "单额"},
    "kpi.attrition": {"en": "Rep attrition", "zh": "销售流失率"},
    "kpi.win_rate": {"en": "Win rate", "zh": "赢率"},
    "kpi.win_rate_shrunk": {"en": "Win rate (shrunk)", "zh": "赢率（收缩）"},
    "kpi.avg_deal_size": {"en": "Average deal size", "zh": "平均单额"},
    "kpi.median_cycle_days": {"en": "Median cycle (days)", "zh": "周期中位数（天）"},
    "kpi.mean_cycle_days": {"en": "Mean cycle (days)", "zh": "平均周期（天）"},
    "kpi.new_customers": {"en": "New customers", "zh": "新客户"},
    "kpi.deals_created": {"en": "Deals created", "zh": "新建商机"},
    "kpi.pipeline_created": {"en": "Pipeline created", "zh": "新增管道金额"},
    "kpi.activities": {"en": "Activities", "zh": "活动量"},
    "kpi.csat": {"en": "CSAT (0–100)", "zh": "满意度（0–100）"},
    "kpi.attainment": {"en": "Target attainment", "zh": "目标达成率"},
    "cust.active_customers": {"en": "Buying customers", "zh": "成交客户"},
    "cust.new_customers": {"en": "New customers", "zh": "新客户"},
    "cust.returning_customers": {"en": "Returning customers", "zh": "老客户"},
    "cust.retention": {"en": "Retention vs previous period", "zh": "较上期留存率"},
    "cust.repeat_purchase": {"en": "Repeat purchase rate", "zh": "复购率"},
    "cust.cac": {"en": "CAC (costs / new customers)", "zh": "获客成本（成本/新客户）"},
    "cust.clv_estimate": {"en": "CLV (estimate)", "zh": "客户终身价值（估算）"},
    "arch.productive": {"en": "productive", "zh": "高产"},
    "arch.busy_not_closing": {"en": "busy but not closing", "zh": "忙碌但不成交"},
    "arch.efficient_closer": {"en": "efficient closer", "zh": "高效成交"},
    "arch.under_active": {"en": "under-active", "zh": "活动不足"},
    "arch.too_few_deals": {"en": "too few closed deals", "zh": "关闭商机太少"},
    "flag.low_conversion": {
        "en": "Low conversion (win rate below the team's beyond chance, Holm-corrected)",
        "zh": "转化偏低（赢率低于团队且超出随机波动，经 Holm 校正）",
    },
    "flag.bottom_group": {"en": "Bottom group by revenue", "zh": "收入末位组"},
    "flag.new_rep": {"en": "New rep", "zh": "新人"},
    "flag.low_activity": {"en": "Low activity (under half the median)", "zh": "活动量偏低（不足中位数一半）"},
    "flag.busy_not_closing": {"en": "Busy but not closing", "zh": "忙碌但不成交"},
    "flag.low_csat": {"en": "Low CSAT (one SD below the mean)", "zh": "满意度偏低（低于均值一个标准差）"},
    "action.training": {"en": "Sales-skills training", "zh": "销售技能培训"},
    "action.coaching": {"en": "One-to-one coaching", "zh": "一对一辅导"},
    "action.pairing": {"en": "Pair with a senior rep", "zh": "与资深销售结对"},
    "action.activity_targets": {"en": "Set activity targets", "zh": "设定活动量目标"},
    "action.qualification": {"en": "Review lead qualification and call quality", "zh": "复盘线索筛选与拜访质量"},
    "action.service_review": {"en": "Review service follow-up with the customers", "zh": "复盘客户服务跟进"},
    # Targets (report 02)
    "targets.title": {"en": "Targets", "zh": "目标设定"},
    "tgt.metric.revenue": {"en": "revenue", "zh": "收入"},
    "tgt.metric.won_deals": {"en": "won deals", "zh": "赢单数"},
    "tgt.metric.new_customers": {"en": "new customers", "zh": "新客户数"},
    "tgt.metric.csat": {"en": "CSAT", "zh": "满意度"},
    "tgt.method.last_period_uplift": {"en": "last period's average × (1 + uplift)", "zh": "上期月均 ×（1 + 增幅）"},
    "tgt.method.weighted_average": {"en": "weighted moving average", "zh": "加权移动平均"},
    "tgt.method.regression_seasonal": {"en": "regression with seasonality", "zh": "含季节性的回归"},
    "tgt.method.exponential_smoothing": {"en": "exponential smoothing", "zh": "指数平滑"},
    "tgt.method.regression_seasonal.trend": {
        "en": "linear trend regression (no seasonality)",
        "zh": "线性趋势回归（不含季节性）",
    },
    "tgt.method.exponential_smoothing.trend": {
        "en": "exponential smoothing (damped trend, no seasonality)",
        "zh": "指数平滑（阻尼趋势，不含季节性）",
    },
    "tgt.split.capability_tier": {"en": "capability tier", "zh": "能力分层"},
    "tgt.split.history_share": {"en": "history share", "zh": "历史占比"},
    "tgt.split.equal": {"en": "equal shares", "zh": "平均分配"},
    "tgt.find.target": {
        "en": "Proposed {metric} target for {period}: {target} — the {method} forecast of {forecast}{how} plus {stretch} stretch; {chance}.",
        "zh": "建议 {period} {metric}目标：{target}——{method}预测 {forecast}{how}加 {stretch} 的挑战幅度；{chance}。",
    },
    "tgt.how.default": {"en": " (declared default, not backtested)", "zh": "（声明的默认方法，未经回测）"},
    "tgt.how.params": {"en": " (method named in the params file)", "zh": "（参数文件指定的方法）"},
    "tgt.chance.measured": {
        "en": "chance of reaching it {probability}, judged by the forecast's errors in {n} held-out periods",
        "zh": "按预测在 {n} 个留出期的误差估计，达成概率 {probability}",
    },
    "tgt.chance.assumed": {
        "en": "chance of reaching it {probability} under an assumed ±{sd} spread (not measured: too few held-out periods)",
        "zh": "在假定 ±{sd} 误差幅度下达成概率 {probability}（留出期太少，未能实测）",
    },
    "tgt.find.too_hard": {
        "en": "Warning: below the {hard} chance that keeps a target motivating; a target between {low} ({easy} chance) and {high} ({hard} chance) would be demanding but reachable.",
        "zh": "提示：达成概率低于 {hard}，目标可能打击士气；{low}（{easy} 概率）到 {high}（{hard} 概率）之间的目标更具挑战且可达。",
    },
    "tgt.find.too_easy": {
        "en": "Warning: above the {easy} chance, the target is too easy to motivate; a target between {low} ({easy} chance) and {high} ({hard} chance) would stretch the team.",
        "zh": "提示：达成概率高于 {easy}，目标偏低、缺乏激励；{low}（{easy} 概率）到 {high}（{hard} 概率）之间的目标更有挑战。",
    },
    "tgt.find.band_assumed": {
        "en": " These chances also rest on the assumed spread.",
        "zh": " 这些概率同样基于假定的误差幅度。",
    },
    "tgt.find.backtest": {
        "en": "{method} had the lowest backtest error (MAPE {mape} over {n} held-out periods) against {naive} for the last-period rule; {months} months of history used.",
        "zh": "{method}的回测误差最低（{n} 个留出期的 MAPE 为 {mape}），“上期 × 增幅”规则为 {naive}；共使用 {months} 个月历史。",
    },
    "tgt.find.backtest_params": {
        "en": "{method} was named in the params file; its backtest MAPE was {mape} over {n} held-out periods, against {naive} for the last-period rule; {months} months of history used.",
        "zh": "{method}由参数文件指定；其在 {n} 个留出期的回测 MAPE 为 {mape}，“上期 × 增幅”规则为 {naive}；共使用 {months} 个月历史。",
    },
    "tgt.find.not_backtested": {
        "en": "The method is not chosen by backtest: {months} months of history leave room for {n} held-out period(s), and at least 2 are needed to compare methods, so the declared default, {method}, is used.",
        "zh": "预测方法未经回测选择：{months} 个月历史只够留出 {n} 期，比较方法至少需要 2 期，因此采用声明的默认方法：{method}。",
    },
    "tgt.find.single_fold": {
        "en": " The errors on that one period are listed below for reference, not as a measure of accuracy.",
        "zh": " 下表列出该期误差仅供参考，不代表预测精度。",
    },
    "tgt.find.assumed_spread": {
        "en": " Too few backtests to measure the forecast's spread: ±{sd} is assumed, and every chance of reaching in this report rests on that assumption.",
        "zh": " 回测期数太少，无法估计预测误差：假定为 ±{sd}，本报告中所有达成概率都以此假定为前提。",
    },
    "tgt.find.split": {
        "en": "Split by {method} across {reps} reps: from {low} to {high}; {ramping} new reps get a ramped target.",
        "zh": "按{method}分配给 {reps} 名销售：从 {low} 到 {high}；{ramping} 名新人按爬坡期折算。",
    },
    "tgt.find.rep_reach": {
        "en": " Judged against each rep's own share of team revenue over the last {periods} periods, the chances of reaching these targets run from {low} to {high}; {hard} reps are below {too_hard} and {easy} above {too_easy}.",
        "zh": " 按每名销售过去 {periods} 期在团队收入中的占比衡量，个人目标达成概率从 {low} 到 {high}；{hard} 人低于 {too_hard}，{easy} 人高于 {too_easy}。",
    },
    "tgt.find.commission": {
        "en": "At 100% attainment commission costs {cost} ({share} of revenue); expected payout {expected}, from the same simulated rep revenues as the reps' chances of reaching.",
        "zh": "100% 达成时佣金成本为 {cost}（占收入 {share}）；期望佣金为 {expected}，与个人达成概率来自同一组模拟收入。",
    },
    "tgt.find.pacing": {
        "en": "As of {as_of}, revenue is at {pace} of the phased target to date; at this run rate the period ends at {projected} of target; {behind} reps are behind.",
        "zh": "截至 {as_of}，收入为至今分解目标的 {pace}；按当前速度本期将完成目标的 {projected}；{behind} 名销售落后。",
    },
    "tgt.find.no_history": {
        "en": "Only {months} months of history, fewer than the {needed} needed: no forecast or target is proposed.",
        "zh": "仅有 {months} 个月历史，少于所需的 {needed} 个月：不提出预测与目标。",
    },
    "tgt.history": {"en": "History available", "zh": "可用历史"},
    "tgt.history_note": {
        "en": "{months} months of {metric} history ({first} – {last}){warmup}. {limits}",
        "zh": "{metric}历史共 {months} 个月（{first} – {last}）{warmup}。{limits}",
    },
    "tgt.history_seasonal": {
        "en": "Enough for seasonal methods and a seasonal phasing profile.",
        "zh": "足以使用季节性方法与季节性分解。",
    },
    "tgt.history_short": {
        "en": "Fewer than 24 months: seasonal effects cannot be estimated, so regression and smoothing use trend only and phasing follows working days.",
        "zh": "不足 24 个月：无法估计季节性，回归与平滑只含趋势，分解按工作日进行。",
    },
    "tgt.history_trend_folds": {
        "en": "24 months or more: enough for a seasonal phasing profile. But the earliest backtest period is forecast from only {n} months, too few for seasonal models, so every backtest and the final forecast use trend-only models (one model family throughout).",
        "zh": "不少于 24 个月：足以按季节性分解。但最早的回测期只有 {n} 个月训练数据，不足以拟合季节性模型，因此所有回测与最终预测都只用趋势模型（全程同一模型族）。",
    },
    "tgt.history_warmup": {"en": "; {n} leading warm-up months left out", "zh": "；剔除了开头 {n} 个爬升月"},
    "tgt.baselines": {"en": "Forecasts and their backtest errors", "zh": "预测方法及回测误差"},
    "tgt.baselines_note": {
        "en": "Each method forecasts {period} from the history; its error is the mean absolute percentage error (MAPE) on up to {n} past periods held out and forecast from the data before them ({folds} fit here). Each backtest leaves out the warm-up months of its own training data and fits the same {family} model as the final forecast. With at least 2 held-out periods the method with the lowest MAPE is used (✓); with fewer, the declared default ({default}) is used and is not backtested.",
        "zh": "各方法基于历史预测 {period}；误差为最多 {n} 个过去期间的平均绝对百分比误差（MAPE），每期只用其之前的数据预测（本次实际 {folds} 期）。每次回测只按其自身训练数据剔除爬升月，并与最终预测使用同一{family}模型。留出期不少于 2 期时采用 MAPE 最低的方法（✓）；不足 2 期时采用声明的默认方法（{default}），未经回测。",
    },
    "tgt.team": {"en": "Team target", "zh": "团队目标"},
    "tgt.family.seasonal": {"en": "seasonal (trend and month of year)", "zh": "季节性（趋势加月份）"},
    "tgt.family.trend": {"en": "trend-only", "zh": "纯趋势"},
    "tgt.team_note": {
        "en": "Target = forecast × (1 + {stretch}). {errors}",
        "zh": "目标 = 预测 ×（1 + {stretch}）。{errors}",
    },
    "tgt.errors.measured": {
        "en": "Its chance of being reached assumes the forecast errs as it did in the {n} held-out periods: log errors averaging {bias} with SD {sd}, taken as a Student-t with {df} degrees of freedom (the prediction distribution of a new error from {n} past ones, wide on purpose).",
        "zh": "达成概率假设预测误差与 {n} 个留出期相同：对数误差均值 {bias}、标准差 {sd}，按自由度 {df} 的 t 分布计算（由 {n} 个过去误差推出的新误差预测分布，刻意偏宽）。",
    },
    "tgt.errors.assumed": {
        "en": "Its chance of being reached rests on an assumed spread of ±{sd} around the forecast (normal on the log scale): too few held-out periods to measure it.",
        "zh": "达成概率基于假定的 ±{sd} 预测误差幅度（对数正态）：留出期太少，无法实测。",
    },
    "tgt.other": {"en": "Other target metrics", "zh": "其他目标指标"},
    "tgt.other_note": {
        "en": "Chosen baseline and a stretch target for each metric the data supports (CSAT: forecast + 2 points, at most 100).",
        "zh": "数据支持的各项指标的所选基线与挑战目标（满意度：预测 + 2 分，最高 100）。",
    },
    "tgt.split_heading": {"en": "Split to reps", "zh": "分配到个人"},
    "tgt.split_note": {
        "en": "Method: {method}. Tiers A/B/C by revenue per month employed over the last 12 months (thirds; under 12 months of tenure caps at B), weights {weights}. New reps ramp from {start} to full over {ramp} months. Floors {floor} and caps {cap} of the average target. Reps who have left get none. Targets are rounded to {unit} and add up exactly to the team target.",
        "zh": "方法：{method}。按近 12 个月每在职月收入分 A/B/C 三档（三等分；司龄不足 12 个月最高为 B），权重 {weights}。新人在 {ramp} 个月内从 {start} 爬升到满额。下限为平均目标的 {floor}，上限为 {cap}。已离职者不分配。目标按 {unit} 取整，合计与团队目标完全相等。",
    },
    "tgt.rep_reach_note": {
        "en": "Each rep's chance of reaching their target comes from their own history, not from their target: their share of team revenue in each of the last {periods} periods (divided by their ramp while ramping), partially pooled across reps — a rep's spread is part their own, part the team's scaled to their share, and a short record is pulled towards the typical rep — times the team forecast with its error distribution, in {n} seeded simulations. Reps with no full period yet ({new}) are taken at a typical rep's share × their ramp. Shares are rescaled to add up to the team forecast.",
        "zh": "个人达成概率来自其自身历史，而不是其目标：过去 {periods} 期中其在团队收入中的占比（爬坡期按爬坡系数折算），并在销售之间部分合并——个人波动一部分来自本人、一部分来自团队（按其占比缩放），记录短者向典型销售收缩——再乘以带误差分布的团队预测，共 {n} 次固定种子模拟。尚无完整一期记录的销售（{new} 人）按典型销售占比 × 爬坡系数计算。各人占比经缩放后合计等于团队预测。",
    },
    "tgt.rep_basis.own_history": {"en": "own history", "zh": "本人历史"},
    "tgt.rep_basis.short_history": {"en": "one period, pooled", "zh": "仅一期，合并估计"},
    "tgt.rep_basis.new_hire": {"en": "new hire: typical share × ramp", "zh": "新人：典型占比 × 爬坡"},
    "tgt.phasing": {"en": "Phasing to months, weeks and days", "zh": "按月、周、日分解"},
    "tgt.phasing_note": {
        "en": "Months by {basis}; within a month equally over working days (Monday–Friday without {country} public holidays). Weeks start on Monday.",
        "zh": "月度按{basis}分解；月内按工作日平均分配（周一至周五，剔除{country}法定节假日）。每周从周一开始。",
    },
    "tgt.basis.seasonality": {"en": "the seasonal profile of past years", "zh": "往年季节性"},
    "tgt.basis.working_days": {"en": "working days", "zh": "工作日"},
    "tgt.smart": {"en": "SMART audit", "zh": "SMART 检查"},
    "tgt.smart_note": {
        "en": "Specific: metric and scope named. Measurable: computable from the data. Achievable: chance of reaching between {hard} and {easy}. Relevant: rep targets add up to the team target. Time-bound: the period has dates.",
        "zh": "具体：指标与范围明确。可衡量：可由数据计算。可实现：达成概率在 {hard} 与 {easy} 之间。相关：个人目标合计等于团队目标。有时限：期间有起止日期。",
    },
    "tgt.commission": {"en": "Commission cost", "zh": "佣金成本"},
    "tgt.commission_note": {
        "en": "Rates by attainment band ({mode}): {bands}{cap}. Expected payout from the {n} seeded simulations behind the reps' chances of reaching: the team forecast's error times each rep's share of team revenue from their own history.",
        "zh": "按达成率分档的费率（{mode}）：{bands}{cap}。期望佣金来自个人达成概率所用的 {n} 次固定种子模拟：团队预测误差 × 每名销售按其历史估计的收入占比。",
    },
    "tgt.mode.marginal": {"en": "each band's revenue at its own rate", "zh": "各档收入按各自费率"},
    "tgt.mode.flat": {"en": "all revenue at the rate of the band reached", "zh": "全部收入按所达档位费率"},
    "tgt.cap_text": {"en": "; nothing more above {cap} attainment", "zh": "；达成率超过 {cap} 的部分不再计提"},
    "tgt.curve": {"en": "Total payout against team attainment", "zh": "团队达成率与佣金总额"},
    "tgt.pacing": {"en": "Pacing of the period in progress", "zh": "进行中期间的进度"},
    "tgt.pacing_note": {
        "en": "{period} as of {as_of}: {done} of {total} working days done. Target {target}; actual to date {actual} against {planned} phased to date. Run-rate projection {projection} ({attainment} of target); {required} per remaining working day needed.",
        "zh": "{period}，截至 {as_of}：已过 {done}/{total} 个工作日。目标 {target}；至今实际 {actual}，至今分解目标 {planned}。按当前速度预计 {projection}（目标的 {attainment}）；剩余每个工作日需 {required}。",
    },
    "tgt.skip.pacing": {
        "en": "the run date {as_of} is not inside {period}, or the data has no targets for it, so there is nothing to pace",
        "zh": "运行日期 {as_of} 不在 {period} 内，或数据中没有该期目标，因此无进度可跟踪",
    },
    "tgt.skip.commission": {"en": "commission applies to revenue targets only", "zh": "佣金只适用于收入目标"},
    "tgt.skip.no_forecast": {"en": "not enough history for a forecast", "zh": "历史不足，无法预测"},
    "tgt.exports": {"en": "Files to load into the CRM", "zh": "可导入 CRM 的文件"},
    "smart.pass": {"en": "pass", "zh": "通过"},
    "smart.warn": {"en": "warn", "zh": "警示"},
    "smart.too_easy": {"en": "too easy", "zh": "过易"},
    "smart.too_hard": {"en": "too hard", "zh": "过难"},
    "smart.achievable_ok": {"en": "within the band", "zh": "在合理区间"},
    "smart.achievable_unknown": {"en": "chance unknown", "zh": "概率未知"},
    "scope.team": {"en": "team", "zh": "团队"},
    "scope.rep": {"en": "rep", "zh": "个人"},
    # Funnel (report 03)
    "funnel.title": {"en": "Sales funnel", "zh": "销售漏斗"},
    "fun.all_teams": {"en": "all teams", "zh": "全部团队"},
    "fun.amount_unknown": {"en": "amount unknown", "zh": "金额未知"},
    "fun.find.bottleneck_team": {
        "en": "The biggest bottleneck is {stage} → {next_stage} in team {team}, significantly below the other teams: {conversion} of its deals that resolve there move on ({open} still open, not counted as drop-outs) against {benchmark} for the best quarter of reps; closing that gap would add about {gain} per {months}-month period (estimate from {span} months of deals).",
        "zh": "最大的瓶颈在 {team} 团队的 {stage} → {next_stage}，显著低于其他团队：该步骤已有结果的商机中推进率为 {conversion}（{open} 个仍在进行，不计为流失），而前 25% 销售为 {benchmark}；补齐差距每 {months} 个月约可增加 {gain}（基于 {span} 个月商机的估算）。",
    },
    "fun.find.bottleneck": {
        "en": "The biggest bottleneck is {stage} → {next_stage}: {conversion} of the deals that resolve there move on ({open} still open, not counted as drop-outs) against {benchmark} for the best quarter of reps; closing that gap would add about {gain} per {months}-month period (estimate from {span} months of deals).",
        "zh": "最大的瓶颈在 {stage} → {next_stage}：已有结果的商机中推进率为 {conversion}（{open} 个仍在进行，不计为流失），而前 25% 销售为 {benchmark}；补齐差距每 {months} 个月约可增加 {gain}（基于 {span} 个月商机的估算）。",
    },
    "fun.find.no_bottleneck": {
        "en": "No step falls short of the best quarter of reps by a measurable amount (reps' conversions, shrunk for chance, barely differ).",
        "zh": "没有哪个阶段明显落后于前 25% 的销售（按偶然波动收缩后，各销售的转化率几乎没有差别）。",
    },
    "fun.find.overall": {
        "en": "Of {deals} deals at the first stage, {resolved} have resolved and {won} of those were won ({open} still open); most resolved deals drop out after {stage} ({drop} deals, {share} of those resolved there).",
        "zh": "首阶段 {deals} 个商机中已有结果的 {resolved} 个，其中赢单 {won}（{open} 个仍在进行）；流失最多的是 {stage} 之后（{drop} 个，占在该阶段已有结果者的 {share}）。",
    },
    "fun.find.time": {
        "en": "Deals sit longest in {stage}: median {p50} days, p90 {p90} days.",
        "zh": "商机在 {stage} 停留最久：中位数 {p50} 天，p90 为 {p90} 天。",
    },
    "fun.find.stuck": {
        "en": "{n} open deals ({amount}) have been in their stage longer than the {q} of deals that moved on; {rep} has the most ({rep_n}).",
        "zh": "{n} 个进行中商机（{amount}）在当前阶段停留超过已推进商机的 {q}；{rep} 最多（{rep_n} 个）。",
    },
    "fun.find.stuck_no_history": {
        "en": "{n} open deals ({amount}) are older than the {q} of created → closed of closed deals (no stage history, so time in the current stage is unknown); {rep} has the most ({rep_n}).",
        "zh": "{n} 个进行中商机（{amount}）的存续时间超过已关闭商机“创建 → 关闭”时长的 {q}（无阶段历史，无法得知在当前阶段的停留时间）；{rep} 最多（{rep_n} 个）。",
    },
    "fun.find.moves": {
        "en": "Stage history: {skip} deals skipped a stage (counted as passing it), {backward} moved backward, {reopen} were reopened, {late} entered at a later stage.",
        "zh": "阶段历史：{skip} 个商机跳过阶段（视为已通过），{backward} 个回退，{reopen} 个重开，{late} 个中途进入。",
    },
    "fun.find.no_history": {
        "en": "No stage history: this funnel is built from each deal's current stage and dates, so time in stage and moves between stages cannot be known.",
        "zh": "没有阶段历史：本漏斗由各商机当前阶段与日期构建，无法得知各阶段停留时间与阶段变动。",
    },
    "fun.funnel": {"en": "Funnel", "zh": "漏斗"},
    "fun.funnel_note": {
        "en": "{mode}, {window}. Next-step conversion = deals reaching the next stage / deals resolved at this one (moved on, or ended lost there); deals still open at a stage are shown beside it and never counted as drop-outs. Eventual conversion is the censoring-aware estimate (Aalen–Johansen, see Definitions). Cumulative = deals reaching this stage / deals resolved with respect to it (reached it, or lost before). Wilson 95% intervals. Skip policy: {policy}.",
        "zh": "{mode}，{window}。下一步转化率 = 到达下一阶段的商机 / 在本阶段已有结果的商机（已推进或在此输单）；仍停留在该阶段的进行中商机单列显示，不计为流失。最终转化率为考虑删失的估计（Aalen–Johansen，见口径说明）。累计转化率 = 到达本阶段的商机 / 对本阶段已有结果的商机（已到达或在此前输单）。均附 Wilson 95% 置信区间。跳过策略：{policy}。",
    },
    "fun.mode.cohort": {"en": "Cohort: deals created in the window", "zh": "队列口径：窗口内新建的商机"},
    "fun.mode.period": {"en": "Period: stage entries in the window", "zh": "期间口径：窗口内进入各阶段的次数"},
    "fun.mode.snapshot": {
        "en": "Snapshot: deals created in the window, by their current stage (no stage history)",
        "zh": "快照口径：窗口内新建的商机，按当前阶段统计（无阶段历史）",
    },
    "fun.policy.count_as_passed": {
        "en": "reaching a later stage counts as passing the earlier ones",
        "zh": "到达后续阶段即视为通过之前阶段",
    },
    "fun.policy.as_recorded": {"en": "only stages recorded in the history count", "zh": "只计历史中记录的阶段"},
    "fun.no_history_note": {
        "en": "Without stage history, lost deals are assumed to have reached {lost}; open deals count at their current stage. {undated} deals without a created date cannot be placed in the window and are left out.",
        "zh": "没有阶段历史时，输单商机假定到达 {lost}；进行中商机按当前阶段计。{undated} 个没有创建日期的商机无法归入窗口，未计入。",
    },
    "fun.moves": {"en": "Stage moves", "zh": "阶段变动"},
    "fun.time": {"en": "Time in stage", "zh": "阶段停留时间"},
    "fun.time_note": {
        "en": "Days from the first entry of a stage to the first entry of the next stage visited (Salesforce); cumulative columns add every visit to the stage (HubSpot). Deals still in the stage are not counted.",
        "zh": "从首次进入某阶段到首次进入下一个阶段的天数（Salesforce 口径）；累计列为多次进入该阶段的时间之和（HubSpot 口径）。仍在该阶段的商机不计入。",
    },
    "fun.to_close": {"en": "Time to close", "zh": "成交周期"},
    "fun.skip.time": {
        "en": "no stage history, so time per stage cannot be known",
        "zh": "没有阶段历史，无法得知各阶段停留时间",
    },
    "fun.bottlenecks": {"en": "Bottleneck ranking", "zh": "瓶颈排名"},
    "fun.bottlenecks_note": {
        "en": "Conversion: eventual (censoring-aware) where the data dates moving on, otherwise on resolved deals. Benchmark: the 75th percentile of reps with at least {min} resolved deals at the step, each rep's rate shrunk toward the others by the between-rep variance (empirical Bayes) so chance spread is not taken for better practice{target}. Gain per period = deals reaching the step × conversion gap × win rate after the step (resolved deals) × average won deal size, for the deals with a rep over {span} months, scaled to one {period} — an estimate.",
        "zh": "转化率：数据记录了推进日期时用最终转化率（考虑删失），否则用已有结果的商机计算。基准：在该步骤至少有 {min} 个已有结果商机的销售的第 75 百分位，各销售转化率先按销售间方差向整体收缩（经验贝叶斯），以免把偶然波动当作更好的做法{target}。每期增益 = 到达该步骤的商机 × 转化率差距 × 之后的赢率（已有结果的商机）× 平均赢单金额，按 {span} 个月内有负责销售的商机折算为一个 {period}——为估算值。",
    },
    "fun.target_note": {"en": " (or the target conversion in params)", "zh": "（或参数中的目标转化率）"},
    "fun.compare": {"en": "Differences between groups", "zh": "组间差异"},
    "fun.compare_note": {
        "en": "Each group's step conversion against all other groups, never counting still-open deals as drop-outs: the eventual conversions compared by a two-proportion z-test on effective counts where moving on is dated, otherwise resolved deals compared by chi-square (Fisher when counts are small); p-values Holm-corrected over all tests; only significant differences are listed. Groups with fewer than {min} resolved deals at a step, or none followed up to the step's horizon yet, are not tested; deals without a group value are left out. The charts show next-step conversion on resolved deals.",
        "zh": "各组的步骤转化率与其余各组比较，进行中商机从不计为流失：有推进日期时，用有效样本量上的两比例 z 检验比较最终转化率，否则用卡方检验（计数小时用 Fisher 精确检验）比较已有结果的商机；p 值经 Holm 多重比较校正；只列出显著差异。某步骤已有结果商机少于 {min} 个、或尚无商机跟进到该步骤时间范围的组不做检验；无分组值的商机不计入。图中为基于已有结果商机的下一步转化率。",
    },
    "fun.by.team": {"en": "By team", "zh": "按团队"},
    "fun.by.rep_id": {"en": "By rep", "zh": "按销售"},
    "fun.by.segment": {"en": "By segment", "zh": "按客户细分"},
    "fun.no_differences": {"en": "No difference is supported by the data.", "zh": "数据不支持任何显著差异。"},
    "fun.basis.eventual": {"en": "eventual", "zh": "最终"},
    "fun.basis.resolved": {"en": "resolved", "zh": "已有结果"},
    "fun.definitions": {
        "en": "Resolved at a stage = moved on to a later stage, or ended lost there; still open = neither yet (shown beside, never a drop-out). Next-step conversion = moved on / resolved. Eventual conversion = moved on / (moved on + lost) from the Aalen–Johansen cumulative incidences of moving on and of being lost (lost is the competing event, still-open deals are censored at {as_of}) over every resolution observed, time counted from the entry into the stage (from the created date when that is unknown); equivalently, resolved deals weighted by the inverse chance of still being followed, so young deals that resolved early do not dominate. Its interval is Wilson's on the effective number of deals. A group is tested only once some of its deals have been followed for the step's horizon, the day by which 95% of resolved deals had resolved (a new rep's deals have not: their early results are mostly losses). The estimator is implemented in salesnb.funnel and checked against lifelines' AalenJohansenFitter. Group tests, bottleneck conversion and the bottleneck gain use the eventual conversion where moving on is dated and the resolved conversion otherwise. Their false-alarm rate, power and interval coverage are simulated in docs/calibration.md.",
        "zh": "某阶段已有结果 = 已推进到后续阶段，或在此输单；仍在进行 = 两者皆否（单列显示，从不计为流失）。下一步转化率 = 已推进 / 已有结果。最终转化率 = 已推进 /（已推进 + 输单），由推进与输单的 Aalen–Johansen 累积发生率计算（输单为竞争事件，进行中商机在 {as_of} 删失），涵盖观察到的全部结果，自进入该阶段起计（未知时自创建日期起计）；等价于按仍被跟进概率的倒数加权已有结果的商机，使早早结束（多为输单）的新商机不占过大比重。其区间为有效样本量上的 Wilson 区间。只有当某组已有商机被跟进到该步骤的时间范围（95% 已有结果商机完成的天数）时才做检验（新销售的商机尚未达到：其早期结果多为输单）。该估计量在 salesnb.funnel 中实现，并与 lifelines 的 AalenJohansenFitter 对照检验。组间检验、瓶颈转化率与瓶颈增益在有推进日期时用最终转化率，否则用已有结果的转化率。其误报率、检验效能与区间覆盖率的模拟见 docs/calibration.md。",
    },
    "fun.stuck": {"en": "Stuck deals", "zh": "停滞商机"},
    "fun.stuck_note": {
        "en": "Open deals, as of {as_of}, that have been in their current stage longer than the {q} of the time deals which left that stage spent in it (thresholds below).",
        "zh": "截至 {as_of}，在当前阶段停留时间超过已离开该阶段商机停留时间 {q} 的进行中商机（阈值见下表）。",
    },
    "fun.stuck_no_history": {
        "en": "Without stage history, time is counted from the created date and compared with the {q} of created → closed.",
        "zh": "没有阶段历史时，从创建日期计时，并与“创建 → 关闭”时长的 {q} 比较。",
    },
    "fun.no_stuck": {"en": "No open deal is past the threshold.", "zh": "没有进行中商机超过阈值。"},
    "fun.cohorts": {"en": "Cohort funnel by creation month", "zh": "按创建月份的队列漏斗"},
    "fun.cohorts_note": {
        "en": "Share of each month's new deals that reached each stage so far; recent cohorts are still maturing (see the share still open), so their shares are not drop-out rates. Won of resolved = won / (won + lost) of the cohort, shown once at most 10% of it is still open (before that, its quick losses dominate what has resolved).",
        "zh": "每月新建商机中至今到达各阶段的比例；近期队列仍在推进中（见仍在进行的比例），其比例不是流失率。已结商机赢率 = 该队列 赢单 /（赢单 + 输单），仅在仍在进行的比例不超过 10% 时显示（此前已结商机以快速输单为主）。",
    },
    "fun.velocity": {"en": "Sales velocity", "zh": "销售速度"},
    "fun.velocity_note": {
        "en": "Velocity = open deals × win rate × average won deal size / average cycle days (revenue per day), at each month end; win rate, size and cycle over the 6 months before.",
        "zh": "销售速度 = 进行中商机数 × 赢率 × 平均赢单金额 / 平均成交天数（每日收入），按月末计算；赢率、金额与周期取此前 6 个月。",
    },
    # Case study (report 04)
    "case_study.title": {"en": "Case study", "zh": "案例评估"},
    "cs.not_defined": {
        "en": "No intervention is defined: set reports.case_study.date and the treated teams or reps in the params file.",
        "zh": "未定义干预：请在参数文件中设置 reports.case_study.date 及处理组团队或销售。",
    },
    "cs.find.design": {
        "en": "{name} from {date}: {treated} treated reps against {control} control reps with deals ({assignment}); before {before}, after {after} (deals by created date).",
        "zh": "{name}，自 {date} 起：有商机的处理组销售 {treated} 名，对照组 {control} 名（{assignment}）；干预前 {before}，干预后 {after}（商机按创建日期归期）。",
    },
    "cs.find.without_deals": {
        "en": " {n} listed reps without a deal created in these windows are not counted.",
        "zh": "名单中 {n} 名销售在这两个时段内没有新建商机，未计入。",
    },
    "cs.assigned.team": {
        "en": "given to {treated} of {units} whole teams, so the evidence counts teams, not reps",
        "zh": "按团队整体实施，{units} 个团队中 {treated} 个，因此证据以团队计，而非销售",
    },
    "cs.assigned.rep": {
        "en": "given to individual reps",
        "zh": "按销售个人实施",
    },
    "cs.kpi.win_rate": {"en": "Win rate", "zh": "赢率"},
    "cs.kpi.cycle_days": {"en": "Sales cycle", "zh": "销售周期"},
    "cs.kpi.deal_size": {"en": "Deal size", "zh": "单额"},
    "cs.kpi.csat": {"en": "CSAT", "zh": "满意度"},
    "cs.kpi.attrition": {"en": "Rep attrition", "zh": "销售流失率"},
    "cs.unit.team": {
        "en": "teams",
        "zh": "团队",
    },
    "cs.unit.rep": {
        "en": "reps",
        "zh": "销售",
    },
    "cs.skip.no_estimate": {
        "en": "no KPI has enough deals, surveys or reps on both sides of the date to compare",
        "zh": "没有任何指标在干预日期前后都有足够的商机、调查或销售可供比较",
    },
    "cs.unit.month": {"en": "months", "zh": "月"},
    "cs.unit_one.month": {"en": "month", "zh": "月"},
    "cs.unit_one.team": {
        "en": "team",
        "zh": "团队",
    },
    "cs.unit_one.rep": {
        "en": "rep",
        "zh": "销售",
    },
    "cs.units_n": {
        "en": "{n} {unit_plural}",
        "zh": "{n} 个{unit_plural}",
    },
    "cs.basis.exact_ri": {
        "en": "exact randomization test over all {assignments} ways to pick {treated} of {units} {unit_plural}",
        "zh": "对从 {units} 个{unit_plural}中选出 {treated} 个的全部 {assignments} 种分配做精确随机化检验",
    },
    "cs.basis.sampled_ri": {
        "en": "randomization test over {draws} random picks of {treated} of {units} {unit_plural}",
        "zh": "对从 {units} 个{unit_plural}中随机选出 {treated} 个的 {draws} 种分配做随机化检验",
    },
    "cs.basis.cluster_robust": {
        "en": "errors clustered by {unit_one} across {units} {unit_plural}",
        "zh": "按{unit_one}聚类的稳健标准误，共 {units} 个{unit_plural}",
    },
    "cs.basis.ar1_bootstrap": {
        "en": "regression on {months} monthly points with AR(1) errors, bootstrap interval",
        "zh": "基于 {months} 个月度数据点、AR(1) 误差的回归，bootstrap 区间",
    },
    "cs.smallest_p": {
        "en": "; smallest possible p with this design = {min_p}",
        "zh": "；本设计可能的最小 p = {min_p}",
    },
    "cs.unbounded": {
        "en": "no finite interval",
        "zh": "无有限区间",
    },
    "cs.versus_control": {"en": "relative to the control group", "zh": "相对对照组"},
    "cs.versus_trend": {"en": "relative to the trend before", "zh": "相对干预前趋势"},
    "cs.sentence.up": {
        "en": "{kpi} rose by {estimate} {versus} (95% CI {low} to {high}; p {p}, {basis}).",
        "zh": "{kpi}{versus}上升 {estimate}（95% 置信区间 {low} 至 {high}；p {p}，{basis}）。",
    },
    "cs.sentence.down": {
        "en": "{kpi} fell by {estimate} {versus} (95% CI {low} to {high}; p {p}, {basis}).",
        "zh": "{kpi}{versus}下降 {estimate}（95% 置信区间 {low} 至 {high}；p {p}，{basis}）。",
    },
    "cs.sentence.unclear": {
        "en": "{kpi}: no clear change {versus} ({estimate}, 95% CI {low} to {high}; p {p}, {basis}) — too few data to tell; changes smaller than about {mde} could not have been detected reliably.",
        "zh": "{kpi}：{versus}无明确变化（{estimate}，95% 置信区间 {low} 至 {high}；p {p}，{basis}）——数据不足以判断；小于约 {mde} 的变化无法可靠检测。",
    },
    "cs.sentence.unclear_no_mde": {
        "en": "{kpi}: no clear change {versus} ({estimate}, 95% CI {low} to {high}; p {p}, {basis}) — too few data to tell; the smallest detectable change cannot be estimated with {units}.",
        "zh": "{kpi}：{versus}无明确变化（{estimate}，95% 置信区间 {low} 至 {high}；p {p}，{basis}）——数据不足以判断；仅有 {units}，无法估计可检测的最小变化。",
    },
    "cs.sentence.no_test": {
        "en": "{kpi}: {estimate} {versus}, but this design cannot show an effect: {basis}, so the smallest possible p with this design = {min_p}, above {alpha} (observed p {p}). Nothing is called significant; that would take more treated and control {unit_plural}.",
        "zh": "{kpi}：{versus}为 {estimate}，但本设计无法证明效果：{basis}，本设计可能的最小 p = {min_p}，高于 {alpha}（实测 p {p}）。不判定任何显著结果；需要更多处理组与对照组{unit_plural}。",
    },
    "cs.sentence.its_no_test": {
        "en": "{kpi}: {estimate} against the trend before the date (95% CI {low} to {high} if the KPI has no seasonal pattern), but with {pre} months before the date a seasonal pattern cannot be told apart from a change, so no p-value is given and nothing is called significant; 24 months before the date would allow it.",
        "zh": "{kpi}：相对干预前趋势为 {estimate}（若该指标无季节性，95% CI {low} 至 {high}），但干预前只有 {pre} 个月，季节性与变化无法区分，因此不给出 p 值，也不判定任何显著结果；干预前有 24 个月数据即可判断。",
    },
    "cs.sentence.attrition": {
        "en": "{kpi}: the treated group's annualised rate changed by {estimate} more than the control's; with this few reps the difference is not tested.",
        "zh": "{kpi}：处理组年化流失率的变化比对照组多 {estimate}；销售人数太少，不做显著性检验。",
    },
    "cs.design": {"en": "Design", "zh": "评估设计"},
    "cs.design_note": {
        "en": "Treated: {treated}. Control: {control}. Before {before_start} – {before_end}; after {after_start} – {after_end}{washout}. Deals belong to the period they were created in; surveys to their date; attrition to the leave date.",
        "zh": "处理组：{treated}。对照组：{control}。干预前 {before_start} – {before_end}；干预后 {after_start} – {after_end}{washout}。商机按创建日期归期；调查按调查日期；流失按离职日期。",
    },
    "cs.washout": {"en": " (washout: {days} days)", "zh": "（过渡期 {days} 天）"},
    "cs.before_after": {"en": "Before and after", "zh": "干预前后对比"},
    "cs.before_after_note": {
        "en": "Within each group. Rates: two-proportion z test (Fisher when counts are small) with Newcombe intervals; cycle, deal size and CSAT: Welch t test with its interval (Mann-Whitney and a seeded bootstrap interval of the median in the exported table).",
        "zh": "组内对比。比率：两比例 z 检验（计数小时用 Fisher 精确检验），Newcombe 区间；周期、单额与满意度：Welch t 检验及其区间（导出表中另有 Mann-Whitney 检验与固定种子的中位数 bootstrap 区间）。",
    },
    "cs.effects": {"en": "Effect of the intervention", "zh": "干预效果"},
    "cs.effects_note_did": {
        "en": "Difference-in-differences: OLS on rep-month cells weighted by their deals (or surveys), with rep and month fixed effects (team × month when reps inside teams were treated, so each treated rep is compared with untreated reps of the same team and month); win rate as a linear probability model, cycle and deal size on the log scale (read as % change). The p-value and interval count the unit the intervention was given to ({unit_plural}): with few possible assignments, an exact randomization test over all of them (interval = effects it does not reject; its smallest possible p is 1 or 2 over the number of assignments); with more, a test over random picks; with 50+ units and 10+ in each group, errors clustered by unit. Placebo p: the randomization test at the same level. MDE: the smallest effect this design detects with {power} power.",
        "zh": "双重差分：以销售-月份单元（按商机或调查数加权）做 OLS，含销售与月份固定效应（若在团队内部分销售接受干预，则用团队 × 月份固定效应，使每名处理组销售与同团队同月份的未处理销售比较）；赢率用线性概率模型，周期与单额取对数（解读为百分比变化）。p 值与区间以实施干预的单位（{unit_plural}）计：可能的分配方式少时，对全部分配做精确随机化检验（区间 = 未被拒绝的效应值；最小可能 p 为分配数分之 1 或 2）；较多时，对随机抽取的分配做检验；单位数 ≥ 50 且每组 ≥ 10 时，按单位聚类的稳健标准误。安慰剂 p：同一层级的随机化检验。MDE：本设计以 {power} 把握度可检测的最小效应。",
    },
    "cs.effects_note_its": {
        "en": "Interrupted time series (no control group): segmented regression of the treated group's monthly KPI with level and slope change; month-of-year terms only with 24+ months before the intervention (with fewer they cannot be told apart from the trend and are left out); AR(1) errors (Prais–Winsten, bias-corrected) and a bootstrap-t interval, because Newey–West errors on two dozen months cover far less often than 95%. MDE from the level change's standard error.",
        "zh": "中断时间序列（无对照组）：对处理组月度指标做分段回归，估计水平与斜率变化；仅当干预前有 24 个月以上时加入月份项（更少时无法与趋势区分，故不加入）；AR(1) 误差（Prais–Winsten，偏差校正）与 bootstrap-t 区间，因为在约两年的月度数据上 Newey–West 标准误的覆盖率远低于 95%。MDE 基于水平变化的标准误。",
    },
    "cs.event": {"en": "Before the intervention: do the groups move together?", "zh": "干预前两组是否同步？"},
    "cs.event_note": {
        "en": "Treated − control by quarter relative to the intervention (the quarter before = 0). Pre-trend test (all earlier quarters zero, before window only, at the level of {unit_plural}; the caveat below is raised only when a p stays under alpha after the Holm correction across these KPIs): {tests}.",
        "zh": "按相对干预的季度计算的处理组 − 对照组差异（干预前一季度 = 0）。事前趋势检验（之前各季度均为零，仅用干预前数据，以{unit_plural}为单位；仅当经 Holm 多重比较校正后 p 仍低于显著性水平时才在下方提示）：{tests}。",
    },
    "cs.event_no_intervals": {
        "en": "No intervals are drawn: with {units} {unit_plural} per-quarter intervals would not be reliable; the pre-trend test above uses the randomization test instead.",
        "zh": "未画区间：仅有 {units} 个{unit_plural}，逐季度区间不可靠；上面的事前趋势检验改用随机化检验。",
    },
    "cs.pre_trend_untestable": {
        "en": "{kpi} p = {p} (cannot fall below {min_p} with this design, so the test cannot warn)",
        "zh": "{kpi} p = {p}（本设计下 p 不会低于 {min_p}，检验无法发出警告）",
    },
    "cs.over_time": {"en": "KPIs over time", "zh": "指标走势"},
    "cs.caveats": {"en": "Caveats", "zh": "注意事项"},
    "cs.caveat.pre_trend": {
        "en": "Before the intervention, treated and control already moved differently on {kpis} (joint test of the earlier quarters, p < {alpha} after the Holm correction across the KPIs tested). The comparison assumes the two groups would have moved together without the intervention, so part of the measured effect may be that earlier drift. Look at the quarterly chart, check what else changed for the treated group before the date, and prefer a control group that tracked it.",
        "zh": "干预前，处理组与对照组在{kpis}上已走势不同（之前各季度的联合检验，经 Holm 多重比较校正后 p < {alpha}）。该比较假设若无干预两组会同步变化，因此所测效果可能部分来自此前的分化。请查看季度图，核查干预前处理组是否有其他变化，并优先选择与其走势一致的对照组。",
    },
    "cs.caveat.design_cannot_test": {
        "en": "With {treated} of {units} {unit_plural} treated there are only {assignments} possible assignments, so no p-value can fall below {min_p}: no difference can be called significant, whatever its size. Read the figures as description; a firm conclusion needs more treated and control {unit_plural}, or a rollout to part of the reps in every team.",
        "zh": "{units} 个{unit_plural}中仅 {treated} 个接受干预，只有 {assignments} 种可能的分配，p 值不会低于 {min_p}：无论差异多大都不能判定为显著。数字仅作描述；要得出可靠结论，需要更多处理组与对照组{unit_plural}，或在每个团队中只对部分销售实施。",
    },
    "cs.caveat.no_control": {
        "en": "There is no control group: the before/after change also contains everything else that changed over time.",
        "zh": "没有对照组：干预前后的变化也包含了同期其他所有变化。",
    },
    "cs.caveat.seasonality": {
        "en": "Without a control, windows that are not whole years compare different seasons.",
        "zh": "没有对照组且窗口不是整年时，比较的是不同季节。",
    },
    "cs.caveat.its_no_seasonality": {
        "en": "With fewer than 24 months before the intervention, month-of-year effects cannot be told apart from the trend and the change, so seasonality is not modelled: a seasonal KPI can show a change that is only the season.",
        "zh": "干预前不足 24 个月，月份效应无法与趋势和变化区分，因此未建模季节性：季节性指标可能显示仅由季节造成的变化。",
    },
    "cs.caveat.short_windows": {
        "en": "Windows shorter than 6 months: results rest on few deals and one season.",
        "zh": "窗口短于 6 个月：结论基于少量商机与单一季节。",
    },
    "cs.caveat.censoring": {
        "en": "Many deals created after the intervention are still open; closed-deal KPIs favour quick outcomes in both groups alike.",
        "zh": "干预后新建的商机很多仍在进行中；基于已关闭商机的指标对两组都偏向较快的结果。",
    },
    "cs.caveat.before_censored": {
        "en": "Closed deals in the data start on {first}, after the before window opens on {start}: the before figures rest on part of that window only, and deals of its first weeks that closed early may be missing.",
        "zh": "数据中的已关闭商机始于 {first}，晚于干预前窗口的起点 {start}：干预前数字只基于该窗口的一部分，窗口初期较早关闭的商机可能缺失。",
    },
    "cs.caveat.regression_to_mean": {
        "en": "The treated group started well below the control: if it was chosen for being bad, part of its improvement is regression to the mean.",
        "zh": "处理组起点明显低于对照组：若因表现差而被选中，其改善可能部分源于均值回归。",
    },
    "cs.caveat.team_assignment": {
        "en": "The intervention went to whole teams, so p-values and intervals count teams, not reps: reps of one team share a manager, a market and the same month-to-month swings.",
        "zh": "干预按团队整体实施，因此 p 值与区间以团队计，而非销售：同一团队的销售共享管理者、市场与相同的月度波动。",
    },
    "cs.caveat.rep_assignment": {
        "en": "The intervention went to single reps, so p-values and intervals count reps. Treated and control reps share teams and managers: if control reps picked up some of the new way of working, the measured effect understates it.",
        "zh": "干预按销售个人实施，因此 p 值与区间以销售计。处理组与对照组销售同属团队、共享管理者：若对照组销售也学到了部分新做法，所测效果会偏小。",
    },
    "cs.caveat.other_changes": {
        "en": "Other changes at the same time (pricing, products, market, managers) cannot be ruled out by the data; a control group removes only those that hit both groups.",
        "zh": "同期其他变化（价格、产品、市场、管理者）无法由数据排除；对照组只能剔除两组共同受到的影响。",
    },
    "cs.missing": {"en": "not enough data for {kpis}", "zh": "{kpis}数据不足"},
    "verdict.increase": {"en": "increase", "zh": "上升"},
    "verdict.decrease": {"en": "decrease", "zh": "下降"},
    "verdict.unclear": {"en": "too few data to tell", "zh": "数据不足以判断"},
    "verdict.unknown": {"en": "unknown", "zh": "未知"},
    "group.treated": {"en": "treated", "zh": "处理组"},
    "group.control": {"en": "control", "zh": "对照组"},
    "method.did": {"en": "difference-in-differences", "zh": "双重差分"},
    "method.its": {"en": "interrupted time series", "zh": "中断时间序列"},
    "method.did_rates": {"en": "difference of changes", "zh": "变化之差"},
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
    "col.how": {"en": "How", "zh": "方式"},
    "col.filled": {"en": "Filled", "zh": "已填"},
    "col.first": {"en": "First", "zh": "最早"},
    "col.last": {"en": "Last", "zh": "最晚"},
    "col.status": {"en": "Status", "zh": "状态"},
    "col.stage": {"en": "Stage", "zh": "阶段"},
    "col.deals": {"en": "Deals", "zh": "商机数"},
    "col.amount": {"en": "Amount", "zh": "金额"},
    "col.fx_rate": {"en": "Rate into the report currency", "zh": "折算为报告币种的汇率"},
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
    "col.method": {"en": "Method", "zh": "方法"},
    "col.forecast": {"en": "Forecast", "zh": "预测"},
    "col.mape": {"en": "Backtest MAPE", "zh": "回测 MAPE"},
    "col.backtests": {"en": "Held-out periods", "zh": "留出期数"},
    "col.chosen": {"en": "Used", "zh": "采用"},
    "col.target": {"en": "Target", "zh": "目标"},
    "col.tier": {"en": "Tier", "zh": "档位"},
    "col.ramp": {"en": "Ramp", "zh": "爬坡系数"},
    "col.trailing_revenue": {"en": "Revenue, last 12 months", "zh": "近 12 个月收入"},
    "col.expected_payout": {"en": "Expected commission", "zh": "期望佣金"},
    "col.reach_probability": {"en": "Chance of reaching", "zh": "达成概率"},
    "col.history_share": {"en": "Past share of team revenue", "zh": "历史收入占比"},
    "col.rep_basis": {"en": "Chance based on", "zh": "概率依据"},
    "col.probability": {"en": "Chance of reaching", "zh": "达成概率"},
    "col.scope": {"en": "Scope", "zh": "范围"},
    "col.specific": {"en": "Specific", "zh": "具体"},
    "col.measurable": {"en": "Measurable", "zh": "可衡量"},
    "col.achievable": {"en": "Achievable", "zh": "可实现"},
    "col.achievable_reason": {"en": "Why", "zh": "说明"},
    "col.relevant": {"en": "Relevant", "zh": "相关"},
    "col.time_bound": {"en": "Time-bound", "zh": "有时限"},
    "col.period": {"en": "Period", "zh": "期间"},
    "col.days": {"en": "Days", "zh": "天数"},
    "col.working_days": {"en": "Working days", "zh": "工作日"},
    "col.week_start": {"en": "Week of", "zh": "周起始"},
    "col.first_day": {"en": "First day", "zh": "首日"},
    "col.last_day": {"en": "Last day", "zh": "末日"},
    "col.basis": {"en": "Basis", "zh": "依据"},
    "col.planned_to_date": {"en": "Phased to date", "zh": "至今分解目标"},
    "col.pace": {"en": "Pace", "zh": "进度"},
    "col.behind": {"en": "Behind", "zh": "落后"},
    "col.next_step_ci": {"en": "Next step (95% CI)", "zh": "下一步转化（95% 置信区间）"},
    "col.cumulative_ci": {"en": "Cumulative (95% CI)", "zh": "累计转化（95% 置信区间）"},
    "col.reached": {"en": "Reached", "zh": "到达"},
    "col.drop_off": {"en": "Dropped", "zh": "流失"},
    "col.drop_amount": {"en": "Dropped amount", "zh": "流失金额"},
    "col.lost_here": {"en": "Lost here", "zh": "在此输单"},
    "col.open_here": {"en": "Open here", "zh": "仍在此阶段"},
    "col.resolved": {"en": "Resolved", "zh": "已有结果"},
    "col.open": {"en": "Still open", "zh": "仍在进行"},
    "col.eventual_ci": {"en": "Eventual (95% CI)", "zh": "最终转化（95% 置信区间）"},
    "col.horizon_days": {"en": "Horizon (days)", "zh": "时间范围（天）"},
    "col.won_of_resolved": {"en": "Won of resolved", "zh": "已结商机赢率"},
    "col.conversion_basis": {"en": "Conversion basis", "zh": "转化率口径"},
    "col.group": {"en": "Group", "zh": "分组"},
    "col.step": {"en": "Step", "zh": "步骤"},
    "col.conversion": {"en": "Conversion", "zh": "转化率"},
    "col.benchmark": {"en": "Benchmark", "zh": "基准"},
    "col.gap": {"en": "Gap", "zh": "差距"},
    "col.downstream_win_rate": {"en": "Win rate after", "zh": "后续赢率"},
    "col.deal_size": {"en": "Deal size", "zh": "单额"},
    "col.gain_per_period": {"en": "Gain per period", "zh": "每期增益"},
    "col.next_step": {"en": "Next step", "zh": "下一步转化"},
    "col.rest": {"en": "Others", "zh": "其余"},
    "col.p_adjusted": {"en": "p (Holm)", "zh": "p（Holm 校正）"},
    "col.direction": {"en": "Direction", "zh": "方向"},
    "col.deal_id": {"en": "Deal", "zh": "商机"},
    "col.current_stage": {"en": "Stage", "zh": "阶段"},
    "col.in_stage_since": {"en": "In stage since", "zh": "进入阶段日期"},
    "col.days_in_stage": {"en": "Days in stage", "zh": "停留天数"},
    "col.threshold": {"en": "Threshold (days)", "zh": "阈值（天）"},
    "col.exits": {"en": "Deals that left", "zh": "已离开商机数"},
    "col.mean": {"en": "Mean", "zh": "平均"},
    "col.p50": {"en": "Median", "zh": "中位数"},
    "col.p75": {"en": "p75", "zh": "p75"},
    "col.p90": {"en": "p90", "zh": "p90"},
    "col.cum_p50": {"en": "Cumulative median", "zh": "累计中位数"},
    "col.cum_p75": {"en": "Cumulative p75", "zh": "累计 p75"},
    "col.cum_p90": {"en": "Cumulative p90", "zh": "累计 p90"},
    "col.created": {"en": "Created", "zh": "新建"},
    "col.still_open": {"en": "Still open", "zh": "仍在进行"},
    "col.open_share": {"en": "Share open", "zh": "进行中占比"},
    "col.month_end": {"en": "Month end", "zh": "月末"},
    "col.open_deals": {"en": "Open deals", "zh": "进行中商机"},
    "col.size": {"en": "Avg won size", "zh": "平均赢单额"},
    "col.cycle": {"en": "Cycle (days)", "zh": "周期（天）"},
    "col.velocity": {"en": "Velocity per day", "zh": "每日速度"},
    "direction.lower": {"en": "lower", "zh": "更低"},
    "direction.higher": {"en": "higher", "zh": "更高"},
    "col.group_name": {"en": "Group", "zh": "组别"},
    "col.before": {"en": "Before", "zh": "干预前"},
    "col.after": {"en": "After", "zh": "干预后"},
    "col.change": {"en": "Change", "zh": "变化"},
    "col.relative": {"en": "Relative", "zh": "相对变化"},
    "col.ci": {"en": "95% CI", "zh": "95% 置信区间"},
    "col.p_value": {"en": "p", "zh": "p 值"},
    "col.test_name": {"en": "Test", "zh": "检验"},
    "col.n_before": {"en": "n before", "zh": "干预前样本"},
    "col.n_after": {"en": "n after", "zh": "干预后样本"},
    "col.method_name": {"en": "Method", "zh": "方法"},
    "col.estimate": {"en": "Effect", "zh": "效果"},
    "col.permutation": {"en": "Placebo p", "zh": "安慰剂 p"},
    "col.mde": {"en": "MDE", "zh": "最小可检测效应"},
    "col.verdict": {"en": "Verdict", "zh": "结论"},
    "col.quarter": {"en": "Quarter", "zh": "季度"},
    "col.low": {"en": "Low", "zh": "下限"},
    "col.high": {"en": "High", "zh": "上限"},
    "test.two_proportion_z": {"en": "two-proportion z", "zh": "两比例 z 检验"},
    "test.fisher": {"en": "Fisher exact", "zh": "Fisher 精确检验"},
    "test.welch_t": {"en": "Welch t", "zh": "Welch t 检验"},
    "test.too_few": {"en": "too few", "zh": "样本太少"},
    "col.window": {"en": "Window", "zh": "窗口"},
    "col.kpi": {"en": "KPI", "zh": "指标"},
    "col.current": {"en": "Current", "zh": "本期"},
    "col.previous": {"en": "Previous", "zh": "上期"},
    "col.change_previous": {"en": "Change", "zh": "环比"},
    "col.last_year": {"en": "Last year", "zh": "去年同期"},
    "col.change_last_year": {"en": "Change vs last year", "zh": "同比"},
    "col.revenue": {"en": "Revenue", "zh": "收入"},
    "col.won": {"en": "Won", "zh": "赢单"},
    "col.lost": {"en": "Lost", "zh": "输单"},
    "col.closed": {"en": "Closed", "zh": "关闭"},
    "col.win_rate": {"en": "Win rate", "zh": "赢率"},
    "col.win_rate_ci": {"en": "Win rate (95% CI)", "zh": "赢率（95% 置信区间）"},
    "col.win_rate_shrunk": {"en": "Shrunk win rate", "zh": "收缩赢率"},
    "col.avg_deal_size": {"en": "Avg deal size", "zh": "平均单额"},
    "col.median_cycle_days": {"en": "Median cycle (d)", "zh": "周期中位数（天）"},
    "col.mean_cycle_days": {"en": "Mean cycle (d)", "zh": "平均周期（天）"},
    "col.deals_created": {"en": "Created", "zh": "新建"},
    "col.pipeline_created": {"en": "Pipeline created", "zh": "新增管道"},
    "col.activities": {"en": "Activities", "zh": "活动"},
    "col.activities_call": {"en": "Calls", "zh": "电话"},
    "col.activities_visit": {"en": "Visits", "zh": "拜访"},
    "col.csat": {"en": "CSAT", "zh": "满意度"},
    "col.attainment": {"en": "Attainment", "zh": "达成率"},
    "col.tenure_months": {"en": "Tenure (months)", "zh": "司龄（月）"},
    "col.flag": {"en": "Flag", "zh": "标记"},
    "col.note": {"en": "Note", "zh": "备注"},
    "col.value": {"en": "Value", "zh": "数值"},
    "col.strongest_pct": {"en": "Percentile", "zh": "百分位"},
    "col.weakest_pct": {"en": "Percentile", "zh": "百分位"},
    "col.win_rate_rank": {"en": "Win-rate rank", "zh": "赢率排名"},
    "col.standout": {"en": "Win rate vs team", "zh": "赢率与团队对比"},
    "col.revenue_rank": {"en": "Revenue rank", "zh": "收入排名"},
    "col.strongest": {"en": "Strongest", "zh": "最强项"},
    "col.weakest": {"en": "Weakest", "zh": "最弱项"},
    "col.archetype": {"en": "Type", "zh": "类型"},
    "col.action": {"en": "Action", "zh": "行动"},
    "col.reps": {"en": "Reps", "zh": "销售"},
    "col.count": {"en": "Count", "zh": "人数"},
    "col.metric": {"en": "Measure", "zh": "指标"},
    "col.top_share": {"en": "Top accounts", "zh": "头部客户"},
    "col.accounts": {"en": "Accounts", "zh": "客户数"},
    "col.revenue_share": {"en": "Share of revenue", "zh": "收入占比"},
    "col.leavers": {"en": "Leavers", "zh": "离职"},
    "col.average_headcount": {"en": "Average headcount", "zh": "平均人数"},
    "col.rate": {"en": "Attrition", "zh": "流失率"},
    "col.annualised": {"en": "Annualised", "zh": "年化"},
    "few_deals": {"en": "few closed deals", "zh": "关闭商机少"},
    "left": {"en": "left", "zh": "已离职"},
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
    "reason.repeated_stage": {"en": "stage unchanged: an amount/date edit", "zh": "阶段未变：仅金额或日期修改"},
    "reason.filtered": {
        "en": "not selected by the 'where' condition on {column}",
        "zh": "未被 where 条件选中（{column}）",
    },
    "reason.exited_before_entered": {"en": "left stage before entering it", "zh": "离开早于进入"},
    "reason.end_before_start": {"en": "period ends before it starts", "zh": "结束早于开始"},
    "reason.score_out_of_scale": {"en": "score outside its scale", "zh": "评分超出量表"},
    "reason.left_before_hired": {"en": "left before hired", "zh": "离职早于入职"},
    "reason.open_without_created_at": {"en": "open deal without created date", "zh": "进行中商机无创建日期"},
    "reason.open_without_amount": {"en": "open deal without amount", "zh": "进行中商机无金额"},
    "reason.won_with_zero_amount": {"en": "won deal with amount 0", "zh": "赢单金额为 0"},
    "reason.unassigned": {"en": "lead without an owner (unassigned)", "zh": "无负责人的线索（未分配）"},
    "reason.closed_without_created_at": {
        "en": "closed deal without created date (left out of cycle times and creation windows)",
        "zh": "已关闭商机无创建日期（不计入周期与按创建期间的统计）",
    },
    "reason.lost_without_closed_at": {
        "en": "lost deal without close date (counted in conversion, left out of cycle times)",
        "zh": "输单无关闭日期（计入转化率，不计入周期）",
    },
    "reason.blank_currency": {"en": "blank currency, taken as the report currency", "zh": "币种为空，按报告币种计"},
    "reason.open_with_closed_at": {
        "en": "open deal with a close date (ignored)",
        "zh": "进行中商机带关闭日期（已忽略）",
    },
    # Issue 12: unowned leads, undated deals, periods without data (analyses and reports)
    "unassigned": {"en": "Unassigned", "zh": "未分配"},
    "find.unassigned": {
        "en": "{share} of deals ({count} of {deals}) have no owner; they count in team totals and conversion but not in any rep's figures ({won} of them won).",
        "zh": "{share} 的商机（{deals} 个中的 {count} 个）没有负责人；它们计入团队合计与转化率，但不计入任何销售个人的指标（其中赢单 {won} 个）。",
    },
    "find.flag.closed_without_created_at": {
        "en": "{count} won or lost deals ({share}) have no created date, so they are in no window by creation date and have no cycle time",
        "zh": "{count} 个已关闭商机（{share}）没有创建日期，不进入按创建日期划分的任何期间，也没有销售周期",
    },
    "find.flag.lost_without_closed_at": {
        "en": "{count} lost deals ({share}) have no close date: they count in conversion but in no period's win rate or time to close",
        "zh": "{count} 个输单（{share}）没有关闭日期：计入转化率，但不计入任何期间的赢率与成交周期",
    },
    "diag.find.none_closed": {
        "en": "No deal in the data has been won or lost yet, so {period} has no revenue, win rate, deal size or cycle time to report.",
        "zh": "数据中还没有任何商机赢单或输单，因此 {period} 没有收入、赢率、客单价或销售周期可报告。",
    },
    "diag.find.no_data": {
        "en": "There is no data for {period}: the deals run from {first} to {last}, so the period's figures are left empty; choose a period inside that range.",
        "zh": "{period} 没有数据：商机数据的时间范围是 {first} 至 {last}，因此本期指标留空；请选择该范围内的期间。",
    },
    "diag.find.no_reps": {
        "en": "No rep has a deal created or closed in the scorecard window, so reps are not compared.",
        "zh": "评分窗口内没有任何销售有新建或关闭的商机，因此不做销售比较。",
    },
    "diag.cycle_undated": {
        "en": "{count} won deals closed in {period} have no created date and are left out of the cycle time.",
        "zh": "{period} 关闭的赢单中有 {count} 个没有创建日期，未计入销售周期。",
    },
    "diag.lost_undated": {
        "en": "{count} lost deals have no close date: they count in conversion (data audit) and in the funnel, but in no period's win rate.",
        "zh": "{count} 个输单没有关闭日期：计入转化率（数据审计）与漏斗，但不计入任何期间的赢率。",
    },
    "diag.unassigned_note": {
        "en": "{count} of {deals} deals ({share}) have no owner: the team figures include them, no rep's figures do.",
        "zh": "{deals} 个商机中有 {count} 个（{share}）没有负责人：团队指标包含它们，任何销售个人的指标都不包含。",
    },
    "diag.scorecard_unassigned": {
        "en": "{created} deals created and {closed} closed ({won} won) in {window} have no owner: they count in the team figures and appear as the last row, Unassigned, which is never ranked, tested or given an action; the team rate above is the reps' own, without them.",
        "zh": "{window} 内新建 {created} 个、关闭 {closed} 个（赢单 {won} 个）商机没有负责人：它们计入团队指标，并作为最后一行“未分配”列出，不参与排名、检验或行动建议；上面的团队赢率只按有负责人的商机计算。",
    },
    "diag.unassigned_row": {"en": "no owner; not ranked", "zh": "无负责人，不参与排名"},
    "diag.no_reps": {"en": "No rep has a deal in the window.", "zh": "窗口内没有任何销售有商机。"},
    "diag.skip.no_closed": {
        "en": "no deal has been won or lost yet, so there is nothing to chart",
        "zh": "还没有任何商机赢单或输单，因此没有可绘制的内容",
    },
    "diag.skip.strengths": {
        "en": "fewer than two reps to compare, so no strengths or weak spots against the team",
        "zh": "可比较的销售少于两名，因此不分析相对团队的强项与弱项",
    },
    "diag.skip.archetypes_few": {
        "en": "fewer than two reps have enough closed deals to compare, so reps are not sorted into activity/conversion types",
        "zh": "关闭商机足够多的销售少于两名，因此不按活动量/转化划分类型",
    },
    "fun.find.no_deals": {
        "en": "No deal falls in the funnel's window {window} (deals were created from {first} to {last}), so there is no conversion, drop-off or bottleneck to report for it.",
        "zh": "漏斗窗口 {window} 内没有商机（商机创建日期范围为 {first} 至 {last}），因此没有转化、流失或瓶颈可报告。",
    },
    "fun.skip.no_deals": {
        "en": "no deal falls in the funnel's window {window} (deals were created from {first} to {last})",
        "zh": "漏斗窗口 {window} 内没有商机（商机创建日期范围为 {first} 至 {last}）",
    },
    "fun.find.all_open": {
        "en": "All {deals} deals of the funnel's window {window} are still open: none has been won or lost yet, so there is no drop-out or bottleneck to report.",
        "zh": "漏斗窗口 {window} 的 {deals} 个商机全部仍在进行：尚无赢单或输单，因此没有流失或瓶颈可报告。",
    },
    "fun.find.stuck_unassigned": {"en": " {n} of them have no owner.", "zh": "其中 {n} 个没有负责人。"},
    "fun.no_closed": {
        "en": "No deal was won or lost in the funnel's window.",
        "zh": "漏斗窗口内没有赢单或输单的商机。",
    },
    "fun.skip.no_cohorts": {
        "en": "no deal was created in the {months} months to {end}",
        "zh": "截至 {end} 的 {months} 个月内没有新建商机",
    },
    "fun.to_close_undated": {
        "en": "Left out of time to close: {lost} lost deals without a close date (they still count in conversion) and {created} won or lost deals without a created date.",
        "zh": "未计入成交周期：{lost} 个没有关闭日期的输单（仍计入转化率）与 {created} 个没有创建日期的已关闭商机。",
    },
    "tgt.find.before_data": {
        "en": "There is no sales history before {target_period}: the deals start on {first}, so no target is set for it.",
        "zh": "{target_period} 之前没有销售历史：商机数据从 {first} 开始，因此不设定该期目标。",
    },
    "tgt.find.after_data": {
        "en": "The data ends on {last}, before the report period starts, so there is no history up to {target_period} and no target is set for it; choose a report period the data reaches.",
        "zh": "数据截止于 {last}，早于报告期开始，因此没有到 {target_period} 之前的历史，不设定该期目标；请选择数据覆盖到的报告期。",
    },
    "tgt.find.no_series": {
        "en": "The data holds no {metric} history up to the end of the report period, so no forecast or target is proposed.",
        "zh": "截至报告期末，数据中没有{metric}历史，因此不提出预测与目标。",
    },
    "tgt.history_none": {
        "en": "No month of {metric} history in the data up to the end of the report period.",
        "zh": "截至报告期末，数据中没有任何月份的{metric}历史。",
    },
    "tgt.skip.outside_data": {
        "en": "the report period lies outside the data's dates, so no target is set",
        "zh": "报告期不在数据的日期范围内，因此不设定目标",
    },
    "tgt.find.unassigned": {
        "en": " {share} of the last 12 months' revenue came from deals without an owner: the team target includes it and the split hands it to the reps in proportion.",
        "zh": "过去 12 个月收入中有 {share} 来自没有负责人的商机：团队目标包含这部分，拆分时按比例分配给各销售。",
    },
    "tgt.skip.no_reps": {
        "en": "no rep can carry a target (none is listed as employed, or none owns a deal of the last six months), so the team target is not split",
        "zh": "没有可承担目标的销售（名单中无在职销售，或近六个月没有销售负责商机），因此团队目标不做拆分",
    },
    "tgt.skip.no_other": {
        "en": "no other metric has enough history for a forecast",
        "zh": "没有其他指标有足够历史可供预测",
    },
    "diag.skip.no_closed_window": {
        "en": "no deal was won or lost in {window}, so there is no win rate to chart",
        "zh": "{window} 内没有赢单或输单的商机，因此没有赢率可绘制",
    },
    "diag.skip.breakdowns_empty": {
        "en": "no deal was created or closed in {period}",
        "zh": "{period} 内没有新建或关闭的商机",
    },
    "diag.skip.no_period_data": {
        "en": "no deal has closed in {period}, or the data does not reach it, so there are no customer figures for it",
        "zh": "{period} 内没有关闭的商机，或数据未覆盖该期，因此没有客户指标",
    },
    "diag.skip.no_won": {
        "en": "no deal was won in {period}, so there is no revenue concentration to show",
        "zh": "{period} 没有赢单，因此没有收入集中度可显示",
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
    if kind == "filtered":  # a client's column (data.tables.<t>.where), shown as the file spells it
        return t("reason.filtered", lang, column=column)
    if column:
        return t(f"reason.{kind}", lang, column=t(f"column.{column}", lang))
    return t(f"reason.{code}", lang)


def fmt_int(value: float | int, lang: Language = "en") -> str:
    return f"{int(round(value)):,}"


def fmt_pct(value: float, lang: Language = "en", digits: int = 1) -> str:
    return "–" if value != value else f"{value * 100:.{digits}f}%"


def fmt_money(value: float, currency: str, lang: Language = "en") -> str:
    return "–" if value != value else f"{currency} {value:,.0f}"
