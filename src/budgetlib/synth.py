"""A deterministic generator of synthetic budget-performance forms, for demos, tests and benchmarks.

Every generated file is fiction and says so: the place is 合成县 ("synthesised county"), every title
ends in （合成数据）, and each file opens with a label (an HTML comment in markdown and HTML, a first
line and the document properties in xlsx).

The corpus has many departments, each with recurring projects whose budgets change from year to
year (quantities grow, unit prices move, lines get faster, projects start and end), written as the
three form types (declaration, target form, self-evaluation) in markdown, HTML and xlsx. The quirks
of real forms (domain notes §2) appear at configurable rates, so the readers and the review checks
meet them: merged cells, HTML in cells, spacer columns, a row shifted by one column, a label split
over two rows, amounts in 万元 or without any unit, template placeholders, bare-number targets,
separate 指标性质/指标值/度量单位 columns, operator actuals, empty actuals, a prior-year column that
contradicts the text, a 合计 that is not the sum of its rows, broadband booked under 维修(护)费, a
budget-execution row of zeros, and now and then an outlying unit price.

The generator's own ground truth is written beside the forms (``manifest.csv``: one row per file;
``manifest_expenditures.csv``: the expenditure lines of every declaration), so tests can compare what
the readers and analyses find with what was generated. Same arguments, same bytes.

    python -m budgetlib.synth OUT_DIR --departments 6 --years 2020-2023 --seed 7
"""

from __future__ import annotations

import argparse
import io
import logging
import random
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_QUIRK_RATES", "SyntheticCorpus", "generate_corpus", "main"]

PLACE = "合成县"
MARK = "合成数据"
LABEL = f"{MARK}（SYNTHETIC）：budgetlib 程序生成的虚构表格，单位、项目、人员与金额均非真实，不是任何部门的预算。"
FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)

DEFAULT_QUIRK_RATES: dict[str, float] = {
    "merged_cells": 0.5,  # level labels written once (markdown: empty below; HTML/xlsx: real merges)
    "html_in_cells": 0.4,  # <p>/<br> inside markdown cells (cost basis, main content)
    "spacer_column": 0.2,  # an empty column in the declaration's header block
    "shifted_row": 0.3,  # the last funding line shifted one column left, as published
    "split_label": 0.3,  # "社会公众或服务" / "对象满意度指标" over two rows (target forms)
    "wan_units": 0.6,  # target form amounts in 万元 ("250万") under a 单位:万元 line, else 元
    "no_unit": 0.1,  # target form amounts with no unit at all: the 元 value must stay unknown
    "placeholder": 0.2,  # template rows left in: "指标2", "……"
    "bare_number_target": 0.3,  # "123 家" instead of "≥123 家"
    "satisfaction_100": 0.2,  # a satisfaction target of 100%
    "satisfaction_under_benefit": 0.25,  # older template: 服务对象满意度 under 效益指标
    "three_column_target": 0.4,  # self-evaluation with 指标性质 / 指标值 / 度量单位 columns
    "operator_actual": 0.3,  # actuals written with an operator ("≥266米")
    "empty_actual": 0.15,  # actuals left empty (must stay NA)
    "prior_year_contradiction": 0.15,  # prior-year column of zeros while the text states a figure
    "total_mismatch": 0.1,  # funding 合计 that is not the sum of its lines
    "broadband_misclassified": 0.3,  # broadband lines booked under 维修(护)费 instead of 邮电费
    "execution_zero_row": 0.3,  # a budget-execution row of zeros
    "price_outlier": 0.05,  # one item priced at about three times its usual unit price
    "change_reason": 0.5,  # the budget-change text gives a reason (its absence is not a quirk but C13)
}
"""Probability of each quirk per eligible form; pass ``quirk_rates`` to change some of them."""

OTHER_SOURCES = (
    "上级补助收入", "附属单位上缴收入", "事业单位经营收入", "用事业基金弥补收支差额", "其他收入(含事业收入)",
)
"""The funding sources 2–6 of a declaration, all 0 in the generated forms."""

CATEGORY_OF_KIND = {
    "maintenance": "维修(护)费", "broadband": "邮电费", "training": "培训费", "service": "委托业务费",
    "equipment": "专用设备购置", "materials": "专用材料费", "labour": "劳务费", "printing": "印刷费",
    "electricity": "电费", "consulting": "咨询费",
}


# -- the catalogue ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemTemplate:
    """A cost item and how it is written; prices in 元 per unit (per year, or per month for ``duration``)."""

    key: str
    kind: str
    style: str  # package, package_no_price, unit, duration, lump_year
    desc: str
    unit: str = ""
    quantity: tuple[int, int] = (1, 1)
    price: tuple[int, int] = (0, 0)
    ratio: tuple[float, float] = (1.0, 1.0)
    months: tuple[int, int] = (0, 0)
    bandwidths: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class IndicatorTemplate:
    """An indicator; ``target`` is formatted with the item quantities, ``budget_wan`` and ``mbps``."""

    level1: str
    level2: str
    name: str
    target: str
    satisfaction: bool = False


@dataclass(frozen=True, slots=True)
class ProjectTemplate:
    name: str
    category: str
    reason: str
    content: tuple[str, ...]
    goal: str
    items: tuple[ItemTemplate, ...]
    indicators: tuple[IndicatorTemplate, ...]


@dataclass(frozen=True, slots=True)
class DepartmentTemplate:
    name: str
    abbreviation: str
    projects: tuple[ProjectTemplate, ...]


_SAT = IndicatorTemplate("满意度指标", "服务对象满意度指标", "{who}满意度", "≥90%", satisfaction=True)


def _sat(who: str) -> IndicatorTemplate:
    return replace(_SAT, name=f"{who}满意度")


CATALOGUE: tuple[DepartmentTemplate, ...] = (
    DepartmentTemplate("大数据中心", "BMZX", (
        ProjectTemplate(
            "电子政务网络运行维护", "部门项目", "保障全县电子政务外网稳定运行，落实政务服务“一张网”建设要求",
            ("维护县直各部门电子政务网络，共 {q_units} 家",
             "{q_sites} 个社区、村电子政务外网接入，需使用互联网接入宽带 {mbps}M",
             "“在线督查”系统运行维护"),
            "维护县直各部门电子政务外网，保障社区、村外网接入，确保政务业务正常运行。",
            (
                ItemTemplate("units", "maintenance", "package", "维护县直各部门电子政务网络", "家", (90, 140),
                             (900, 1100), (0.8, 0.95)),
                ItemTemplate("sites", "maintenance", "package", "社区、村电子政务外网维护费", "个", (400, 700),
                             (90, 110), (0.85, 0.97)),
                ItemTemplate("lines", "broadband", "package_no_price", "社区、村电子政务外网接入互联网宽带", "个",
                             (400, 700), (380, 460), (0.85, 0.98), bandwidths=(100, 200, 500)),
                ItemTemplate("oversight", "maintenance", "lump_year", "“在线督查”系统运维", price=(40000, 80000)),
            ),
            (
                IndicatorTemplate("产出指标", "数量指标", "保障政务外网到各部门", "≥{q_units}家"),
                IndicatorTemplate("产出指标", "数量指标", "社区、村外网接入点数", "≥{q_sites}个"),
                IndicatorTemplate("产出指标", "质量指标", "外网故障处理及时率", "≥95%"),
                IndicatorTemplate("产出指标", "时效指标", "故障响应时间", "≤4小时"),
                IndicatorTemplate("产出指标", "成本指标", "项目成本控制", "≤{budget_wan}万元"),
                IndicatorTemplate("效益指标", "社会效益指标", "政务服务网上可办率", "≥90%"),
                _sat("接入单位"),
            ),
        ),
        ProjectTemplate(
            "网络安全等级保护测评", "部门项目", "落实网络安全等级保护制度，按期完成信息系统测评",
            ("对 {q_systems} 个信息系统开展等级保护测评",),
            "完成信息系统等级保护测评，及时整改安全隐患，提升网络安全防护能力。",
            (ItemTemplate("systems", "consulting", "unit", "信息系统等级保护测评", "个", (8, 20), (18000, 26000)),),
            (
                IndicatorTemplate("产出指标", "数量指标", "测评信息系统数", "≥{q_systems}个"),
                IndicatorTemplate("产出指标", "质量指标", "测评报告合格率", "100%"),
                IndicatorTemplate("产出指标", "时效指标", "测评完成时间", "{year}年11月底前"),
                IndicatorTemplate("效益指标", "社会效益指标", "网络安全事件发生率", "≤1%"),
                _sat("系统使用单位"),
            ),
        ),
    )),
    DepartmentTemplate("教育局", "JYJ", (
        ProjectTemplate(
            "中小学教师培训", "部门项目", "落实教师继续教育要求，提升教师专业能力",
            ("组织中小学教师培训 {q_trainees} 人次",),
            "完成中小学教师年度培训任务，提升教师教育教学能力。",
            (
                ItemTemplate("trainees", "training", "unit", "中小学教师培训", "人次", (600, 1500), (220, 320)),
                ItemTemplate("printing", "printing", "lump_year", "培训资料印刷", price=(8000, 20000)),
            ),
            (
                IndicatorTemplate("产出指标", "数量指标", "培训教师人次", "≥{q_trainees}人次"),
                IndicatorTemplate("产出指标", "质量指标", "培训考核合格率", "≥95%"),
                IndicatorTemplate("产出指标", "时效指标", "培训完成时间", "{year}年12月底前"),
                IndicatorTemplate("效益指标", "社会效益指标", "教师教学能力", "持续提升"),
                _sat("参训教师"),
            ),
        ),
        ProjectTemplate(
            "中小学教学设备维护", "部门项目", "保障中小学多媒体教学设备正常使用",
            ("维护全县中小学多媒体教学设备 {q_devices} 台",),
            "维护中小学多媒体教学设备，保障教学设备完好可用。",
            (ItemTemplate("devices", "maintenance", "package", "维护中小学多媒体教学设备", "台", (800, 1600),
                          (150, 220), (0.85, 0.98)),),
            (
                IndicatorTemplate("产出指标", "数量指标", "维护教学设备数量", "≥{q_devices}台"),
                IndicatorTemplate("产出指标", "质量指标", "设备完好率", "≥98%"),
                IndicatorTemplate("产出指标", "时效指标", "报修响应时间", "≤24小时"),
                IndicatorTemplate("效益指标", "社会效益指标", "教学活动正常开展", "效果明显"),
                _sat("师生"),
            ),
        ),
    )),
    DepartmentTemplate("水利局", "SLJ", (
        ProjectTemplate(
            "小型水库水位监测站运行维护", "部门项目", "保障小型水库水位监测数据实时上传，服务防汛调度",
            ("运行维护水位监测站 {q_stations} 座", "监测站物联网卡流量 {q_cards} 张"),
            "保障小型水库水位监测站稳定运行，监测数据及时上传，为防汛调度提供依据。",
            (
                ItemTemplate("stations", "maintenance", "package", "水位监测站运行维护", "座", (40, 90), (1800, 2600),
                             (0.85, 0.97)),
                ItemTemplate("cards", "broadband", "unit", "监测站物联网卡流量费", "张", (40, 90), (240, 360)),
            ),
            (
                IndicatorTemplate("产出指标", "数量指标", "运行维护监测站数量", "≥{q_stations}座"),
                IndicatorTemplate("产出指标", "质量指标", "监测数据到报率", "≥95%"),
                IndicatorTemplate("产出指标", "时效指标", "故障修复时间", "≤48小时"),
                IndicatorTemplate("效益指标", "社会效益指标", "防汛调度信息保障", "有效保障"),
                _sat("防汛管理人员"),
            ),
        ),
        ProjectTemplate(
            "水库水标尺制作安装", "基础建设、修缮类", "完善小型水库观测设施",
            ("制作安装坡面水标尺 {q_gauges} 米",),
            "为小型水库安装坡面水标尺，提升水位观测能力。",
            (ItemTemplate("gauges", "materials", "unit", "坡面水标尺制作安装", "米", (200, 320), (600, 800)),),
            (
                IndicatorTemplate("产出指标", "数量指标", "安装坡面水标尺", "≥{q_gauges}米"),
                IndicatorTemplate("产出指标", "质量指标", "项目验收合格率", "100%"),
                IndicatorTemplate("产出指标", "时效指标", "按期完工率", "≥90%"),
                IndicatorTemplate("效益指标", "社会效益指标", "水位观测条件", "显著改善"),
                _sat("管护人员"),
            ),
        ),
    )),
    DepartmentTemplate("环境卫生管理处", "HWC", (
        ProjectTemplate(
            "雾炮车降尘抑尘服务", "部门项目", "改善城区空气质量，落实扬尘治理要求",
            ("采购雾炮车降尘抑尘服务，配备雾炮车 {q_trucks} 辆",),
            "通过采购雾炮车降尘抑尘服务，降低城区扬尘污染，空气质量达到优良。",
            (ItemTemplate("trucks", "service", "duration", "采购雾炮车降尘抑尘服务", "辆", (6, 12), (18000, 24000),
                          months=(6, 7)),),
            (
                IndicatorTemplate("产出指标", "数量指标", "雾炮车配备车辆数", "≥{q_trucks}辆"),
                IndicatorTemplate("产出指标", "质量指标", "服务周期内空气质量", "优良"),
                IndicatorTemplate("产出指标", "时效指标", "服务周期", "{year}.05-{year}.11"),
                IndicatorTemplate("产出指标", "成本指标", "控制在预算成本内", "≤{budget_wan}万元"),
                IndicatorTemplate("效益指标", "生态效益指标", "城区扬尘污染", "明显减少"),
                _sat("市民"),
            ),
        ),
        ProjectTemplate(
            "公共厕所保洁", "部门项目", "保障城区公共厕所干净整洁",
            ("聘用保洁人员 {q_cleaners} 人，保洁公共厕所",),
            "保障城区公共厕所日常保洁，提升城市环境卫生水平。",
            (
                ItemTemplate("cleaners", "labour", "duration", "公共厕所保洁人员劳务费", "人", (20, 40), (2600, 3200),
                             months=(12, 12)),
                ItemTemplate("supplies", "materials", "lump_year", "保洁耗材", price=(20000, 40000)),
            ),
            (
                IndicatorTemplate("产出指标", "数量指标", "保洁人员数", "≥{q_cleaners}人"),
                IndicatorTemplate("产出指标", "质量指标", "保洁考核达标率", "≥95%"),
                IndicatorTemplate("产出指标", "时效指标", "每日保洁完成及时率", "≥98%"),
                IndicatorTemplate("效益指标", "社会效益指标", "城区环境卫生", "持续改善"),
                _sat("如厕群众"),
            ),
        ),
    )),
    DepartmentTemplate("城市管理局", "CGJ", (
        ProjectTemplate(
            "城区路灯运行维护", "部门项目", "保障城区道路照明",
            ("维护城区路灯 {q_lamps} 盏",),
            "维护城区路灯设施，保障道路照明正常，亮灯率达标。",
            (
                ItemTemplate("lamps", "maintenance", "package", "城区路灯维护", "盏", (2500, 5000), (60, 90),
                             (0.85, 0.97)),
                ItemTemplate("power", "electricity", "lump_year", "路灯电费", price=(300000, 500000)),
            ),
            (
                IndicatorTemplate("产出指标", "数量指标", "维护路灯数量", "≥{q_lamps}盏"),
                IndicatorTemplate("产出指标", "质量指标", "路灯亮灯率", "≥98%"),
                IndicatorTemplate("产出指标", "时效指标", "故障修复时间", "≤24小时"),
                IndicatorTemplate("效益指标", "社会效益指标", "夜间出行安全", "有效保障"),
                _sat("市民"),
            ),
        ),
    )),
    DepartmentTemplate("农业农村局", "NYJ", (
        ProjectTemplate(
            "高素质农民培训", "部门项目", "培育高素质农民，服务乡村振兴",
            ("培训高素质农民 {q_farmers} 人次",),
            "完成高素质农民培训任务，提升农民生产经营能力。",
            (
                ItemTemplate("farmers", "training", "unit", "高素质农民培训", "人次", (300, 800), (280, 380)),
                ItemTemplate("experts", "consulting", "lump_year", "培训专家咨询", price=(20000, 50000)),
            ),
            (
                IndicatorTemplate("产出指标", "数量指标", "培训农民人次", "≥{q_farmers}人次"),
                IndicatorTemplate("产出指标", "质量指标", "培训合格率", "≥90%"),
                IndicatorTemplate("产出指标", "时效指标", "培训完成时间", "{year}年10月底前"),
                IndicatorTemplate("效益指标", "经济效益指标", "参训农民增收", "稳步增加"),
                _sat("参训农民"),
            ),
        ),
    )),
    DepartmentTemplate("卫生健康局", "WJJ", (
        ProjectTemplate(
            "基层医疗设备购置", "部门项目", "改善基层医疗卫生机构设备条件",
            ("为乡镇卫生院购置医疗设备 {q_equipment} 台",),
            "为乡镇卫生院购置医疗设备，提升基层诊疗能力。",
            (ItemTemplate("equipment", "equipment", "unit", "乡镇卫生院医疗设备购置", "台", (10, 30), (6000, 12000)),),
            (
                IndicatorTemplate("产出指标", "数量指标", "购置医疗设备数量", "≥{q_equipment}台"),
                IndicatorTemplate("产出指标", "质量指标", "设备验收合格率", "100%"),
                IndicatorTemplate("产出指标", "时效指标", "设备到位时间", "{year}年9月底前"),
                IndicatorTemplate("效益指标", "社会效益指标", "基层诊疗能力", "明显提升"),
                _sat("患者"),
            ),
        ),
    )),
)


# -- the generated world ------------------------------------------------------------------------------


@dataclass
class Item:
    """One cost item in one year: its template and this year's figures."""

    template: ItemTemplate
    quantity: int
    price: int
    ratio: float
    months: int = 0
    mbps: int = 0

    @property
    def amount(self) -> int:
        """The item's amount in 元, a whole hundred (so that 万元 figures are exact)."""
        style = self.template.style
        if style == "lump_year":
            return self.price
        if style == "duration":
            return self.quantity * self.price * self.months
        if style == "unit":
            return self.quantity * self.price
        return round(self.quantity * self.price * self.ratio / 1000.0) * 1000

    @property
    def category(self) -> str:
        return CATEGORY_OF_KIND[self.template.kind]


@dataclass
class ProjectYear:
    """A project in one fiscal year: what its forms state (the ground truth)."""

    department: str
    department_code: str
    abbreviation: str
    project: ProjectTemplate
    project_no: int
    year: int
    items: list[Item]
    prior_items: list[Item] | None  # None: a project new this year

    @property
    def budget(self) -> int:
        return sum(item.amount for item in self.items)

    @property
    def prior_budget(self) -> int | None:
        return None if self.prior_items is None else sum(item.amount for item in self.prior_items)

    @property
    def code(self) -> str:
        return f"{self.department_code}-{self.year}-{self.abbreviation}-{self.project_no:04d}"

    def quantities(self) -> dict[str, object]:
        values: dict[str, object] = {f"q_{item.template.key}": item.quantity for item in self.items}
        mbps = next((item.mbps for item in self.items if item.mbps), 0)
        values.update(budget_wan=wan(self.budget), mbps=mbps, year=self.year)
        return values


@dataclass(frozen=True)
class SyntheticCorpus:
    """What :func:`generate_corpus` wrote: the folder, one row per file, and the expenditure lines.

    ``files`` columns: file, format, form_type, fiscal_year, department, department_code, project_key,
    project_code, project_name, is_primary (the form that states the project-year's budget),
    budget_yuan (true budget), budget_unit (元, 万元, or '' when the form states none),
    prior_budget_yuan (last year's true budget, NA for a new project), stated_prior_yuan (what the
    text says), quirks (';'-separated). ``expenditures`` columns: file, economic_category,
    fiscal_year, amount_yuan (as written in the form, contradictions included).
    """

    out_dir: Path
    files: pd.DataFrame
    expenditures: pd.DataFrame


def wan(yuan: float) -> str:
    """元 → 万 as a short figure: 100000 → '10', 65500 → '6.55'."""
    text = f"{yuan / 10000:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _grow(rng: random.Random, value: int, low: float, high: float, step: int = 1) -> int:
    grown = value * (1 + rng.uniform(low, high))
    return max(step, round(grown / step) * step)


def _price_step(template: ItemTemplate) -> int:
    """Prices in whole tens of 元 (hundreds per month, thousands for lump sums): amounts stay short in 万元."""
    return {"lump_year": 1000, "duration": 100}.get(template.style, 10)


def _first_items(rng: random.Random, project: ProjectTemplate) -> list[Item]:
    items = []
    for template in project.items:
        quantity = rng.randint(*template.quantity)
        step = _price_step(template)
        price = rng.randint(template.price[0] // step, template.price[1] // step) * step
        ratio = round(rng.uniform(*template.ratio), 3)
        months = rng.randint(*template.months) if template.months[1] else 0
        mbps = rng.choice(template.bandwidths) if template.bandwidths else 0
        items.append(Item(template, quantity, price, ratio, months, mbps))
    return items


def _next_items(rng: random.Random, items: list[Item]) -> list[Item]:
    following = []
    for item in items:
        template = item.template
        quantity = _grow(rng, item.quantity, -0.02, 0.10) if template.style != "lump_year" else item.quantity
        step = _price_step(template)
        price = _grow(rng, item.price, -0.05, 0.12, step)
        ratio = round(min(1.0, max(0.6, item.ratio + rng.uniform(-0.03, 0.03))), 3) if template.ratio[0] < 1 else 1.0
        mbps = item.mbps
        if template.bandwidths and mbps != max(template.bandwidths) and rng.random() < 0.25:
            mbps = min(b for b in template.bandwidths if b > mbps)
            price = round(price * 1.4 / step) * step  # a faster line costs more
        following.append(Item(template, quantity, price, ratio, item.months, mbps))
    return following


def _world(rng: random.Random, n_departments: int, years: Sequence[int]) -> list[list[ProjectYear]]:
    """Per project, its project-years: one year of history before ``years``, some start late, some end."""
    histories: list[list[ProjectYear]] = []
    for index in range(n_departments):
        template = CATALOGUE[index % len(CATALOGUE)]
        round_no = index // len(CATALOGUE)
        name = f"{PLACE}{template.name}" + (f"（{round_no + 1}）" if round_no else "")
        code = f"0360{index + 1:02d}"
        for number, project in enumerate(template.projects, start=1):
            start = years[0] - 1 if rng.random() < 0.8 or len(years) < 3 else years[1]
            end = years[-1] if rng.random() < 0.85 or len(years) < 3 else years[-2]
            items = _first_items(rng, project)
            history: list[ProjectYear] = []
            prior: list[Item] | None = None
            for year in range(start, end + 1):
                history.append(ProjectYear(name, code, template.abbreviation, project, number, year, items, prior))
                prior, items = items, _next_items(rng, items)
            histories.append([py for py in history if py.year in years])
    return histories


# -- writing forms ------------------------------------------------------------------------------------


def _cell_lines(lines: Sequence[str], html: bool) -> str:
    if html:
        return " ".join(f"<p>{line}</p>" for line in lines)
    return "；".join(line.rstrip("；;。") for line in lines)


def _item_text(item: Item, number: int) -> str:
    t = item.template
    amount = item.amount
    if t.style == "package":
        return (f"{number}、{t.desc}，共 {item.quantity} {t.unit}，每{t.unit}每年约 {item.price} 元，"
                f"打包价约 {wan(amount)} 万元")
    if t.style == "package_no_price":
        return (f"{number}、{t.desc}，共 {item.quantity} {t.unit}，需使用互联网接入宽带 {item.mbps}M，"
                f"打折价约 {wan(amount)} 万元")
    if t.style == "unit":
        return f"{number}、{t.desc} {item.quantity} {t.unit}，单价 {item.price} 元/{t.unit}，合计 {amount} 元"
    if t.style == "duration":
        return (f"{number}、{t.desc}，共 {item.quantity} {t.unit}，服务 {item.months} 个月，"
                f"每{t.unit}每月 {item.price} 元，合计 {wan(amount)} 万元")
    return f"{number}、{t.desc} {wan(amount)} 万元/年"


def _change_text(py: ProjectYear, stated_prior: int | None, reason: bool) -> str:
    if stated_prior is None:
        return "新增项目"
    change = py.budget - stated_prior
    if change == 0:
        text = f"{py.year - 1} 年 {wan(stated_prior)} 万，当年持平"
    else:
        verb = "增加" if change > 0 else "减少"
        text = f"{py.year - 1} 年 {wan(stated_prior)} 万，当年{verb} {wan(abs(change))} 万"
    if reason:
        text += "，主要因" + ("服务数量增加、单价调整" if change >= 0 else "压减一般性支出")
    return text


def _categories(items: Sequence[Item], misclassify: bool) -> dict[str, int]:
    totals: dict[str, int] = {}
    for item in items:
        category = item.category
        if misclassify and item.template.kind == "broadband":
            category = "维修(护)费"
        totals[category] = totals.get(category, 0) + item.amount
    return totals


def _indicator_rows(py: ProjectYear, rng: random.Random, quirks: set[str]) -> list[tuple[str, str, str, str]]:
    values = py.quantities()
    rows = []
    for template in py.project.indicators:
        target = template.target.format(**values)
        level1, level2, name = template.level1, template.level2, template.name.format(**values)
        if template.satisfaction:
            if "satisfaction_100" in quirks:
                target = "100%"
            if "satisfaction_under_benefit" in quirks:
                level1 = "效益指标"
        elif "bare_number_target" in quirks and target.startswith("≥") and not target.endswith("%"):
            target = target[1:]
        rows.append((level1, level2, name, target))
    rows.sort(key=lambda r: ["产出指标", "效益指标", "满意度指标"].index(r[0]))
    return rows


def _merge_labels(rows: list[list[str]], columns: Sequence[int]) -> list[list[str]]:
    """Leave a level label only on the first of the rows that repeat it (the look of merged cells)."""
    out = [list(row) for row in rows]
    for col in columns:
        previous = None
        for index, row in enumerate(rows):
            same_parent = all(rows[index][c] == rows[index - 1][c] for c in columns if c < col) if index else False
            if index and row[col] == previous and same_parent:
                out[index][col] = ""
            previous = row[col]
    return out


def _md_table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> str:
    width = max(len(row) for row in [*rows, *([header] if header else [])])
    head = list(header) if header else [""] * width
    lines = ["| " + " | ".join(head + [""] * (width - len(head))) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(list(row) + [""] * (width - len(row))) + " |" for row in rows]
    return "\n".join(lines)


def render_declaration(py: ProjectYear, quirks: set[str], rng: random.Random) -> tuple[str, dict[str, object]]:
    """A 部门项目申报及绩效目标表 in markdown (modelled on the seed), and what it states."""
    html = "html_in_cells" in quirks
    values = py.quantities()
    budget = py.budget
    stated_prior = py.prior_budget
    content = [f"{i}、{line.format(**values)}" for i, line in enumerate(py.project.content, start=1)]
    cost_lines = [_item_text(item, i) for i, item in enumerate(py.items, start=1)]
    money = f"{budget:.2f}"
    spacer = "spacer_column" in quirks
    header_rows = [
        ["项目名称", py.project.name, "项目代码", py.code],
        ["项目主管部门", py.department, "项目执行单位", py.department],
        ["项目负责人", f"{'张王李赵陈'[py.project_no % 5]}某", "联系电话", f"0000-{py.project_no:07d}"],
        ["项目类别", py.project.category, "", ""],
        ["项目申请理由", py.project.reason, "", ""],
        ["项目主要内容", _cell_lines(content, html), "", ""],
        ["项目总预算", money, "项目当年预算", money],
        ["项目前两年预算及当年预算变动情况", _change_text(py, stated_prior, "change_reason" in quirks), "", ""],
    ]
    funding_total = budget + (10000 if "total_mismatch" in quirks else 0)
    funding_rows = [
        ["项目资金来源", "资金来源项目", "", "金额"],
        ["", "合计", "", f"{funding_total:.2f}"],
        ["", "1.财政拨款收入", "", money],
        ["", "其中：申请当年预算拨款", "", money],
        *[["", f"{n}.{name}", "", "0"] for n, name in enumerate(OTHER_SOURCES, start=2)],
        ["7.一般非税上年结转", "", "0", ""] if "shifted_row" in quirks else ["", "7.一般非税上年结转", "", "0"],
    ]
    rows = header_rows + funding_rows
    if spacer:
        rows = [[row[0], "", *row[1:]] for row in rows]
    now = _categories(py.items, "broadband_misclassified" in quirks)
    before = _categories(py.prior_items or [], False)
    if "prior_year_contradiction" in quirks:
        before = {}
    categories = list(dict.fromkeys([*now, *before]))
    expenditure_rows = [[c, f"{now.get(c, 0):.2f}", f"{before.get(c, 0):.2f}" if before.get(c) else "0"]
                        for c in categories]
    indicator_rows = [[*row, ""] for row in _indicator_rows(py, rng, quirks)]
    if "placeholder" in quirks:
        indicator_rows.insert(len(indicator_rows) - 1, ["效益指标", "经济效益指标", "指标2", "", ""])
    if "merged_cells" in quirks:
        indicator_rows = _merge_labels(indicator_rows, (0, 1))
    parts = [
        f"<!-- {LABEL} -->",
        "",
        f"# {py.year} 年部门项目申报及绩效目标表（{MARK}）",
        "",
        "资金单位：元",
        "",
        _md_table(rows),
        "",
        "## 项目支出预算及测算依据",
        "",
        _md_table([["测算依据及说明", "<br>".join(cost_lines) if html else _cell_lines(cost_lines, False)]]),
        "",
        "## 项目支出明细",
        "",
        _md_table(expenditure_rows, ["经济科目款名称", f"总计({py.year}_项目支出)", f"总计({py.year - 1}_项目支出)"]),
        "",
        _md_table([["项目绩效总目标", py.project.goal]]),
        "",
        "## 项目年度绩效指标",
        "",
        _md_table(indicator_rows, ["一级指标", "二级指标", "指标内容", "指标值", "备注"]),
        "",
    ]
    stated: dict[str, object] = {
        "budget_unit": "元", "stated_prior_yuan": stated_prior,
        "expenditures": [(c, py.year, float(now.get(c, 0))) for c in categories]
        + [(c, py.year - 1, float(before.get(c, 0))) for c in categories],
    }
    return "\n".join(parts), stated


def _amount_text(yuan: int, unit: str) -> str:
    if unit == "万元":
        return f"{wan(yuan)}万"
    if unit == "元":
        return f"{yuan:.2f}"
    return wan(yuan)  # no unit anywhere: the reader must not guess


def render_target(py: ProjectYear, quirks: set[str], rng: random.Random) -> tuple[str, dict[str, object]]:
    """A 项目支出绩效目标申报表 in markdown (modelled on the Xiangtan form), and what it states."""
    unit = "" if "no_unit" in quirks else ("万元" if "wan_units" in quirks else "元")
    unit_line = {"万元": "填报单位:(盖章) 单位:万元", "元": "填报单位:(盖章) 单位:元", "": "填报单位:(盖章)"}[unit]
    budget = _amount_text(py.budget, unit)
    indicators = _indicator_rows(py, rng, quirks)
    rows = [
        ["项目支出名称", py.project.name, "预算部门", f"[{py.department_code}]{py.department}", "", ""],
        ["年度本级 预算金额", budget, "该项目支出上级资金", "0", "", ""],
        ["项目支出实施期", f"{py.year}.01-{py.year}.12", "", "", "", ""],
        ["实施期绩效目标", py.project.goal, "", "", "", ""],
        ["本年度绩效目标", py.project.goal, "", "", "", ""],
        ["本年度 绩效指标", "一级指标", "二级指标", "三级指标", "指标值及单位", "绩效标准"],
    ]
    body = [["", level1, level2, name, target, "计划标准"] for level1, level2, name, target in indicators]
    if "placeholder" in quirks:
        body.append(["", "效益指标", "可持续影响指标", "……", "", ""])
    if "split_label" in quirks:
        for index, row in enumerate(body):
            if row[2] == "服务对象满意度指标":
                body[index] = ["", row[1], "社会公众或服务", *row[3:]]
                body.insert(index + 1, ["", "", "对象满意度指标", "", "", ""])
                break
    if "merged_cells" in quirks:
        body = _merge_labels(body, (1, 2))
    rows += body
    rows.append(["财政部门审核意见", "", "", "", "", ""])
    title = f"{py.department}{py.year}年{py.project.name}项目支出绩效目标申报表（{MARK}）"
    parts = [f"<!-- {LABEL} -->", "", f"# {title}", "", f"{py.year}年项目支出绩效目标申报表", "", unit_line, "",
             _md_table(rows), "", "填表人: 某某 联系电话:0000-0000000 填报日期: 单位负责人签字:", ""]
    return "\n".join(parts), {"budget_unit": unit, "stated_prior_yuan": None, "expenditures": []}


def _actual(target: str, quirks: set[str], rng: random.Random) -> str:
    if "empty_actual" in quirks and rng.random() < 0.5:
        return ""
    if "operator_actual" in quirks:
        return target
    return target.lstrip("≥≤")


def render_self_evaluation(py: ProjectYear, quirks: set[str], rng: random.Random) -> tuple[str, dict[str, object]]:
    """A 项目支出绩效自评表 in markdown (modelled on the Zhongjiang form), and what it states."""
    budget = wan(py.budget)
    executed_yuan = round(py.budget * rng.uniform(0.9, 1.0) / 100.0) * 100
    rate = executed_yuan / py.budget
    execution = [
        ["资金情况(万元)", "", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"],
        ["", "年度资金总额:", budget, wan(executed_yuan), "10", f"{rate:.2%}", f"{10 * rate:.2f}"],
        ["", "其中:本年财政拨款", budget, wan(executed_yuan), "", "", ""],
        ["", "其他资金", "0", "0", "", "0.00%", ""] if "execution_zero_row" in quirks
        else ["", "其他资金", "", "", "", "", ""],
    ]
    head = [
        ["项目名称", py.project.name, "", "", "", "", ""],
        ["项目负责人及电话", f"{'张王李赵陈'[py.project_no % 5]}某1380000****(办公)", "", "", "", "", ""],
        ["主管部门", py.department, "", "实施单位", py.department, "", ""],
        *execution,
        ["年度总体目标", "年初设定目标", "", "", "年度总体目标完成情况综述", "", ""],
        ["", py.project.goal, "", "", "已按计划完成年度目标。", "", ""],
    ]
    indicators = _indicator_rows(py, rng, quirks)
    weights = _weights(indicators)
    three = "three_column_target" in quirks
    if three:
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "分值",
                  "得分", "未完成原因分析"]
    else:
        header = ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分",
                  "未完成原因及拟采取的改进措施"]
    body = []
    for (level1, level2, name, target), weight in zip(indicators, weights, strict=True):
        actual = _actual(target, quirks, rng)
        score = str(weight) if actual else ""
        if three:
            nature, number, unit = _split_target(target)
            body.append(["", level1, level2, name, nature, number, unit, actual, str(weight), score, ""])
        else:
            body.append(["", level1, level2, name, str(weight), target, actual, score, ""])
    if "merged_cells" in quirks:
        body = _merge_labels(body, (1, 2))
    if "placeholder" in quirks:
        body.append(["", "……", *[""] * (len(header) - 2)])
    total_row = ["总分", "", "", "", *([""] * (len(header) - 4))]
    total_row[header.index("分值")] = "100"
    table = _md_table([header, *body, total_row])
    parts = [f"<!-- {LABEL} -->", "", f"# 项目支出绩效自评表（{MARK}）", "", f"({py.year}年度)", "",
             _md_table(head), "", table, ""]
    return "\n".join(parts), {"budget_unit": "万元", "stated_prior_yuan": None, "expenditures": []}


def _weights(indicators: Sequence[tuple[str, str, str, str]]) -> list[int]:
    """Points per indicator: 产出 50, 效益 30, 满意度 10 (the execution rate has the other 10)."""
    blocks = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    counts = {level1: sum(1 for row in indicators if row[0] == level1) for level1 in blocks}
    weights = []
    given = {level1: 0 for level1 in blocks}
    for level1, *_ in indicators:
        n = counts[level1]
        share = blocks[level1] // n
        given[level1] += 1
        weights.append(share + (blocks[level1] - share * n if given[level1] == n else 0))
    return weights


_TARGET_PARTS = re.compile(r"^(?P<op>[≥≤=]?)(?P<num>\d+(?:\.\d+)?)(?P<unit>.*)$")


def _split_target(target: str) -> tuple[str, str, str]:
    match = _TARGET_PARTS.match(target)
    if not match:
        return "定性", target, ""
    return match.group("op") or "=", match.group("num"), match.group("unit")


# -- other formats ------------------------------------------------------------------------------------


def _to_html(markdown: str, name: str, merge: bool) -> bytes:
    from budgetlib.extract.markdown import parse_markdown
    from budgetlib.testing import document_to_html

    page = document_to_html(parse_markdown(markdown, name), merge=merge)
    title = next((line[2:] for line in markdown.splitlines() if line.startswith("# ")), name)
    page = re.sub(r"<title>.*?</title>", f"<title>{title}</title>", page, count=1)
    page = page.replace("<!DOCTYPE html>\n", f"<!DOCTYPE html>\n<!-- {LABEL} -->\n", 1)
    return page.encode("utf-8")


def _to_xlsx(markdown: str, name: str, merge: bool) -> bytes:
    from openpyxl import load_workbook

    from budgetlib.extract.document import TextLine
    from budgetlib.extract.markdown import parse_markdown
    from budgetlib.testing import document_to_xlsx

    document = parse_markdown(markdown, name)
    document.blocks.insert(0, TextLine(-1, LABEL))
    workbook = load_workbook(io.BytesIO(document_to_xlsx(document, merge=merge)))
    title = next((line[2:] for line in markdown.splitlines() if line.startswith("# ")), name)
    workbook.properties.title = title
    workbook.properties.subject = MARK
    workbook.properties.description = LABEL
    workbook.properties.creator = "budgetlib.synth"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """The same workbook with fixed timestamps, so that the same arguments give the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


# -- the corpus ---------------------------------------------------------------------------------------


@dataclass
class _Plan:
    py: ProjectYear
    form_type: str
    is_primary: bool
    quirks: set[str] = field(default_factory=set)


_ELIGIBLE: dict[str, frozenset[str]] = {
    "declaration": frozenset({
        "merged_cells", "html_in_cells", "spacer_column", "shifted_row", "placeholder", "bare_number_target",
        "satisfaction_100", "satisfaction_under_benefit", "prior_year_contradiction", "total_mismatch",
        "broadband_misclassified", "price_outlier", "change_reason",
    }),
    "target": frozenset({
        "merged_cells", "split_label", "wan_units", "no_unit", "placeholder", "bare_number_target",
        "satisfaction_100", "satisfaction_under_benefit",
    }),
    "self_evaluation": frozenset({
        "merged_cells", "placeholder", "three_column_target", "operator_actual", "empty_actual",
        "execution_zero_row", "satisfaction_under_benefit",
    }),
}
_RENDER = {"declaration": render_declaration, "target": render_target, "self_evaluation": render_self_evaluation}


def _plans(rng: random.Random, histories: list[list[ProjectYear]], rates: Mapping[str, float],
           extra_self_evaluation_rate: float) -> list[_Plan]:
    plans = []
    for history in histories:
        for py in history:
            form_type = rng.choices(("declaration", "target", "self_evaluation"), weights=(0.6, 0.25, 0.15))[0]
            plans.append(_Plan(py, form_type, True))
            if form_type != "self_evaluation" and rng.random() < extra_self_evaluation_rate:
                plans.append(_Plan(py, "self_evaluation", False))
    for plan in plans:
        for quirk in sorted(_ELIGIBLE[plan.form_type]):
            if rng.random() < rates.get(quirk, 0.0):
                plan.quirks.add(quirk)
        if plan.form_type == "self_evaluation" and not plan.is_primary:
            plan.quirks.discard("no_unit")
        if "price_outlier" in plan.quirks:
            _apply_outlier(plan, rng)
    return plans


def _apply_outlier(plan: _Plan, rng: random.Random) -> None:
    """Price one counted item at about three times its usual unit price (this form only)."""
    candidates = [i for i, item in enumerate(plan.py.items) if item.template.style in ("package", "unit")]
    if not candidates:
        plan.quirks.discard("price_outlier")
        return
    index = rng.choice(candidates)
    items = list(plan.py.items)
    items[index] = replace(items[index], price=items[index].price * 3)
    plan.py = replace(plan.py, items=items)


def generate_corpus(
    out_dir: str | Path,
    n_departments: int = 6,
    years: Sequence[int] = (2020, 2021, 2022, 2023),
    seed: int = 0,
    quirk_rates: Mapping[str, float] | None = None,
    formats: Mapping[str, float] | Sequence[str] = ("md", "html", "xlsx"),
    extra_self_evaluation_rate: float = 0.2,
) -> SyntheticCorpus:
    """Write a synthetic corpus under ``out_dir`` (one folder per year) and its ground truth.

    ``quirk_rates`` overrides some of :data:`DEFAULT_QUIRK_RATES` (0 turns a quirk off, 1 puts it in
    every eligible form). ``formats`` is a sequence of "md", "html", "xlsx" (used in equal shares) or
    a mapping of format to weight. Each project-year has one primary form (declaration 60%, target
    form 25%, self-evaluation 15%); ``extra_self_evaluation_rate`` adds a self-evaluation of the same
    project-year beside a declaration or target form. Deterministic: the same arguments write the
    same bytes.
    """
    unknown = set(quirk_rates or {}) - set(DEFAULT_QUIRK_RATES)
    if unknown:
        raise ValueError(f"unknown quirks {sorted(unknown)}; known: {sorted(DEFAULT_QUIRK_RATES)}")
    rates = {**DEFAULT_QUIRK_RATES, **(quirk_rates or {})}
    weights = dict(formats) if isinstance(formats, Mapping) else dict.fromkeys(formats, 1.0)
    if not weights or set(weights) - {"md", "html", "xlsx"}:
        raise ValueError(f"formats must be among md, html, xlsx, not {sorted(weights)}")
    years = sorted(years)
    if not years:
        raise ValueError("years must not be empty")
    rng = random.Random(seed)
    histories = _world(rng, n_departments, years)
    plans = _plans(rng, histories, rates, extra_self_evaluation_rate)
    out = Path(out_dir)
    files: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    for plan in plans:
        py = plan.py
        markdown, stated = _RENDER[plan.form_type](py, plan.quirks, rng)
        fmt = rng.choices(list(weights), weights=list(weights.values()))[0]
        name = f"{py.year}/{py.department_code}-p{py.project_no}-{plan.form_type.replace('_', '-')}"
        if not plan.is_primary:
            name += "-extra"
        relative = f"{name}.{fmt}"
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        merge = "merged_cells" in plan.quirks
        if fmt == "md":
            path.write_text(markdown, encoding="utf-8")
        elif fmt == "html":
            path.write_bytes(_to_html(markdown, relative, merge))
        else:
            path.write_bytes(_to_xlsx(markdown, relative, merge))
        files.append({
            "file": relative, "format": fmt, "form_type": plan.form_type, "fiscal_year": py.year,
            "department": py.department, "department_code": py.department_code,
            "project_key": f"{py.department_code}-p{py.project_no}",
            "project_code": py.code if plan.form_type == "declaration" else None,
            "project_name": py.project.name, "is_primary": plan.is_primary, "budget_yuan": float(py.budget),
            "budget_unit": stated["budget_unit"], "prior_budget_yuan": _float(py.prior_budget),
            "stated_prior_yuan": _float(stated["stated_prior_yuan"]),  # type: ignore[arg-type]
            "quirks": ";".join(sorted(plan.quirks)),
        })
        lines += [{"file": relative, "economic_category": c, "fiscal_year": y, "amount_yuan": a}
                  for c, y, a in stated["expenditures"]]  # type: ignore[attr-defined]
    manifest = pd.DataFrame(files).astype({"fiscal_year": "Int64", "is_primary": "boolean"})
    expenditures = pd.DataFrame(lines, columns=["file", "economic_category", "fiscal_year", "amount_yuan"])
    manifest.to_csv(out / "manifest.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
    expenditures.to_csv(out / "manifest_expenditures.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
    log.info("wrote %d synthetic forms to %s", len(files), out)
    return SyntheticCorpus(out, manifest, expenditures)


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def read_manifest(out_dir: str | Path) -> SyntheticCorpus:
    """The ground truth of a corpus written earlier (the two manifest files)."""
    out = Path(out_dir)
    files = pd.read_csv(out / "manifest.csv", encoding="utf-8-sig", dtype={
        "department_code": "str", "project_code": "str", "project_key": "str", "budget_unit": "str", "quirks": "str",
    }, keep_default_na=False, na_values={"prior_budget_yuan": [""], "stated_prior_yuan": [""], "project_code": [""]})
    expenditures = pd.read_csv(out / "manifest_expenditures.csv", encoding="utf-8-sig")
    return SyntheticCorpus(out, files, expenditures)


# -- command line -------------------------------------------------------------------------------------


def _years(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(part) for part in text.split("-", 1))
        return list(range(first, last + 1))
    return [int(part) for part in text.split(",")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m budgetlib.synth",
                                     description="Write a synthetic corpus of budget performance forms (fiction).")
    parser.add_argument("out_dir", help="folder to write into")
    parser.add_argument("--departments", type=int, default=6, help="number of departments (default 6)")
    parser.add_argument("--years", type=_years, default=[2020, 2021, 2022, 2023], help="e.g. 2020-2023 or 2021,2022")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--formats", default="md,html,xlsx", help="comma-separated formats (default md,html,xlsx)")
    parser.add_argument("--quirk", action="append", default=[], metavar="NAME=RATE",
                        help=f"override a quirk rate, e.g. no_unit=0.5 (known: {', '.join(DEFAULT_QUIRK_RATES)})")
    args = parser.parse_args(argv)
    try:
        rates = {name: float(rate) for name, rate in (item.split("=", 1) for item in args.quirk)}
        corpus = generate_corpus(args.out_dir, n_departments=args.departments, years=args.years, seed=args.seed,
                                 quirk_rates=rates, formats=args.formats.split(","))
    except ValueError as exc:
        parser.error(str(exc))
    print(f"{len(corpus.files)} synthetic forms written to {corpus.out_dir}/ (ground truth in manifest.csv)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
