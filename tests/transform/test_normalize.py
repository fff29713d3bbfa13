"""Matching keys of labels: width, spacing, line breaks, numbering, stamps and points removed."""

from __future__ import annotations

import pytest

from budgetlib.transform.normalize import compact, label_key, split_numbering, split_weight_suffix


@pytest.mark.parametrize(("text", "expected"), [
    ("年度本级 预算金额", "年度本级预算金额"),      # xiangtan target form
    ("１２３ 家", "123家"),
    ("其中：申请当年预算拨款", "其中:申请当年预算拨款"),   # xinzhou declaration: full-width colon
])
def test_compact(text: str, expected: str) -> None:
    assert compact(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("实施单位 (盖章)", "实施单位"),                  # qingshen self-evaluation
    ("主管部门\n及编码", "主管部门及编码"),            # qingshan target form ("主管部门<br>及编码")
    ("当年资金总额:", "当年资金总额"),                # qingshan target form
    ("年度资金总额:", "年度资金总额"),                # zhongjiang self-evaluation
    ("产出指标(70分)", "产出指标"),                   # zhongjiang self-evaluation
    ("预算执行情况(10分)", "预算执行情况"),           # qingshen self-evaluation
    ("项目资金\n(万元)", "项目资金"),                 # langfang self-evaluation ("项目资金<br>(万元)")
    ("资金情况(万元)", "资金情况"),                   # zhongjiang self-evaluation
    ("执行率(B/A)", "执行率"),                       # zhongjiang self-evaluation
    ("7.一般非税上年结转", "一般非税上年结转"),        # xinzhou declaration
    ("1.项目年度目标完成情况", "项目年度目标完成情况"),  # qingshen self-evaluation
    ("项目负责人:", "项目负责人"),                    # qingshen self-evaluation
    ("备 注", "备注"),                               # qingshan 2021 target form
    ("1", "1"),                                      # a number alone keeps its digits
])
def test_label_key(text: str, expected: str) -> None:
    assert label_key(text) == expected


@pytest.mark.parametrize(("text", "number", "rest"), [
    ("7.一般非税上年结转", "7", "一般非税上年结转"),      # xinzhou declaration
    ("1.财政拨款收入", "1", "财政拨款收入"),
    ("6.其他收入(含事业收入)", "6", "其他收入(含事业收入)"),
    ("2、上级补助收入", "2", "上级补助收入"),
    ("(3)附属单位上缴收入", "3", "附属单位上缴收入"),
    ("四、其他", "四", "其他"),
    ("其中：申请当年预算拨款", None, "其中:申请当年预算拨款"),
    ("2019年", None, "2019年"),                      # a year is no list number
])
def test_split_numbering(text: str, number: str | None, rest: str) -> None:
    assert split_numbering(text) == (number, rest)


@pytest.mark.parametrize(("text", "label", "weight"), [
    ("产出指标(70分)", "产出指标", 70.0),              # zhongjiang self-evaluation
    ("效益指标(20分)", "效益指标", 20.0),
    ("满意度指标(10分)", "满意度指标", 10.0),
    ("绩效指标(90分)", "绩效指标", 90.0),              # qingshen self-evaluation
    ("产出指标(50分)", "产出指标", 50.0),              # tangxi self-evaluation
    ("产出指标（ 7.5 分）", "产出指标", 7.5),
    ("效益指标", "效益指标", None),
])
def test_split_weight_suffix(text: str, label: str, weight: float | None) -> None:
    assert split_weight_suffix(text) == (label, weight)
