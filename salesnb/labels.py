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
    # Diagnosis (report 01)
    "diagnosis.title": {"en": "Sales diagnosis", "zh": "销售诊断"},
    "diag.find.revenue": {
        "en": "Revenue in {period} was {revenue}: {change} on {previous} and {change_ly} on {last_year} ({won} won deals, average {size}).",
        "zh": "{period} 收入 {revenue}：环比（{previous}）{change}，同比（{last_year}）{change_ly}（赢单 {won} 个，平均 {size}）。",
    },
    "diag.find.revenue_no_ly": {
        "en": "Revenue in {period} was {revenue}: {change} on {previous} ({won} won deals, average {size}); the data does not reach back to {last_year}.",
        "zh": "{period} 收入 {revenue}：环比（{previous}）{change}（赢单 {won} 个，平均 {size}）；数据未覆盖 {last_year}。",
    },
    "diag.find.reps_alike": {
        "en": "Rep win rates run from {low} to {high}, but across the {reps} ranked reps the spread is no larger than chance would give (chi-square p = {p}): no rep stands out on conversion.",
        "zh": "销售赢率在 {low} 到 {high} 之间，但 {reps} 名参与排名的销售之间的差异不超过随机波动（卡方检验 p = {p}）：没有人在转化上显著突出。",
    },
    "diag.scorecard_alike": {
        "en": "Rep win rates do not differ more than chance would give (chi-square p = {p}), so the shrunk rates sit close together and win-rate ranks mean little.",
        "zh": "各销售赢率差异不超过随机波动（卡方检验 p = {p}），因此收缩后的赢率彼此接近，赢率排名意义不大。",
    },
    "diag.find.win_rate": {
        "en": "Win rate was {current} against {previous} in {prev_label} ({points})",
        "zh": "赢率为 {current}，{prev_label} 为 {previous}（{points}）",
    },
    "diag.find.win_rate_driver": {
        "en": "; the largest move is in team {team} ({before} → {after})",
        "zh": "；变化最大的是 {team} 团队（{before} → {after}）",
    },
    "diag.find.end": {"en": ".", "zh": "。"},
    "diag.find.reps": {
        "en": "Highest win rate: {best} at {best_rate} (95% CI {best_low}–{best_high}); lowest: {worst} at {worst_rate} ({worst_low}–{worst_high}); {small} reps with fewer than {min_closed} closed deals are not ranked.",
        "zh": "赢率最高：{best} {best_rate}（95% 置信区间 {best_low}–{best_high}）；最低：{worst} {worst_rate}（{worst_low}–{worst_high}）；{small} 名关闭商机少于 {min_closed} 个的销售不参与排名。",
    },
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
        "en": "Window {window}. Win rate with its Wilson 95% interval. Ranks use win rates shrunk towards the team rate (beta-binomial prior with mean {prior_mean}, worth {strength} closed deals). Reps with fewer than {min_closed} closed deals are flagged, not ranked.",
        "zh": "统计窗口 {window}。赢率附 Wilson 95% 置信区间。排名采用向团队赢率收缩后的赢率（Beta-二项先验，均值 {prior_mean}，相当于 {strength} 个关闭商机）。关闭商机少于 {min_closed} 个的销售只标注、不排名。",
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
    "diag.skip.breakdowns": {
        "en": "deals have no segment, product, region or lead source",
        "zh": "商机没有细分、产品、区域或线索来源字段",
    },
    "kpi.revenue": {"en": "Revenue", "zh": "收入"},
    "kpi.won": {"en": "Won deals", "zh": "赢单数"},
    "kpi.won_deals": {"en": "Won deals", "zh": "赢单数"},
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
        "en": "Low conversion (bottom quarter of shrunk win rates)",
        "zh": "转化偏低（收缩赢率后 25%）",
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
    "tgt.split.capability_tier": {"en": "capability tier", "zh": "能力分层"},
    "tgt.split.history_share": {"en": "history share", "zh": "历史占比"},
    "tgt.split.equal": {"en": "equal shares", "zh": "平均分配"},
    "tgt.find.target": {
        "en": "Proposed {metric} target for {period}: {target} — the {method} forecast of {forecast} plus {stretch} stretch; estimated chance of reaching it {probability}.",
        "zh": "建议 {period} {metric}目标：{target}——{method}预测 {forecast} 加 {stretch} 的挑战幅度；预计达成概率 {probability}。",
    },
    "tgt.find.too_hard": {
        "en": "Warning: below the {hard} chance that keeps a target motivating; a target between {low} ({easy} chance) and {high} ({hard} chance) would be demanding but reachable.",
        "zh": "提示：达成概率低于 {hard}，目标可能打击士气；{low}（{easy} 概率）到 {high}（{hard} 概率）之间的目标更具挑战且可达。",
    },
    "tgt.find.too_easy": {
        "en": "Warning: above the {easy} chance, the target is too easy to motivate; a target between {low} ({easy} chance) and {high} ({hard} chance) would stretch the team.",
        "zh": "提示：达成概率高于 {easy}，目标偏低、缺乏激励；{low}（{easy} 概率）到 {high}（{hard} 概率）之间的目标更有挑战。",
    },
    "tgt.find.backtest": {
        "en": "{method} had the lowest backtest error (MAPE {mape} over {n} held-out period(s)) against {naive} for the last-period rule; {months} months of history used.",
        "zh": "{method}的回测误差最低（{n} 个留出期的 MAPE 为 {mape}），“上期 × 增幅”规则为 {naive}；共使用 {months} 个月历史。",
    },
    "tgt.find.assumed_spread": {
        "en": " Too few backtests to measure the forecast's spread: ±{sd} is assumed.",
        "zh": " 回测期数太少，无法估计预测误差：假定为 ±{sd}。",
    },
    "tgt.find.split": {
        "en": "Split by {method} across {reps} reps: from {low} to {high}; {ramping} new reps get a ramped target.",
        "zh": "按{method}分配给 {reps} 名销售：从 {low} 到 {high}；{ramping} 名新人按爬坡期折算。",
    },
    "tgt.find.commission": {
        "en": "At 100% attainment commission costs {cost} ({share} of revenue); expected payout under the forecast {expected}.",
        "zh": "100% 达成时佣金成本为 {cost}（占收入 {share}）；按预测分布的期望佣金为 {expected}。",
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
    "tgt.history_warmup": {"en": "; {n} leading warm-up months left out", "zh": "；剔除了开头 {n} 个爬升月"},
    "tgt.baselines": {"en": "Forecasts and their backtest errors", "zh": "预测方法及回测误差"},
    "tgt.baselines_note": {
        "en": "Each method forecasts {period} from the history; its error is the mean absolute percentage error (MAPE) on up to {n} past periods held out and forecast from the data before them. The method with the lowest MAPE is used (✓).",
        "zh": "各方法基于历史预测 {period}；误差为最多 {n} 个过去期间的平均绝对百分比误差（MAPE），每期只用其之前的数据预测。采用 MAPE 最低的方法（✓）。",
    },
    "tgt.team": {"en": "Team target", "zh": "团队目标"},
    "tgt.team_note": {
        "en": "Target = forecast × (1 + {stretch}). Its chance of being reached assumes the forecast errs like it did in the backtest (log error spread ±{sd}{assumed}).",
        "zh": "目标 = 预测 ×（1 + {stretch}）。达成概率假设预测误差与回测相同（对数误差幅度 ±{sd}{assumed}）。",
    },
    "tgt.assumed": {"en": ", assumed", "zh": "，为假定值"},
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
        "en": "Rates by attainment band ({mode}): {bands}{cap}. Expected payout from {n} seeded simulations of the forecast error and each rep's own spread (±{rep_sd}).",
        "zh": "按达成率分档的费率（{mode}）：{bands}{cap}。期望佣金来自 {n} 次固定种子的模拟（预测误差及个人波动 ±{rep_sd}）。",
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
