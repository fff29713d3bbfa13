"""budgetlib's tables, declared once: every column's type, unit and meaning.

The readers build rows as plain records; :func:`frame` turns a table's records into a DataFrame with
exactly these columns and types, and :func:`data_dictionary` renders the documentation, so the docs
cannot drift from the code. Money columns end in ``_yuan`` (元, float, NA when the form states no
unit); ``*_as_written`` keeps the source text; codes are strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from budgetlib.notices import catalogue

STR = "str"
INT = "Int64"
FLOAT = "float64"
BOOL = "boolean"

_PANDAS_DTYPES = {STR: "str", INT: "Int64", FLOAT: "float64", BOOL: "boolean"}

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
"""The severities of ``findings`` and ``score_flags``, most serious first: the order they are ranked, counted
and filtered in (``budgetlib check --min-severity``)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column: name, type (str, Int64, float64, boolean), unit (one of :data:`UNITS`, '' when
    none) and meaning. ``per_unit`` marks money per counted unit (a unit price, a unit cost): it is
    compared item by item, never summed, and read in 元 rather than 万元."""

    name: str
    dtype: str
    description: str
    unit: str = ""
    per_unit: bool = False

    @property
    def unit_text(self) -> str:
        """The unit as the data dictionary writes it ('元 per unit' for money per unit)."""
        return f"{self.unit} per unit" if self.per_unit else self.unit


UNITS: dict[str, str] = {
    "元": "money in 元 (float; NA, never 0, when the form states no unit)",
    "year": "a fiscal year",
    "points": "points of a score (分值, 得分)",
    "fraction": "a share of a whole: 1.0 is 100 %",
    "change": "a change relative to the figure before, as a fraction: 0.667 is +66.7 %",
    "times": "a multiple of another figure: 3.0 is three times it",
    "Mbps": "line bandwidth in megabits per second",
}
"""Every unit a column may declare, with its meaning; the reports choose each column's format from it."""


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table: what a row is, and its columns in order."""

    name: str
    row: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _c(name: str, dtype: str, description: str, unit: str = "", *, per_unit: bool = False) -> Column:
    return Column(name, dtype, description, unit, per_unit)


FORM_ID = _c("form_id", STR, "Stable id of the form: source path relative to the input root, '#', index in file.")
SOURCE_FILE = _c("source_file", STR, "Source path relative to the input root (posix separators).")

TABLES: dict[str, TableSpec] = {}


def _table(name: str, row: str, *columns: Column) -> TableSpec:
    spec = TableSpec(name, row, columns)
    TABLES[name] = spec
    return spec


PROJECT_FORM_TYPES: tuple[str, ...] = ("declaration", "target", "self_evaluation")
"""The form types of a form about one project."""

DEPARTMENT_FORM_TYPES: tuple[str, ...] = ("department_target", "department_self_evaluation")
"""The form types of a whole-department form (部门整体支出绩效目标表, 自评表, 评价评分表): about a department's
funds and tasks in a year, not about a project (``project_name`` is empty)."""

FORM_TYPES: tuple[str, ...] = PROJECT_FORM_TYPES + DEPARTMENT_FORM_TYPES
"""The values of ``projects.form_type``."""

_table(
    "projects",
    "form (one project's declaration, target form or self-evaluation, or a whole department's target form or "
    "self-evaluation)",
    FORM_ID,
    SOURCE_FILE,
    _c("form_index", INT, "Index of the form within its file (0 for the first)."),
    _c("form_type", STR, "declaration, target or self_evaluation (a project's form); department_target or "
       "department_self_evaluation (a whole department's: 部门整体支出绩效目标表, 自评表, and the 部门整体支出绩效评价 "
       "scoring sheets, which are self-evaluations)."),
    _c("form_title", STR, "The form's title as written."),
    _c("form_number", STR, "Report number printed on the form (报表编号), as written."),
    _c("fiscal_year", INT, "Budget year the form is about (from its title, else its code or period).", "year"),
    _c("project_name", STR, "Project name (项目名称), without a code prefix; NA on a whole-department form."),
    _c("project_name_as_written", STR, "Project name cell as written (may carry a code prefix)."),
    _c("project_code", STR, "Project code (项目代码) as a string, e.g. 036001-2020-BMZX-0001."),
    _c("department", STR, "Supervising department (主管部门), without its code; on a whole-department form the "
       "department it is about (部门（单位）名称). Never taken from the page a form was published on."),
    _c("department_code", STR, "Department code such as 015001 (from '[015001]…'), a string."),
    _c("implementing_unit", STR, "Implementing unit (执行/实施单位), without its code."),
    _c("implementing_unit_code", STR, "Implementing unit's code such as 219001 (from '219001-池州市…'), a string."),
    _c("publishing_unit", STR, "The unit that published the page the form came on (发文单位 of the page's "
       "metadata, see page_metadata); not the form's department."),
    _c("manager", STR, "Project manager (项目负责人)."),
    _c("phone", STR, "Contact telephone as written."),
    _c("category", STR, "Project category or attribute (项目类别/项目属性)."),
    _c("period", STR, "Implementation period as written (项目起止时间/实施期)."),
    _c("period_start", STR, "Start of the period, ISO year-month where stated."),
    _c("period_end", STR, "End of the period, ISO year-month where stated."),
    _c("total_budget_yuan", FLOAT, "Total project budget (项目总预算/资金总额); a form that states only this year's "
       "total has that (see total_budget_basis).", "元"),
    _c("total_budget_as_written", STR, "Total budget as written."),
    _c("total_budget_basis", STR, "stated (the form states a total budget) or current_year (it states only this "
       "year's total, which is taken as the total); NA without a budget."),
    _c("current_year_budget_yuan", FLOAT, "This year's budget (项目当年预算/年度资金总额/全年预算数); on a "
       "whole-department form its year's funds (预算支出总额, or the 金额合计 of its main tasks); on a form whose "
       "only budget is a cost-composition table, that table's 合计.", "元"),
    _c("budget_as_written", STR, "This year's budget as written."),
    _c("amount_unit", STR, "Money unit the budget was read in (元, 万元, …); NA when the form states none."),
    _c("application_reason", STR, "Reason for the application (项目申请理由)."),
    _c("main_content", STR, "Main content of the project (项目主要内容)."),
    _c("cost_basis", STR, "Cost basis text (测算依据及说明), split into cost_items."),
    _c("budget_change_text", STR, "Text on the budgets of earlier years and this year's change."),
    _c("overall_goal", STR, "Overall or medium-term performance goal (绩效总目标/中期目标)."),
    _c("annual_goal", STR, "Annual performance goal (年度目标)."),
    _c("duties", STR, "Whole-department forms: the department's functions and duties (职能职责概述)."),
    _c("goal_completion", STR, "Self-evaluation: how the annual goal was met (完成情况)."),
    _c("implementation_summary", STR, "Self-evaluation: summary of what was done (实施内容及过程概述)."),
    _c("evaluation_conclusion", STR, "Self-evaluation conclusion (评价结论)."),
    _c("problems", STR, "Problems found (存在问题)."),
    _c("improvements", STR, "Improvement measures (改进措施)."),
    _c("audit_opinion", STR, "Finance bureau's review opinion (审核意见)."),
    _c("finance_manager", STR, "Finance manager (财务负责人)."),
    _c("form_filler", STR, "Person who filled in the form (填表人)."),
    _c("fill_date", STR, "Date the form was filled in, as written."),
    _c("unit_head", STR, "Head of the unit who signed (单位负责人)."),
    _c("execution_section_weight", FLOAT, "Points of the budget-execution block, e.g. 预算执行情况(10分).", "points"),
    _c("indicator_section_weight", FLOAT, "Points of the indicator block, e.g. 绩效指标(90分).", "points"),
    _c("stated_total_weight", FLOAT, "Total of the weights as the form states it (合计/总分 row).", "points"),
    _c("official_total_score", FLOAT, "Total score the form publishes (总分 row), as written.", "points"),
    _c("encoding", STR, "Text encoding the file was read with (NA for xlsx)."),
    _c("coverage", FLOAT, "Share of the form's non-empty cells and text lines that went to a table other than "
       "unparsed (a label that structured the form counts as read): 1.0 when nothing is left unparsed.",
       "fraction"),
)

_table(
    "funding",
    "funding-source line (资金来源); 其中 sub-rows keep their parent",
    FORM_ID,
    _c("line_no", INT, "Order of the line in the form, from 1."),
    _c("source_no", STR, "The line's own number as written ('1' … '7'), NA for 其中 rows."),
    _c("source_name", STR, "Source name without numbering or '其中：'."),
    _c("source_as_written", STR, "The source cell as written."),
    _c("parent_source", STR, "For a 其中 (of which) row: the source it belongs to."),
    _c("scope", STR, "current_year or total (multi-year) funds."),
    _c("amount_yuan", FLOAT, "Amount in 元; NA when the form states no unit or the cell is empty.", "元"),
    _c("amount_as_written", STR, "Amount cell as written."),
    _c("amount_unit", STR, "Unit the amount was read in."),
)

_table(
    "expenditures",
    "expenditure line (economic category) × year column",
    FORM_ID,
    _c("line_no", INT, "Order of the category line in the form, from 1."),
    _c("economic_code", STR, "Economic classification code where the form gives one (e.g. 30213)."),
    _c("economic_category", STR, "Economic classification (经济科目), e.g. 维修(护)费; a line of a cost-composition "
       "table (保安服务费); on a whole-department form an expenditure type (基本支出, 人员经费, 公用经费, 项目支出)."),
    _c("parent_category", STR, "For a part of another line (人员经费 under 基本支出): the line it belongs to; such "
       "lines are not summed with their parent."),
    _c("fiscal_year", INT, "Year of the column.", "year"),
    _c("amount_basis", STR, "budget (what the form plans for the year) or actual (a prior year's 实际执行数)."),
    _c("amount_yuan", FLOAT, "Amount in 元; NA without a stated unit.", "元"),
    _c("amount_as_written", STR, "Amount cell as written."),
    _c("amount_unit", STR, "Unit the amount was read in."),
    _c("column_label", STR, "Heading of the year column as written."),
)

_table(
    "budget_history",
    "project × year × basis: what a form says a year's budget was",
    FORM_ID,
    _c("project_code", STR, "Project code, a string."),
    _c("project_name", STR, "Project name."),
    _c("department", STR, "Supervising department."),
    _c("fiscal_year", INT, "Budget year.", "year"),
    _c("amount_yuan", FLOAT, "Budget of that year in 元; NA without a stated unit.", "元"),
    _c("amount_as_written", STR, "The figure as written."),
    _c("basis", STR, "this_form, stated_in_text, expenditure_column, actual (what a prior year's spending was, from a "
       "实际执行数 column: its stated 合计, else the sum of its lines) or earlier_form."),
    _c("note", STR, "Where the figure comes from (the sentence, the column heading)."),
)

_table(
    "budget_execution",
    "self-evaluation fund line (总额, 其中 财政拨款, 其他资金 …)",
    FORM_ID,
    _c("line_no", INT, "Order of the line, from 1."),
    _c("fund_line", STR, "Fund line name as written, cleaned."),
    _c("parent_line", STR, "For a 其中 row: the line it belongs to."),
    _c("is_total", BOOL, "True for the total line (总额/年度资金总额/合计)."),
    _c("breakdown", STR, "On a whole-department form: income_source (the funds by 收入性质: 财政拨款, 其他资金 …) or "
       "expenditure_type (by 支出性质: 基本支出, 人员经费 …); each breakdown's top lines add up to the total."),
    _c("initial_budget_yuan", FLOAT, "年初预算数.", "元"),
    _c("full_year_budget_yuan", FLOAT, "全年预算数.", "元"),
    _c("adjusted_budget_yuan", FLOAT, "调整后预算数.", "元"),
    _c("executed_yuan", FLOAT, "全年执行数/预算执行数.", "元"),
    _c("execution_rate", FLOAT, "Execution rate as written, as a fraction (100.00% → 1.0).", "fraction"),
    _c("weight", FLOAT, "Points of the line (分值/权重) as written.", "points"),
    _c("score", FLOAT, "Score of the line (得分) as written.", "points"),
    _c("reason", STR, "Reason or note written on the line (原因)."),
    _c("initial_budget_as_written", STR, "年初预算数 as written."),
    _c("full_year_budget_as_written", STR, "全年预算数 as written."),
    _c("adjusted_budget_as_written", STR, "调整后预算数 as written."),
    _c("executed_as_written", STR, "执行数 as written."),
    _c("execution_rate_as_written", STR, "执行率 as written."),
    _c("weight_as_written", STR, "分值 as written."),
    _c("score_as_written", STR, "得分 as written."),
    _c("amount_unit", STR, "Unit the amounts were read in."),
)

_table(
    "indicators",
    "performance indicator (三级指标) of one horizon",
    FORM_ID,
    _c("indicator_no", INT, "Order of the indicator in the form, from 1."),
    _c("horizon", STR, "annual or long_term."),
    _c("level1", STR, "一级指标 as written, cleaned (no numbering, spaces or points suffix)."),
    _c("level2", STR, "二级指标 as written, cleaned."),
    _c("name", STR, "三级指标 / 指标内容 as written."),
    _c("level1_std", STR, "Canonical level 1 (产出指标, 效益指标, 满意度指标, 成本指标; on scoring sheets also "
                          "投入指标, 过程指标, 决策指标)."),
    _c("level2_std", STR, "Canonical level 2 (数量指标, 质量指标, 时效指标, 成本指标, 社会效益指标, …; on scoring "
                          "sheets the framework's labels: 预算编制, 预算执行, 履职效益 …)."),
    _c("level1_weight", FLOAT, "Points of the level-1 block where stated ('产出指标(70分)', '产出指标[50]').",
       "points"),
    _c("level2_weight", FLOAT, "Points of the level-2 block where stated ('预算编制（15分）').", "points"),
    _c("parent_indicator_no", INT, "indicator_no of the indicator this one is a part of ('其中：…', '(1)…' under it); "
                                   "NA for a top-level indicator."),
    _c("parent_name", STR, "Name of the parent indicator: the one above a '其中' or numbered row, or the 三级 cell "
                           "above a 四级 name."),
    _c("target_text", STR, "Target (指标值) cell as written."),
    _c("comparator", STR, ">=, <=, >, <, = or NA (a bare number, or not quantitative)."),
    _c("target_kind", STR, "quantitative, qualitative or period; criteria for a scoring-sheet row (a weight, "
                           "criteria text and a score, no target)."),
    _c("target_value", FLOAT, "Number of a quantitative target, in its unit."),
    _c("unit", STR, "Unit of the target ('百分比' normalised to '%')."),
    _c("period_start", STR, "Start of a period target (ISO year[-month[-day]])."),
    _c("period_end", STR, "End or deadline of a period target (ISO; '--12' while a deadline lacks its year)."),
    _c("period_year_basis", STR, "Where a period target's year comes from: stated (in the text), fiscal_year "
       "(a deadline such as 12月底前 names none: the form's fiscal year, +1 for 次年) or missing (no year known)."),
    _c("has_placeholder", BOOL, "The name or target still carries template text ('**', '指标2', '……')."),
    _c("weight", FLOAT, "Points of the indicator (分值/权重) as written.", "points"),
    _c("actual_text", STR, "Actual (实际完成值) as written; NA when left empty."),
    _c("actual_comparator", STR, "Operator written in the actual ('≥266米' → '>=')."),
    _c("actual_value", FLOAT, "Number of the actual, in its unit; NA when empty or qualitative."),
    _c("actual_unit", STR, "Unit written in the actual."),
    _c("actual_problem", STR, "Why the actual is not scored although it was given: an actuals-sheet cell that is a "
       "formula, disagrees between sheets, or is words or a bare fraction against a numeric target; NA otherwise."),
    _c("score", FLOAT, "Score (得分) as published; NA when empty.", "points"),
    _c("deviation_reason", STR, "Reason for a deviation (偏差/未完成原因)."),
    _c("improvement", STR, "The indicator's improvement measure, from a 改进措施 column of its own beside the reason "
       "(a heading 偏差原因及改进措施 is one column: deviation_reason)."),
    _c("standard", STR, "Standard the target refers to (绩效标准), e.g. 计划标准, or a sentence describing it."),
    _c("criteria", STR, "Scoring criteria of the row (评分标准, 评价标准) as written."),
    _c("explanation", STR, "What the indicator means (指标解释, 指标说明) as written."),
    _c("remark", STR, "Remark (备注)."),
    _c("table_no", INT, "Source table of the indicator row."),
    _c("row", INT, "Source row of the indicator."),
)

_table(
    "stated_totals",
    "total row a form states (合计, 总计, 总分), kept to check against the sum of its lines",
    FORM_ID,
    _c("of_table", STR, "The table whose lines the total sums: funding, expenditures (also a cost-composition "
       "table's columns), indicators, budget_execution."),
    _c("label", STR, "The total's label as written."),
    _c("fiscal_year", INT, "Year of the column, for expenditure totals.", "year"),
    _c("quantity", STR, "amount, weight or score."),
    _c("value", FLOAT, "The figure in its own unit."),
    _c("value_yuan", FLOAT, "Amounts in 元 (NA for weights, scores, or without a unit).", "元"),
    _c("as_written", STR, "The figure as written."),
)

_table(
    "cost_items",
    "cost-basis (测算依据) item",
    FORM_ID,
    _c("item_no", INT, "Order of the item, from 1."),
    _c("parent_item", INT, "For a part of a group (（1）, ① under '1.人员经费72万元：') or the group's 小计 line: the "
       "item_no of the group. The group's amount counts once; its parts are its breakdown."),
    _c("description", STR, "The item's text as written (a table: the line's name)."),
    _c("source", STR, "text (an item of the 测算依据 text) or table (a line of a cost-composition table: 成本构成 | "
       "金额 | 测算依据, or of a cost-detail table: 明细项目 | 数量 | 单位 | 单价 | 金额). A form with a table has its "
       "lines as items, its text is not counted again."),
    _c("calculation_basis", STR, "The 测算依据 (or 备注) written beside a line of a table, as written."),
    _c("quantity", FLOAT, "Quantity (123 家, 655 个)."),
    _c("quantity_unit", STR, "Unit of the quantity (家, 个, …)."),
    _c("unit_price_yuan", FLOAT, "Unit price.", "元", per_unit=True),
    _c("price_basis", STR, "What the unit price is per, e.g. 元/家/年."),
    _c("list_amount_yuan", FLOAT, "Quantity × unit price.", "元"),
    _c("stated_amount_yuan", FLOAT, "Amount the text (or the table's amount column) states (package or discounted "
       "price); NA when no unit is stated.", "元"),
    _c("implied_unit_cost_yuan", FLOAT, "Stated amount / quantity.", "元", per_unit=True),
    _c("package_ratio", FLOAT, "Stated amount / list amount.", "fraction"),
    _c("unit_price_as_written", STR, "The unit price as written ('每家每年约 1000 元', '1000元/家/年')."),
    _c("stated_amount_as_written", STR, "The stated amount as written ('10 万元', '6 万元/年')."),
    _c("amount_yuan", FLOAT, "What the item contributes to the total: the stated amount, else the list amount.", "元"),
    _c("duration", FLOAT, "A duration the item states ('服务 6 个月'), used when the price is per month/day."),
    _c("duration_unit", STR, "Unit of the duration (月, 天, 周, 年)."),
    _c("bandwidth_mbps", FLOAT, "Line bandwidth the item names ('宽带 200M'): an attribute, not money.", "Mbps"),
    _c("attributes", STR, "Other attributes as written (bandwidths, a table's 规格型号 …), '; '-separated."),
    _c("kind", STR, "Kind of cost (broadband, maintenance, training …) from data/cost_item_kinds.csv."),
    _c("is_total", BOOL, "True for a 合计/总计 line of the cost basis (not an item; kept to compare)."),
)

_table(
    "tasks",
    "main task of a whole-department form's year (年度主要任务), and its total row",
    FORM_ID,
    _c("task_no", INT, "Order of the task, from 1; NA on the total row."),
    _c("task_name", STR, "Task name (任务名称) as written."),
    _c("content", STR, "What the task is (主要内容) as written."),
    _c("amount_yuan", FLOAT, "The task's funds (预算金额, 总额).", "元"),
    _c("amount_as_written", STR, "The task's funds as written."),
    _c("fiscal_amount_yuan", FLOAT, "Of which 财政拨款, where the form splits the funds.", "元"),
    _c("fiscal_amount_as_written", STR, "财政拨款 as written."),
    _c("other_amount_yuan", FLOAT, "Of which 其他资金, where the form splits the funds.", "元"),
    _c("other_amount_as_written", STR, "其他资金 as written."),
    _c("amount_unit", STR, "Unit the amounts were read in."),
    _c("is_total", BOOL, "True for the row that states the tasks' total (金额合计); kept to compare, not a task."),
)

_table(
    "page_metadata",
    "label of the page a form was published on (索引号, 发文单位, 发布日期 …), printed before the form",
    FORM_ID,
    _c("item_no", INT, "Order of the label on the page, from 1."),
    _c("key", STR, "What the label is: index_no, publisher, published, document_no, subject, validity, disclosure."),
    _c("label", STR, "The label as written."),
    _c("text", STR, "Its value as written; NA when empty."),
)

_table(
    "score_indicators",
    "indicator, scored by `budgetlib.score` (computed beside published)",
    FORM_ID,
    _c("indicator_no", INT, "Order of the indicator in the form (joins indicators)."),
    _c("level1_std", STR, "Canonical level 1."),
    _c("level2_std", STR, "Canonical level 2."),
    _c("name", STR, "三级指标 as written."),
    _c("target_text", STR, "Target as written."),
    _c("actual_text", STR, "Actual as written (from the form or the actuals sheet); NA when empty."),
    _c("weight", FLOAT, "Points the indicator carries: the form's own, else its level-1 points split evenly.",
       "points"),
    _c("weight_basis", STR, "Where the weight comes from (表中分值, or which level-1 points were split)."),
    _c("direction", STR, "higher, lower, exact, qualitative or period; NA when unknown."),
    _c("status", STR, "scored or not_scored (a missing actual is not scored, never 0)."),
    _c("attainment", FLOAT, "actual/target (higher), target/actual (lower), 1−|actual−target|/target (exact); "
       "the band's share for words and periods. Above 1 = exceeded.", "fraction"),
    _c("credit", FLOAT, "Share of the weight earned (0–1) under the scoring policy, before rounding.", "fraction"),
    _c("computed_score", FLOAT, "weight × credit, rounded as the policy says; NA when not scored.", "points"),
    _c("band", STR, "achieved (≥80% of the weight), partly (60–80%) or not_achieved; NA when not scored."),
    _c("published_score", FLOAT, "Score (得分) the form publishes; NA when empty.", "points"),
    _c("score_gap", FLOAT, "published_score − computed_score.", "points"),
    _c("gap_reason", STR, "Why published and computed differ (rounding, the evaluator's discretion, not scored)."),
    _c("note", STR, "How the indicator was read: inferred direction, unit conversion, the words that set the band, "
       "or why it was not scored."),
)

_table(
    "score_forms",
    "form, scored by `budgetlib.score`: execution, indicators, total, grade, official total",
    FORM_ID,
    _c("form_type", STR, "declaration, target or self_evaluation."),
    _c("fiscal_year", INT, "Budget year.", "year"),
    _c("project_name", STR, "Project name."),
    _c("level1_weights", STR, "Points per level-1 block as the form weights them, "
       "e.g. 产出指标70/效益指标20/满意度指标10."),
    _c("execution_rate", FLOAT, "执行数 / the denominator in rate_basis, computed from the amounts.", "fraction"),
    _c("rate_basis", STR, "Denominator used (全年预算数, 调整后预算数 …), with the fallback when one was missing."),
    _c("execution_weight", FLOAT, "Points of the execution block.", "points"),
    _c("execution_score", FLOAT, "execution_weight × min(rate, 1), rounded as the policy says.", "points"),
    _c("published_execution_score", FLOAT, "Execution score the form publishes.", "points"),
    _c("total_includes_execution", BOOL, "Whether the total includes the execution score (the form decides)."),
    _c("indicator_weight", FLOAT, "Sum of the annual indicators' weights.", "points"),
    _c("indicator_score", FLOAT, "Sum of the scored indicators' computed scores; NA when none was scored.", "points"),
    _c("published_indicator_score", FLOAT, "Sum of the indicator scores the form publishes.", "points"),
    _c("n_indicators", INT, "Indicators of the form."),
    _c("n_scored", INT, "Indicators scored."),
    _c("n_not_scored", INT, "Indicators not scored (no actual, no weight, unreadable actual …)."),
    _c("total_weight", FLOAT, "Points the total is out of (indicators, plus execution when included).", "points"),
    _c("total_score", FLOAT, "Computed total; NA when no indicator was scored.", "points"),
    _c("score_pct", FLOAT, "Total as a share of its weight, out of 100 (what the grade is read from).", "points"),
    _c("is_complete", BOOL, "Every weighted indicator (and the execution score, when included) was scored."),
    _c("grade", STR, "优 (≥90), 良 (80–90), 中 (60–80), 差 (<60); NA when incomplete or nothing was scored."),
    _c("official_total_score", FLOAT, "Total (总分) the form publishes.", "points"),
    _c("official_difference", FLOAT, "official_total_score − total_score.", "points"),
    _c("explanation", STR, "Whose weights, whether execution is in the total, what is missing, why totals differ."),
    _c("policy", STR, "The scoring choices that change numbers (rounding, formulas, denominator …)."),
)

_table(
    "score_execution",
    "self-evaluation fund line, with its execution rate computed by `budgetlib.score`",
    FORM_ID,
    _c("line_no", INT, "Order of the line (joins budget_execution)."),
    _c("fund_line", STR, "Fund line name."),
    _c("parent_line", STR, "For a 其中 row: the line it belongs to."),
    _c("is_total", BOOL, "The line the form's rate and score are read from."),
    _c("rate_basis", STR, "Denominator used: 全年预算数, 调整后预算数 or 年初预算数."),
    _c("budget_as_written", STR, "The denominator as written."),
    _c("executed_as_written", STR, "执行数 as written."),
    _c("budget_yuan", FLOAT, "The denominator in 元; NA without a stated unit.", "元"),
    _c("executed_yuan", FLOAT, "执行数 in 元; NA without a stated unit.", "元"),
    _c("budget_amount", FLOAT, "The denominator used for the rate, in 元 or, without a unit, as written."),
    _c("executed_amount", FLOAT, "执行数 used for the rate, in the same unit as budget_amount."),
    _c("amount_unit", STR, "Unit the amounts were read in."),
    _c("computed_rate", FLOAT, "executed_amount / budget_amount; NA when it cannot be computed.", "fraction"),
    _c("rate_as_written", FLOAT, "Execution rate the form prints, as a fraction.", "fraction"),
    _c("weight", FLOAT, "Points of the line as written.", "points"),
    _c("computed_score", FLOAT, "Score computed for the total line.", "points"),
    _c("published_score", FLOAT, "Score the form prints on the line.", "points"),
    _c("reason", STR, "Reason written on the line."),
    _c("has_reason", BOOL, "A real reason is written (the template's instructions do not count)."),
    _c("note", STR, "Why no rate, or the contradiction found."),
)

_table(
    "score_flags",
    "thing a reviewer should look at, found while scoring",
    FORM_ID,
    _c("subject", STR, "execution, weights, total or indicator."),
    _c("key", STR, "line_no, level-1 name or indicator_no it concerns, as text."),
    _c("severity", STR, "error (the form contradicts itself), warning or info."),
    _c("message", STR, "What was found, in Chinese, with the numbers."),
)

_table(
    "findings",
    "review finding (checks C1–C16)",
    FORM_ID,
    _c("check_id", STR, "Check id, C1 … C16."),
    _c("severity", STR, "error, warning or info."),
    _c("dimension", STR, "Review dimension: 完整性, 相关性, 适当性 or 可行性."),
    _c("message", STR, "What was found, in Chinese, with the numbers involved."),
    _c("location", STR, "Where in the form (table, row, indicator)."),
)

_table(
    "unparsed",
    "non-empty source cell or text line that no table took",
    FORM_ID,
    SOURCE_FILE,
    _c("table_no", INT, "Source table (NA for a text line outside tables)."),
    _c("row", INT, "Row in the table, or the text line's number among text lines."),
    _c("col", INT, "Column in the table (NA for a text line)."),
    _c("text", STR, "The text as written."),
    _c("origin", STR, "Where it is in the file (line, sheet and row)."),
)

_table(
    "provenance",
    "non-empty source cell or text line × where it went",
    FORM_ID,
    _c("table_no", INT, "Source table (NA for a text line outside tables)."),
    _c("row", INT, "Row in the table, or text line number."),
    _c("col", INT, "Column in the table (NA for a text line)."),
    _c("text", STR, "The source text."),
    _c("dest_table", STR, "Table the text went to ('labels' for a label that structured the form)."),
    _c("dest_column", STR, "Column it went to."),
    _c("dest_key", STR, "Row key in that table (line_no, indicator_no, …), NA for projects."),
)

_table(
    "warnings",
    "something a reader noticed and worked around",
    FORM_ID,
    SOURCE_FILE,
    _c("location", STR, "Where in the file."),
    _c("code", STR, "Stable code of the kind of warning (W_…, listed with the notices in the data dictionary)."),
    _c("message", STR, "What was noticed."),
)

_table(
    "errors",
    "file (or part of one) that could not be read",
    SOURCE_FILE,
    _c("code", STR, "Stable code of the kind of error (E_…, listed with the notices in the data dictionary)."),
    _c("error", STR, "Why, in words a person can act on."),
    _c("location", STR, "Where in the file, where known."),
)

_table(
    "skipped",
    "file under a folder given that was not read because it is no form (hidden, an office lock file, a "
    "temporary or system file, not a form format); a file named on its own is never skipped",
    SOURCE_FILE,
    _c("code", STR, "Stable code of the reason (S_…, listed with the notices in the data dictionary)."),
    _c("reason", STR, "Why the file was not read, in words."),
)


SCORE_TABLES = frozenset({"score_indicators", "score_forms", "score_execution", "score_flags"})
"""Tables of scoring results (budgetlib.score), not of reading: read_forms and parse leave them out."""

FORM_TABLES = tuple(name for name in TABLES if name not in SCORE_TABLES)
"""Tables that read_forms fills (parsed and derived)."""


# ----------------------------------------------------------------------------------------------
# results: what the analyses return and what the report sections count, declared for their units

ANALYSIS_TABLES: dict[str, TableSpec] = {}
"""Tables the analyses return (``bl.project_years``, ``bl.yoy``, ``bl.unit_costs``, ``bl.reprice``,
``bl.sensitivity``).
Not read or written with the forms; declared so that their columns have a type, a unit and a
meaning in one place, like the tables above."""


def _analysis_table(name: str, row: str, *columns: Column) -> TableSpec:
    spec = TableSpec(name, row, columns)
    ANALYSIS_TABLES[name] = spec
    return spec


_analysis_table(
    "project_years",
    "project × fiscal year (`bl.project_years`): the unit of every total, one budget per project-year however "
    "many forms it has; department-wide forms have none",
    _c("project_key", STR, "What follows a project across forms and years: code:<project code>, else "
       "name:<department>|<name>, else form:<form_id>."),
    _c("project_code", STR, "Project code (from the budget form, else another form of the project-year)."),
    _c("project_name", STR, "Project name (from the budget form, else another form of the project-year)."),
    _c("department", STR, "Supervising department."),
    _c("department_code", STR, "Department code, a string."),
    _c("fiscal_year", INT, "Budget year.", "year"),
    _c("budget_yuan", FLOAT, "The project-year's budget, from the first source of the precedence its forms state "
       "with a unit (ProjectYearPolicy); NA when none does.", "元"),
    _c("budget_basis", STR, "Where budget_yuan comes from, form_type:field: self_evaluation:adjusted_budget "
       "(调整后预算数), self_evaluation:full_year_budget (全年预算数), self_evaluation:current_year_budget, "
       "target:current_year_budget (年度资金总额), declaration:current_year_budget (项目当年预算)."),
    _c("budget_as_written", STR, "The budget as written in its form."),
    _c("budget_form_id", STR, "The form the budget comes from."),
    _c("budget_note", STR, "Why an earlier source of the precedence was passed over (its amount has no unit); NA "
       "when the first source gave the budget."),
    _c("form_ids", STR, "Every form of the project-year, ';'-separated, in precedence order."),
    _c("form_types", STR, "Their form types, in the same order."),
    _c("n_forms", INT, "Forms of the project-year."),
    _c("declaration_budget_yuan", FLOAT, "The declaration's current-year budget; NA without one or its unit.", "元"),
    _c("target_budget_yuan", FLOAT, "The target form's annual amount; NA without one or its unit.", "元"),
    _c("self_evaluation_budget_yuan", FLOAT, "The self-evaluation's adjusted or full-year budget; NA without one or "
       "its unit.", "元"),
    _c("self_evaluation_initial_budget_yuan", FLOAT, "The self-evaluation's 年初预算数 (budget at the start of the "
       "year).", "元"),
    _c("executed_yuan", FLOAT, "The self-evaluation's 全年执行数 (what was spent).", "元"),
)

_analysis_table(
    "project_year_forms",
    "form of a project-year (`budgetlib.analysis.project_years.project_year_forms`): each form's own budget "
    "figure beside the others of its project-year",
    _c("project_key", STR, "The project (as in project_years)."),
    _c("fiscal_year", INT, "Budget year.", "year"),
    FORM_ID,
    _c("form_type", STR, "declaration, target or self_evaluation."),
    _c("project_code", STR, "Project code as the form states it."),
    _c("project_name", STR, "Project name as the form states it."),
    _c("department", STR, "Supervising department as the form states it."),
    _c("department_code", STR, "Department code, a string."),
    _c("budget_yuan", FLOAT, "The form's own budget (first source of its type it states with a unit); NA when "
       "unknown.", "元"),
    _c("budget_basis", STR, "Where the form's figure comes from (form_type:field)."),
    _c("budget_as_written", STR, "The figure as written."),
    _c("is_budget_form", BOOL, "The project-year's budget is this form's figure."),
)

_analysis_table(
    "yoy",
    "project, department or economic category × fiscal year (`bl.yoy`; by project the project columns, "
    "by department or category the counts)",
    _c("project_key", STR, "By project: what follows a project across years (its code, else its name in its "
       "department)."),
    _c("project_code", STR, "By project: project code."),
    _c("project_name", STR, "By project: project name."),
    _c("department", STR, "By project or department: supervising department."),
    _c("economic_category", STR, "By economic category: the category (经济科目)."),
    _c("economic_class", STR, "By economic class: the class (类) of the categories, code and name "
       "(302 商品和服务支出); 未归类 for lines no code or name places."),
    _c("fiscal_year", INT, "The year compared.", "year"),
    _c("prior_year", INT, "The year it is compared with (fiscal_year − 1).", "year"),
    _c("prior_yuan", FLOAT, "The prior year's figure; NA when unknown.", "元"),
    _c("current_yuan", FLOAT, "This year's figure; for a group NA when one project's amount is unknown.", "元"),
    _c("change_yuan", FLOAT, "current_yuan − prior_yuan.", "元"),
    _c("change_fraction", FLOAT, "change_yuan / prior_yuan; NA when the prior is 0 or unknown.", "change"),
    _c("prior_basis", STR, "Where the prior figure comes from: earlier_form, stated_in_text or expenditure_column "
       "('+'-joined when a group's projects differ)."),
    _c("prior_as_written", STR, "By project: the prior figure as written."),
    _c("form_id", STR, "By project: the form giving this year's figure."),
    _c("prior_form_id", STR, "By project: the prior year's form, when the basis is earlier_form."),
    _c("n_projects", INT, "By group: projects with a form this year."),
    _c("n_unknown", INT, "By group: projects whose amount this year is unknown."),
    _c("n_prior_unknown", INT, "By group: projects whose prior figure is unknown."),
    _c("n_new", INT, "By group: projects without a form the year before; NA without prior-year forms."),
    _c("n_ended", INT, "By group: projects of the year before without a form this year; NA without prior-year forms."),
)

_analysis_table(
    "unit_costs",
    "cost item with a quantity and an amount, against the items of its kind (`bl.unit_costs`; one form's items "
    "per project-year)",
    FORM_ID,
    _c("project_key", STR, "The project (as in project_years); NA for a form of no project-year."),
    _c("fiscal_year", INT, "Budget year of the form.", "year"),
    _c("department", STR, "Supervising department."),
    _c("project_name", STR, "Project name."),
    _c("item_no", INT, "Order of the item in its cost basis (joins cost_items)."),
    _c("kind", STR, "Kind of cost (broadband, maintenance …)."),
    _c("description", STR, "The item's text as written."),
    _c("quantity", FLOAT, "Quantity counted."),
    _c("quantity_unit", STR, "Unit of the quantity as written (家, 个 …)."),
    _c("unit_class", STR, "Class of the counted unit (处, 点 and 站 are sites …; data/count_units.csv)."),
    _c("time_basis", STR, "Duration unit of an item priced by duration (月, 天); '' for the budget year."),
    _c("bandwidth_mbps", FLOAT, "Line bandwidth the item names.", "Mbps"),
    _c("unit_price_yuan", FLOAT, "Unit price as written.", "元", per_unit=True),
    _c("price_basis", STR, "What the unit price is per, e.g. 元/家/年."),
    _c("unit_cost_yuan", FLOAT, "Effective unit cost: the item's amount / quantity (/ duration).", "元", per_unit=True),
    _c("unit_basis", STR, "What the unit cost is per, e.g. 元/处/年."),
    _c("group_size", INT, "Items in the comparison group."),
    _c("group_median_yuan", FLOAT, "Median unit cost of the group.", "元", per_unit=True),
    _c("ratio_to_median", FLOAT, "unit_cost_yuan / group_median_yuan.", "times"),
    _c("robust_z", FLOAT, "Robust z-score of the log unit cost in its group (median and MAD)."),
    _c("is_outlier", BOOL, "Far from the group's median and unusual for it; NA in groups too small to tell."),
)

_analysis_table(
    "scenario",
    "cost item, and one total per form, repriced by a scenario (`bl.reprice`)",
    FORM_ID,
    _c("item_no", INT, "Order of the item (joins cost_items); NA on the total row."),
    _c("description", STR, "The item's text; 合计 on the total row."),
    _c("kind", STR, "Kind of cost."),
    _c("is_total", BOOL, "True for the form's total row."),
    _c("changed", STR, "The item's edits ('quantity 655→700'), 'new item' or 'removed'."),
    _c("baseline_yuan", FLOAT, "The item's amount before the edits.", "元"),
    _c("scenario_yuan", FLOAT, "The item's amount after the edits.", "元"),
    _c("difference_yuan", FLOAT, "scenario_yuan − baseline_yuan.", "元"),
)

_analysis_table(
    "sensitivity",
    "driver of a form's total (a quantity, a unit price, an amount) moved by ± a share (`bl.sensitivity`)",
    FORM_ID,
    _c("driver", STR, "What is moved, e.g. '数量 655 个' or '单价 第 2 项 100 元/个/年'."),
    _c("items", STR, "The items the driver is in, as item numbers."),
    _c("column", STR, "The cost_items column moved."),
    _c("baseline_total_yuan", FLOAT, "The form's total before the move.", "元"),
    _c("low_total_yuan", FLOAT, "The total with the driver moved down.", "元"),
    _c("high_total_yuan", FLOAT, "The total with the driver moved up.", "元"),
    _c("low_change_yuan", FLOAT, "low_total_yuan − baseline_total_yuan.", "元"),
    _c("high_change_yuan", FLOAT, "high_total_yuan − baseline_total_yuan.", "元"),
    _c("swing_yuan", FLOAT, "The distance between low_total_yuan and high_total_yuan.", "元"),
)

REPORT_COLUMNS: tuple[Column, ...] = (
    _c("field", STR, "The name of a fact or text of a form (a Chinese label)."),
    _c("value", STR, "Its value as shown."),
    _c("label", STR, "What a row is about (a department, a project)."),
    _c("forms", INT, "Forms counted."),
    _c("lines", INT, "Lines summed."),
    _c("unknown", INT, "Of the lines summed, those whose amount is unknown (no stated unit)."),
    _c("budget_unknown", INT, "Forms whose budget is unknown (no stated unit)."),
    _c("declaration_forms", INT, "Declarations counted."),
    _c("target_forms", INT, "Target forms counted."),
    _c("self_evaluation_forms", INT, "Self-evaluations counted."),
    _c("other_forms", INT, "Forms of no project (department-wide forms, other kinds): in no project's total."),
    _c("indicators", INT, "Indicators counted."),
    _c("stated_target", STR, "The target as the form states it over its 指标性质 / 指标值 / 度量单位 cells "
       "(\"32\", \"≥\", \"人\" → \"≥32人\"); a target written whole in one cell as written."),
    _c("quantitative", INT, "Indicators with a quantitative target."),
    _c("qualitative", INT, "Indicators with a qualitative target."),
    _c("period_targets", INT, "Indicators whose target is a period or deadline."),
    _c("scored", INT, "Indicators that could be scored."),
    _c("missed", INT, "Scored indicators short of their target (attainment below 100 %)."),
    _c("mean_attainment", FLOAT, "Mean attainment of the scored indicators.", "fraction"),
    _c("check", STR, "The name of a review check."),
    _c("error_findings", INT, "Review findings of severity error."),
    _c("warning_findings", INT, "Review findings of severity warning."),
    _c("info_findings", INT, "Review findings of severity info."),
    _c("unparsed_cells", INT, "Source cells no table took."),
    _c("warnings", INT, "Reader warnings."),
    _c("content", STR, "What a reading note is about: an unread cell's text as written, or what a warning's code "
       "means (in Chinese, from data/notices.csv)."),
    _c("detail", STR, "A warning's or an error's message as the reader wrote it (which cells, how many); empty "
       "for an unread cell."),
    _c("reason", STR, "Why a file could not be read, in Chinese: its code's title and meaning (data/notices.csv)."),
)
"""Columns the report sections compute themselves (counts, means), beside those of the tables above."""


def column(name: str) -> Column | None:
    """The declaration of a column name: in the form tables, the analysis tables or the report
    columns (a name means the same, with the same unit, wherever it appears); None when undeclared."""
    return _columns_by_name().get(name)


@cache
def _columns_by_name() -> dict[str, Column]:
    declared: dict[str, Column] = {}
    specs = [*TABLES.values(), *ANALYSIS_TABLES.values(), TableSpec("report", "report column", REPORT_COLUMNS)]
    for spec in specs:
        for col in spec.columns:
            declared.setdefault(col.name, col)
    return declared


def pandas_dtypes(name: str) -> dict[str, str]:
    """The pandas dtype of every column of table ``name`` ("str", "Int64", "float64", "boolean")."""
    return {column.name: _PANDAS_DTYPES[column.dtype] for column in TABLES[name].columns}


def empty_frame(name: str) -> pd.DataFrame:
    """An empty DataFrame with the table's columns and types.

    A copy of one made once per table: a batch builds a dozen empty tables, and making each column
    again cost about 20 µs. The copy is shallow, which copy-on-write (always on in pandas 3) makes as
    safe as a deep one: no change to it reaches the shared columns.
    """
    return _empty_frame(name).copy(deep=False)


@cache
def _empty_frame(name: str) -> pd.DataFrame:
    return _frame_via_pandas(TABLES[name], [])


def frame(name: str, records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Build a table from records (dicts); missing keys become NA, unknown keys are an error.

    Records go through Arrow (``pyarrow.Table.from_pylist`` walks them in C++): about three times
    faster than a Python list per column on a batch of forms, with identical columns and types.
    Records Arrow will not take as they are (an int in a text column, ``pd.NA``, a float in an
    integer column) take the pandas path, which converts them as it always has.
    """
    spec = TABLES[name]
    rows = list(records)
    if not rows:
        return empty_frame(name)
    unknown = set().union(*rows) - set(spec.column_names)
    if unknown:
        raise KeyError(f"table {name!r} has no columns {sorted(unknown)}")
    fast = _frame_via_arrow(spec, rows)
    if fast is not None:
        return fast
    return _frame_via_pandas(spec, rows)


def _frame_via_pandas(spec: TableSpec, rows: list[Mapping[str, object]]) -> pd.DataFrame:
    return pd.DataFrame({
        col.name: pd.array([row.get(col.name) for row in rows], dtype=_PANDAS_DTYPES[col.dtype])
        for col in spec.columns
    })


def _frame_via_arrow(spec: TableSpec, rows: list[Mapping[str, object]]) -> pd.DataFrame | None:
    """The table built through Arrow, or None when a value needs pandas' own conversion."""
    import pyarrow as pa

    arrow_schema, pandas_types = _arrow_types(spec.name)
    try:
        table = pa.Table.from_pylist(rows, schema=arrow_schema)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None
    return _pandas_from_arrow(table, pandas_types)


def _pandas_from_arrow(table: Any, pandas_types: Mapping[Any, Any]) -> pd.DataFrame:
    """``table.to_pandas(types_mapper=pandas_types.get)``, column by column.

    Each column is converted as ``to_pandas`` converts it (the dtype's ``__from_arrow__``; floats to
    NumPy, nulls to NaN), without the work ``to_pandas`` does to restore a pandas index and column
    metadata these tables do not have: a batch of thirteen forms builds its tables in 8 ms instead of 13.
    Floats are copied out of Arrow's memory when NumPy would only view it: a view is read-only, and a
    user's ``df.loc[0, "amount_yuan"] = …`` must work (a test).
    """
    columns = {}
    for name, array in zip(table.column_names, table.columns, strict=True):
        dtype = pandas_types.get(array.type)
        if dtype is not None:
            columns[name] = dtype.__from_arrow__(array)
        else:
            values = array.to_numpy()
            columns[name] = values if values.flags.writeable else values.copy()
    return pd.DataFrame(columns, copy=False)


@cache
def _arrow_types(name: str) -> tuple[Any, dict[Any, Any]]:
    """A table's Arrow schema, and the pandas dtype each Arrow type becomes (as :func:`frame` makes them)."""
    import pyarrow as pa

    arrow = {STR: pa.large_string(), INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_()}
    pandas_types = {arrow[kind]: pd.array([], dtype=dtype).dtype for kind, dtype in _PANDAS_DTYPES.items()
                    if kind != FLOAT}
    return pa.schema([(col.name, arrow[col.dtype]) for col in TABLES[name].columns]), pandas_types


def python_values(series: pd.Series) -> list[Any]:
    """A column as a list of Python values (str, int, float, bool) with every missing value None.

    The table types (Arrow-backed text, ``Int64``, ``boolean``, NumPy floats) are converted by Arrow in
    C, a column at a time: pandas' ``tolist`` or ``to_numpy(na_value=None)`` walk the values in Python,
    and took most of the review's time on a batch of a dozen forms. Other dtypes take pandas' way.

    >>> python_values(pd.Series(["甲", None], dtype="str")), python_values(pd.Series([1.5, None]))
    (['甲', None], [1.5, None])
    >>> python_values(pd.Series([3, None], dtype="Int64")), python_values(pd.Series([True, None], dtype="boolean"))
    ([3, None], [True, None])
    """
    dtype = series.dtype
    if (
        (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow")
        or isinstance(dtype, (pd.Int64Dtype, pd.BooleanDtype))
        or dtype == _NUMPY_FLOAT
    ):
        import pyarrow as pa

        return pa.array(series.values, from_pandas=True).to_pylist()  # from_pandas: NaN is missing
    return series.to_numpy(dtype=object, na_value=None).tolist()


def row_dicts(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as dicts of Python values, missing values None: records :func:`frame` takes as
    they are (``to_dict("records")`` keeps ``pd.NA`` and NaN, which send them the slow way)."""
    columns = list(df.columns)
    values = [python_values(series) for _, series in df.items()]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


_NUMPY_FLOAT = np.dtype("float64")


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Cast a DataFrame to the table's column order and types (after concatenation or reading back)."""
    spec = TABLES[name]
    out = df.reindex(columns=spec.column_names)
    return out.astype({col.name: _PANDAS_DTYPES[col.dtype] for col in spec.columns})


def data_dictionary() -> str:
    """The data dictionary as markdown: every table, every column with type, unit and meaning."""
    lines = [
        "# budgetlib data dictionary",
        "",
        "Generated from `budgetlib.schema` (`budgetlib dictionary > docs/data-dictionary.md`); do not edit by hand.",
        "",
    ]
    for spec in TABLES.values():
        lines += [f"## {spec.name}", "", f"One row per {spec.row}.", "", *_column_rows(spec.columns), ""]
    lines += ["# Results of the analyses", "",
              "What `bl.project_years`, `bl.yoy`, `bl.unit_costs`, `bl.reprice` and `bl.sensitivity` return.", ""]
    for spec in ANALYSIS_TABLES.values():
        lines += [f"## {spec.name}", "", f"One row per {spec.row}.", "", *_column_rows(spec.columns), ""]
    lines += ["# Columns of the report sections", "",
              "What the report tables count beside the columns above.", "", *_column_rows(REPORT_COLUMNS), ""]
    lines += ["# Units", "", "| unit | meaning |", "|---|---|", *(f"| {u} | {m} |" for u, m in UNITS.items()), ""]
    lines += ["# Warning, error and skip codes", "",
              "The `code` of every row of `warnings` (W_…), `errors` (E_…) and `skipped` (S_…), from "
              "`data/notices.csv`.", "",
              "| code | severity | title | 中文 | meaning | 含义 |", "|---|---|---|---|---|---|",
              *(f"| {k.code} | {k.severity} | {k.title} | {k.title_zh} | {k.description} | {k.description_zh} |"
                for k in catalogue().values()), ""]
    return "\n".join(lines)


def _column_rows(columns: Iterable[Column]) -> list[str]:
    return ["| column | type | unit | meaning |", "|---|---|---|---|",
            *(f"| {c.name} | {c.dtype} | {c.unit_text} | {c.description} |" for c in columns)]
