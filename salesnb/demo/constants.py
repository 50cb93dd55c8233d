"""The demo company's calendar, vocabularies and planted effect sizes.

Every number a planted truth depends on is set here, so ``ground_truth.json`` and the
generator read the same values. Names without a leading underscore are re-exported by
:mod:`salesnb.demo`; the underscored ones are settings shared by the modules of this
package only. Changing any value changes the generated data for a given seed: bump
``GENERATOR_VERSION`` and the stored hashes in ``tests/test_demo_hash.py``.
"""

from __future__ import annotations

import numpy as np

from salesnb.schema import LOST, OPEN, WON

STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation", "Won")
LOST_STAGE = "Lost"
WON_STAGE = STAGES[-1]
OPEN_STAGES = STAGES[:-1]

HISTORY_START = "2023-01-01"
SNAPSHOT_DATE = "2025-12-31"
CURRENCY = "CNY"
FILE_FORMATS = ("csv", "parquet")
GROUND_TRUTH_FILE = "ground_truth.json"

# Bumped whenever a change alters the generated data for a given seed.
# 2: the CRM intervention is a rep-level pilot (half of each team) instead of two whole teams.
GENERATOR_VERSION = 2

_START = np.datetime64(HISTORY_START, "D")
_SNAPSHOT = int((np.datetime64(SNAPSHOT_DATE, "D") - _START).astype(int))
_N_DAYS = _SNAPSHOT + 1
_STILL_EMPLOYED = 10**6
_DAYS_PER_MONTH = 365.25 / 12

# Organisation: two regions, two teams each; leavers per calendar year are fixed so
# the attrition the reports measure is known exactly.
TEAMS = ("North-1", "North-2", "South-1", "South-2")
_TEAM_REGION = np.array([0, 0, 1, 1])
REGIONS = ("North", "South")
_INITIAL_HEADCOUNT = (8, 7, 8, 7)
_LEAVERS_PER_YEAR = {2023: 6, 2024: 5, 2025: 2}
_N_REPLACEMENTS = 11
TIERS = ("Senior", "Intermediate", "Junior")
_TIER_TARGET_FACTOR = np.array([1.25, 1.0, 0.75])
_TIER_MONTHLY_SALARY = np.array([38_000.0, 30_000.0, 22_000.0])

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
PRODUCTS = ("ERP Suite", "BI Analytics", "HR Cloud", "Premium Support")
LEAD_SOURCES = ("Inbound", "Outbound", "Referral", "Partner", "Event")
ACTIVITY_TYPES = ("call", "email", "meeting", "visit")

# Senior reps are given the larger accounts, so tier drives the segment mix.
_SEGMENT_MIX_BY_TIER = np.array([[0.40, 0.35, 0.25], [0.55, 0.30, 0.15], [0.70, 0.25, 0.05]])
_PRODUCT_MIX_BY_SEGMENT = np.array([[0.25, 0.30, 0.30, 0.15], [0.35, 0.30, 0.20, 0.15], [0.45, 0.25, 0.15, 0.15]])
_PRODUCT_PRICE_FACTOR = np.array([1.3, 0.9, 0.8, 0.5])
_LEAD_SOURCE_MIX = np.array([0.32, 0.28, 0.14, 0.14, 0.12])
_MEDIAN_AMOUNT = np.array([20_000.0, 80_000.0, 300_000.0])
_AMOUNT_SIGMA = 0.5
_ACCOUNT_SIZE_SIGMA = 0.3
# Accounts per deal in each segment's pool, and the Zipf exponent of account
# popularity: together they give repeat buyers and an 80/20-like revenue split.
_ACCOUNTS_PER_DEAL = np.array([0.45, 0.35, 0.25])
_ACCOUNT_ZIPF = 0.85

# Deal creation intensity: a monthly multiplier (mean 1), quiet weekends, growth.
_MONTHLY_SEASONALITY = np.array([0.85, 0.65, 1.00, 1.00, 0.95, 1.05, 0.95, 0.90, 1.05, 1.05, 1.20, 1.35])
_WEEKEND_FACTOR = 0.15
_ANNUAL_GROWTH = 0.08

# Next-step conversion Prospecting->Qualification, Qualification->Proposal,
# Proposal->Negotiation, Negotiation->Won before deal, rep and team effects.
_BASE_CONVERSION = np.array([0.75, 0.78, 0.62, 0.85])
_LEAD_SOURCE_CONVERSION = np.array([1.00, 0.80, 1.25, 1.10, 0.90])
_SEGMENT_QUALIFY_FACTOR = np.array([1.05, 1.00, 0.90])
_SEGMENT_CLOSE_FACTOR = np.array([1.00, 0.98, 0.92])
_CONVERSION_BOUNDS = (0.02, 0.97)

BOTTLENECK_TEAM = "South-1"
BOTTLENECK_FROM, BOTTLENECK_TO = "Proposal", "Negotiation"
_BOTTLENECK_CONVERSION = 0.35

# The CRM pilot: on INTERVENTION_DATE a seeded random half of each team's reps employed
# that day (the odd one out of an odd-sized team stays in the control) gets the CRM.
# Reps who left before the date or join after it are never in the pilot. Assignment is
# by rep, so an analysis can make inference at the unit that was assigned.
INTERVENTION_DATE = "2025-01-01"
_INTERVENTION_DAY = int((np.datetime64(INTERVENTION_DATE, "D") - _START).astype(int))
_PILOT_SHARE = 0.5
_CYCLE_CHANGE_SHARE = -0.25
_WIN_RATE_CHANGE = 0.08
_CSAT_CHANGE = 12.0

# Won-deal cycle medians by segment, split over the four open stages.
_MEDIAN_CYCLE_DAYS = np.array([40.0, 55.0, 70.0])
_STAGE_TIME_SHARE = np.array([0.20, 0.25, 0.30, 0.25])
_DEAL_PACE_SIGMA = 0.30
_STAGE_TIME_SIGMA = 0.45
# A sum of four lognormal stage times has a median above the sum of their medians;
# this factor (measured by simulation) brings the won-cycle median back on target.
_CYCLE_CALIBRATION = 1 / 1.076

# A few deals stall in one stage for many times its usual length: the stuck deals a
# funnel report should list when they are still open at the snapshot.
_STALL_RATE = 0.02
_STALL_FACTOR = (4.0, 12.0)

RAMP_MONTHS = 4
_RAMP_START_SHARE = 0.25

_SKILL_STRONG = (1.45, 1.50, 1.55)
_SKILL_WEAK = (0.45, 0.50, 0.55)
_SKILL_BUSY = 0.70
_BUSY_ACTIVITY_FACTOR = 2.5
_SKILL_ELIGIBLE_DAYS = 365

_SKIP_RATE = 0.05
_BACKWARD_RATE = 0.02
_REOPEN_RATE = 0.003
_REOPEN_WIN_SHARE = 0.45

_CSAT_BASELINE = 70.0
_CSAT_NOISE = 10.0
_SURVEY_SHARE = 0.40

_QUIRK_RATE = 0.0005
_UNKNOWN_REP_IDS = ("R901", "R902", "R903", "R904", "R905")
_UNPARSEABLE_DATES = ("2024-13-45", "n/a", "2024-02-30", "TBD")

_SURNAMES = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu")
_SURNAMES += ("Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Song", "Tang", "Han", "Feng")
_GIVEN_NAMES = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Yang", "Jie", "Tao", "Qiang", "Jun", "Yan", "Hui", "Ling")
_GIVEN_NAMES += ("Xin", "Hao", "Yu", "Ting", "Bo", "Chao", "Lu", "Ming", "Xiaoyu", "Zihan", "Yuxuan", "Haoran", "Jiayi")
_GIVEN_NAMES += ("Shuang", "Kai", "Peng", "Xiaoling", "Jianguo", "Meiling", "Zhiwei", "Yiming")

# Stage codes of the stage-history and outcome arrays: 0-3 the open stages, then Won and Lost;
# status codes 0 open, 1 won, 2 lost index _STATUS_CODES.
_WON_CODE, _LOST_CODE = 4, 5
_STATUS_CODES = (OPEN, WON, LOST)
