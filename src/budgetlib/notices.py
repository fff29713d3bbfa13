"""Warnings, errors and skips with stable codes: what a reader noticed, why a file could not be read,
and why a file of a folder was not read at all.

Every warning row, error row and ``skipped`` row carries a ``code`` from ``data/notices.csv`` (``W_…``
for a warning, ``E_…`` for an error, ``S_…`` for a file of a folder that is no form: hidden, a lock or
temporary file, not a form format), so that a batch can be filtered, counted and acted upon by kind
without parsing messages; the message says the particulars (which cell, which sheet, how many). The
catalogue is listed in the data dictionary.

>>> Notice("W_FORMULA", "sheet 'Sheet1': 2 cell(s) hold formulas").code
'W_FORMULA'
>>> Notice("W_NO_SUCH_THING", "?")
Traceback (most recent call last):
...
ValueError: unknown notice code 'W_NO_SUCH_THING' (not in data/notices.csv)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from budgetlib.vocabulary import table

__all__ = ["SEVERITY_PREFIXES", "Notice", "NoticeKind", "catalogue", "chinese_description", "chinese_reason",
           "chinese_title"]

SEVERITY_PREFIXES: Mapping[str, str] = MappingProxyType({"error": "E_", "warning": "W_", "skipped": "S_"})
"""The severities of the catalogue and the prefix of their codes."""


@dataclass(frozen=True, slots=True)
class NoticeKind:
    """One code of the catalogue: its severity (``error``, ``warning`` or ``skipped``), a short title and
    what it means, in English and in Chinese (for the pages readers see)."""

    code: str
    severity: str
    title: str
    description: str
    title_zh: str = ""
    description_zh: str = ""


@cache
def catalogue() -> Mapping[str, NoticeKind]:
    """Every notice code, from ``data/notices.csv``, by code."""
    kinds = {row["code"]: NoticeKind(row["code"], row["severity"], row["title"], row["description"], row["title_zh"],
                                     row["description_zh"])
             for row in table("notices.csv")}
    for kind in kinds.values():
        prefix = SEVERITY_PREFIXES.get(kind.severity)
        if prefix is None or not kind.code.startswith(prefix):
            raise ValueError(f"data/notices.csv: {kind.code}: severity {kind.severity!r} does not fit the code")
    return MappingProxyType(kinds)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a reader noticed (a warning), the reason a file could not be read (an error) or was not
    read at all (skipped).

    ``location`` says where, when the message does not (a sheet, a line, a table's row); '' when the
    notice is about the whole file or form.
    """

    code: str
    message: str
    location: str = ""

    def __post_init__(self) -> None:
        if self.code not in catalogue():
            raise ValueError(f"unknown notice code {self.code!r} (not in data/notices.csv)")


def _kind(code: object) -> NoticeKind | None:
    """The catalogue's entry of a code; None for no code (a missing value) or an unknown one."""
    return catalogue().get(code) if isinstance(code, str) else None


def chinese_title(code: object) -> str:
    """The Chinese title of a notice code ("W_NO_MONEY_UNIT" → 未写金额单位); '' for no or an unknown code.

    >>> chinese_title("W_NO_MONEY_UNIT"), chinese_title(None)
    ('未写金额单位', '')
    """
    kind = _kind(code)
    return kind.title_zh if kind is not None else ""


class CodedError(ValueError):
    """An error that carries its notice: the code (``E_…`` in data/notices.csv) and the message that go
    into the ``errors`` table, so that every reader and the actuals sheet report failures alike."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.notice = Notice(code, message)

    @property
    def code(self) -> str:
        return self.notice.code

    def __reduce__(self) -> tuple[type[CodedError], tuple[str, str]]:
        """Pickled as its code and message (an exception pickles its ``args``, here the message
        alone), so that it crosses from a worker process to the batch whole."""
        return type(self), (self.notice.code, self.notice.message)


def chinese_description(code: object) -> str:
    """What a notice code means, in Chinese; '' for no or an unknown code.

    Why: a message says the particulars (which cell, how many) in English, the library's language; a
    report page shows its reader what the notice means in Chinese beside them.

    >>> chinese_description("W_NO_MONEY_UNIT")
    '表中有的金额未写单位（元/万元）：按原文保留，折算为元的各列为空。'
    """
    kind = _kind(code)
    return kind.description_zh if kind is not None else ""


def chinese_reason(code: object) -> str:
    """A notice code's Chinese title and meaning in one line, as a page gives a reason; '' for no or an
    unknown code.

    >>> chinese_reason("E_ENCRYPTED")
    '文件已加密：文件需要密码才能打开，请索取未加密的副本。'
    """
    kind = _kind(code)
    return f"{kind.title_zh}：{kind.description_zh}" if kind is not None else ""
