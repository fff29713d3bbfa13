"""Cleaning cell text: the fast exit for text that needs no cleaning gives what the full cleaning gives."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from budgetlib.extract.text import clean_text

_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _full_cleaning(text: str) -> str:
    """What clean_text does to every text, written out without its fast exit."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


_CHARACTERS = st.sampled_from(
    list("区电子政务 费1.5%（）()　\u00a0\t\r\n\x00\x1c\x1f\x7f\x85\u200b\u2028\ufeff\u2002a")
)


@given(st.text(_CHARACTERS, max_size=12))
def test_clean_text_is_the_full_cleaning(text: str) -> None:
    assert clean_text(text) == _full_cleaning(text)


def test_clean_text_of_usual_cells() -> None:
    assert clean_text("  项目名称 ") == "项目名称"
    assert clean_text("预算\u3000\u3000执行") == "预算 执行"
    assert clean_text("第一行\r\n\r\n  第二行\x07") == "第一行\n第二行"
    assert clean_text("\u2028甲\x85") == "甲"
