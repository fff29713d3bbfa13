"""Numbers as Excel shows them under their number format: the text a person reads in the sheet.

A number format (ECMA-376 Part 1 §18.8.30-31; .xls FORMAT records hold the same codes) has up to four
sections separated by ``;``: positive numbers, negative numbers, zero, text. One section serves all
numbers; with two, the first serves positives and zero. A negative number shown by the first section
gets a minus sign in front; one shown by the negative section gets only what that section writes.
Within a section:

- ``0``, ``#`` and ``?`` are digit placeholders: an insignificant digit shows as ``0``, as nothing or as
  a space; integer digits beyond the placeholders all go to the first one; the first ``.`` is the
  decimal point, and the number is rounded half up to the decimal placeholders.
- ``,`` between integer placeholders groups thousands; commas right after a placeholder and before no
  other placeholder each divide the number by 1,000 (``#,##0,`` shows 500000 as ``500``, ``0.00,,`` as
  ``0.50``).
- ``%`` multiplies by 100 and shows ``%``.
- ``"text"``, ``\\x`` and ``!x`` are literal text, and so are ``$ - + ( ) : ^ ' { } < > = & ~ /``, the
  space and characters without a meaning in formats (元, 万, 家); ``_x`` is a space as wide as ``x``;
  ``*x`` repeats ``x`` to fill the cell (nothing here: text has no width).
- ``[Red]``, ``[Color10]`` and a locale ``[$-804]`` change colour or language only; ``[$¥-804]`` shows its
  symbol; ``[>=100]`` is a condition choosing the section.

So ``0!.0000`` -- the well-known way to show amounts stored in 元 as 万元 -- shows 500000 as
``50.0000``, and ``#,##0.00"万元"`` shows 50 as ``50.00万元``.

Where the shown text would lose or hide the number, the stored value is kept and :func:`render_number`
says so (the readers turn that into a ``W_NUMBER_FORMAT`` warning naming the cell): formats this module
does not render (dates and times on a number, fractions, scientific notation, Chinese numerals
``[DBNum2]``, a negative number under conditions), a section that shows no digit (``"-"`` for zero, an
empty section), and a negative number shown without a minus sign (in parentheses or only in red),
which reads with a minus sign instead. A negative number that rounds to zero shows no sign.

Text cells go through the format's text section (:func:`render_text`): the fourth section, or a last
section holding ``@`` (a lone ``@"万元"``, ``"金额："@``), in which ``@`` stands for the cell's text and
the rest is literal. A cell holding the text ``12.5`` under ``@"万元"`` shows ``12.5万元``: the unit is
part of what a person reads. A format without a text section shows text as it is. A text section
without ``@`` (``0;-0;0;"-"``, ``;;;``) replaces the text, so the stored text is kept with a note, and
so is a text section holding codes this module does not render there (digit placeholders, dates).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

__all__ = ["format_number", "has_text_section", "render_number", "render_text", "shows_another_number"]

_SIMPLE_FORMAT = re.compile(r"^(#,##0|#,#0|0)(?:\.(0+))?(%?)(?:_.)?$")
_GENERAL_NAMES = ("general", "g/通用格式")
_COLOUR = re.compile(r"^(?:black|blue|cyan|green|magenta|red|white|yellow|colou?r\s*\d{1,2})$", re.IGNORECASE)
_CONDITION = re.compile(r"^(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d*)?)$")
_DATE_LETTERS = frozenset("yYmMdDhHsSeEgGbBaA")
"""Letters of date and time codes (and AM/PM): a number under them is a date, not rendered here."""
_NO_FILL = {"0": "0", "#": "", "?": " "}
_MINUS_SIGNS = ("-", "\u2212", "\uff0d")
_UNRENDERED = (("unrendered", ""),)
"""A text section holding codes it does not render (digit placeholders, dates, conditions)."""


@dataclass(frozen=True, slots=True)
class _Section:
    """One section of a format, ready to render: the items before and after the decimal point
    (``("digit", "0"|"#"|"?")``, ``("lit", text)`` or ``("general", "")``) and how the number is scaled."""

    integer: tuple[tuple[str, str], ...]
    fraction: tuple[tuple[str, str], ...]
    point: bool
    grouping: bool
    scale: int
    """Thousands the number is divided by (one per scaling comma)."""
    percent: int
    condition: tuple[str, Decimal] | None


@dataclass(frozen=True, slots=True)
class _Format:
    """A format's sections for numbers (None for a section this module cannot render)."""

    sections: tuple[_Section | None, ...]
    conditional: bool


def format_number(value: int | float, number_format: str | None) -> str:
    """A number as the text a person reads under ``number_format`` (see :func:`render_number`).

    >>> format_number(500000.0, "0.00"), format_number(1234.5, "#,##0.00"), format_number(0.285, "0%")
    ('500000.00', '1,234.50', '29%')
    >>> format_number(500000, "0!.0000"), format_number(500000, "#,##0,"), format_number(50, '0.00"万元"')
    ('50.0000', '500', '50.00万元')
    >>> format_number(500000.0, "General"), format_number(0.1 + 0.2, "General")
    ('500000', '0.3')
    """
    return render_number(value, number_format)[0]


def render_number(value: int | float, number_format: str | None) -> tuple[str, str | None]:
    """``(text, note)``: the number as Excel shows it, and None; or, where that text would lose or hide
    the number, the stored value (like "General") or the number with a minus sign, and a note saying
    what the sheet shows or which format was not rendered.

    >>> render_number(0, '0.00;-0.00;"-"')
    ('0', "shown as '-'; the stored value 0 is kept")
    >>> render_number(-1234.5, "#,##0.00;(#,##0.00)")
    ('-1,234.50', "shown as '(1,234.50)'; read with a minus sign")
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value), None
    code = number_format or "General"
    if code.lower() in _GENERAL_NAMES or code == "@":
        return _general(value), None
    simple = _SIMPLE_FORMAT.match(code)
    if simple is not None:
        text = _render_simple(value, simple.group(1).startswith("#,"), len(simple.group(2) or ""), simple.group(3))
        return (text, None) if text is not None else (_general(value), _not_rendered(code, value))
    parsed = _parse_format(code)
    number = _decimal(value)
    if number is None:
        return _general(value), _not_rendered(code, value)
    section, signed = _choose(parsed, number)
    if section is None:
        return _general(value), _not_rendered(code, value)
    magnitude = abs(number)
    shown = _render(section, magnitude, value)
    if shown is None:
        return _general(value), _not_rendered(code, value)
    shown = shown.strip()
    if not any(character.isdigit() for character in shown):
        return _general(value), f"shown as {shown!r}; the stored value {_general(value)} is kept"
    if number >= 0:
        return shown, None
    zero = _rounds_to_zero(section, magnitude)  # a sign on a rounded zero only misleads
    if signed:
        return (shown if zero else "-" + shown), None
    if any(sign in shown for sign in _MINUS_SIGNS):
        return shown, None
    bare = shown[1:-1].strip() if shown[:1] in "(（" and shown[-1:] in ")）" else shown
    if zero:
        return bare, None
    return "-" + bare, f"shown as {shown!r}; read with a minus sign"


def render_text(value: str, number_format: str | None) -> tuple[str, str | None]:
    """``(text, note)``: a text cell as its format's text section shows it (see the module docstring),
    and None; or, where that section would hide the text or is not rendered, the stored text and a note.

    >>> render_text("12.5", '@"万元"'), render_text("12.5", '0.00;-0.00;0;@" 元"')
    (('12.5万元', None), ('12.5 元', None))
    >>> render_text("50", '"金额："@'), render_text("50", "0.00"), render_text("50", "@")
    (('金额：50', None), ('50', None), ('50', None))
    >>> render_text("待定", '0;-0;0;"-"')
    ('待定', "shown as '-'; the stored text is kept")
    """
    if not number_format or number_format == "@" or number_format.lower() in _GENERAL_NAMES:
        return value, None
    section = _text_section(number_format)
    if section is None:
        return value, None
    if section == _UNRENDERED:
        return value, f"text format {number_format!r} is not rendered; the stored text is kept"
    if not any(kind == "text" for kind, _ in section):
        shown = "".join(piece for _, piece in section).strip()
        return value, f"shown as {shown!r}; the stored text is kept"
    return "".join(value if kind == "text" else piece for kind, piece in section), None


@lru_cache(maxsize=256)
def has_text_section(number_format: str | None) -> bool:
    """True for a format whose text section changes what a text cell shows, so that a reader keeps the
    format of text cells too; False for the usual formats, ``@``, "General" and a text section that only
    pads the text with spaces (``_ @_`` in accounting formats).

    >>> has_text_section('@"万元"'), has_text_section('0.00;-0.00;0;@" 元"'), has_text_section(";;;")
    (True, True, True)
    >>> has_text_section("0.00"), has_text_section("@"), has_text_section('#,##0.00;-#,##0.00;"-";_ @_ ')
    (False, False, False)
    """
    if not number_format or number_format == "@" or number_format.lower() in _GENERAL_NAMES:
        return False
    section = _text_section(number_format)
    if section is None:
        return False
    texts = sum(kind == "text" for kind, _ in section)
    return texts != 1 or any(kind == "lit" and not piece.isspace() for kind, piece in section)


@lru_cache(maxsize=256)
def _text_section(code: str) -> tuple[tuple[str, str], ...] | None:
    """The text section's items, ``("text", "")`` for ``@`` and ``("lit", text)`` for the rest; None for a
    format without a text section, :data:`_UNRENDERED` for one holding codes not rendered in it."""
    raw = _split_sections(code)
    if len(raw) == 4:
        section = raw[3]
    elif "@" in raw[-1]:
        section = raw[-1]
    else:
        return None
    tokens = _tokens(section)
    if tokens is None or tokens[1] is not None or any(name in section.lower() for name in _GENERAL_NAMES):
        return _UNRENDERED  # dates, conditions, "General": not what a text section shows
    items: list[tuple[str, str]] = []
    for kind, text in tokens[0]:
        if kind == "digit":
            return _UNRENDERED
        items.append(("text", "") if kind == "general" else ("lit", text))  # "general" is the @ here
    return tuple(items)


@lru_cache(maxsize=256)  # asked for every number cell, of the few formats a workbook uses
def shows_another_number(number_format: str | None) -> bool:
    """True for a format that shows another number than the one stored: a scaling comma (``#,##0,`` shows
    500000 as 500) or a literal point among the digits (``0!.0000`` shows 500000 as 50.0000). The text read
    is what the sheet shows; the readers name such cells in a ``W_SCALED_NUMBER`` warning, with the stored
    value, so that a unit line that does not fit the display can be checked."""
    if not number_format or number_format.lower() in _GENERAL_NAMES or _SIMPLE_FORMAT.match(number_format):
        return False
    return any(
        section is not None
        and (section.scale > 0 or any(kind == "lit" and "." in text for kind, text in section.integer))
        for section in _parse_format(number_format).sections
    )


def _not_rendered(code: str, value: int | float) -> str:
    return f"number format {code!r} is not rendered; the stored value {_general(value)} is kept"


def _general(value: int | float) -> str:
    """Excel's "General": integers plainly, other numbers to 15 significant digits."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def _decimal(value: int | float) -> Decimal | None:
    """The value as Excel holds it: 15 significant digits (so 2.675 rounds up, as Excel shows it)."""
    try:
        return Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    except InvalidOperation:
        return None


def _render_simple(value: int | float, thousands: bool, decimals: int, percent: str) -> str | None:
    """The common formats (``0.00``, ``#,##0``, ``0%``) without the general machinery: most cells."""
    number = _decimal(value)
    if number is None:
        return None
    if percent:
        number *= 100
    try:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # too many digits for the context
        return None
    if number == 0:
        number = abs(number)  # 0.00 rather than -0.00: a sign on a rounded zero only misleads
    text = format(number, ",f" if thousands else "f")
    return text + "%" if percent else text


# --- choosing and rendering a section -------------------------------------------------------------


def _choose(parsed: _Format, number: Decimal) -> tuple[_Section | None, bool]:
    """The section that shows ``number`` and whether a minus sign goes in front of it (the first
    section shows negatives with one; the negative section writes its own)."""
    sections = parsed.sections
    if parsed.conditional:
        if number < 0:  # how conditions sign a negative number is not rendered here
            return None, False
        first, second = sections[0], sections[1] if len(sections) > 1 else None
        if first is not None and first.condition is not None and _holds(first.condition, number):
            return first, False
        if second is not None and second.condition is not None:
            if _holds(second.condition, number):
                return second, False
            return (sections[2], False) if len(sections) > 2 else (None, False)
        if len(sections) > 2:
            return sections[2], False
        return second, False
    if len(sections) == 1 or (number >= 0 and len(sections) == 2) or number > 0:
        return sections[0], len(sections) == 1
    if number < 0:
        return sections[1], False
    return sections[2], False


def _holds(condition: tuple[str, Decimal], number: Decimal) -> bool:
    operator, threshold = condition
    return {
        "<": number < threshold,
        "<=": number <= threshold,
        ">": number > threshold,
        ">=": number >= threshold,
        "=": number == threshold,
        "<>": number != threshold,
    }[operator]


def _scaled(section: _Section, magnitude: Decimal) -> Decimal | None:
    """The magnitude scaled and rounded as the section shows it, None if it has too many digits."""
    scaled = magnitude.scaleb(2 * section.percent - 3 * section.scale)
    decimals = sum(kind == "digit" for kind, _ in section.fraction)
    try:
        return scaled.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


def _rounds_to_zero(section: _Section, magnitude: Decimal) -> bool:
    return not any(kind == "general" for kind, _ in section.integer) and _scaled(section, magnitude) == 0


def _render(section: _Section, magnitude: Decimal, value: int | float) -> str | None:
    """The section's text for a number's magnitude (its sign is the caller's), None if too long."""
    if any(kind == "general" for kind, _ in section.integer):
        general = _general(abs(value))
        return "".join(general if kind == "general" else text for kind, text in section.integer)
    rounded = _scaled(section, magnitude)
    if rounded is None:
        return None
    whole, _, decimals = format(rounded, "f").partition(".")
    integer = _place_integer(section.integer, whole.lstrip("0"), section.grouping)
    if not section.point:
        return integer
    return integer + "." + _place_fraction(section.fraction, decimals)


def _place_integer(items: tuple[tuple[str, str], ...], digits: str, grouping: bool) -> str:
    """The integer digits right-aligned to the placeholders (the first one takes any extra digits),
    literal text between them kept, thousands grouped when asked."""
    pieces = [text if kind == "lit" else "" for kind, text in items]
    slots = [index for index, (kind, _) in enumerate(items) if kind == "digit"]
    for position, index in enumerate(reversed(slots)):
        pieces[index] = digits[-1 - position] if position < len(digits) else _NO_FILL[items[index][1]]
    if slots and len(digits) > len(slots):
        pieces[slots[0]] = digits[: len(digits) - len(slots)] + pieces[slots[0]]
    if grouping:
        count = 0
        for index in reversed(slots):
            grouped: list[str] = []
            for character in reversed(pieces[index]):
                if character.isdigit():
                    if count and count % 3 == 0:
                        grouped.append(",")
                    count += 1
                grouped.append(character)
            pieces[index] = "".join(reversed(grouped))
    return "".join(pieces)


def _place_fraction(items: tuple[tuple[str, str], ...], digits: str) -> str:
    """The decimal digits in order; trailing zeros under ``#`` vanish and under ``?`` become spaces."""
    pieces = [text if kind == "lit" else "" for kind, text in items]
    slots = [index for index, (kind, _) in enumerate(items) if kind == "digit"]
    trailing = True
    for position in range(len(slots) - 1, -1, -1):
        index, digit = slots[position], digits[position]
        placeholder = items[index][1]
        if trailing and digit == "0" and placeholder != "0":
            pieces[index] = _NO_FILL[placeholder]
            continue
        trailing = False
        pieces[index] = digit
    return "".join(pieces)


# --- parsing --------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _parse_format(code: str) -> _Format:
    """A format code's sections for numbers: a trailing text section (one with ``@``) is left out,
    a format that is only a text section serves numbers as "General"."""
    raw = _split_sections(code)
    if len(raw) == 1 and "@" in raw[0]:
        raw = ["General"]
    elif len(raw) == 4 or (len(raw) > 1 and "@" in raw[-1]):
        raw = raw[:-1]
    sections = tuple(_parse_section(text) for text in raw[:3])
    conditional = any(section is not None and section.condition is not None for section in sections[:2])
    return _Format(sections, conditional)


def _split_sections(code: str) -> list[str]:
    """The sections of a code, split at the semicolons outside quotes, brackets and escapes."""
    sections: list[str] = []
    start = index = 0
    while index < len(code):
        character = code[index]
        if character == '"':
            end = code.find('"', index + 1)
            index = len(code) if end < 0 else end + 1
            continue
        if character in "\\!_*":
            index += 2
            continue
        if character == "[":
            end = code.find("]", index)
            index = len(code) if end < 0 else end + 1
            continue
        if character == ";":
            sections.append(code[start:index])
            start = index + 1
        index += 1
    sections.append(code[start:])
    return sections


def _parse_section(text: str) -> _Section | None:
    """A section ready to render, or None when it is one this module does not render."""
    tokens = _tokens(text)
    if tokens is None:
        return None
    items, condition = tokens
    kinds = [kind for kind, _ in items]
    if "general" in kinds and ("digit" in kinds or "percent" in kinds or "point" in kinds):
        return None
    grouping, scale, items = _commas(items)
    percent = sum(kind == "percent" for kind, _ in items)
    items = [("lit", "%") if kind == "percent" else (kind, value) for kind, value in items]
    point = next((index for index, (kind, _) in enumerate(items) if kind == "point"), None)
    if point is None:
        integer, fraction = items, []
    else:
        integer = items[:point]
        fraction = items[point + 1 :]
        if not any(kind == "digit" for kind, _ in integer):
            integer.append(("digit", "#"))  # ".00" still shows the integer digits before the point
    return _Section(tuple(integer), tuple(fraction), point is not None, grouping, scale, percent, condition)


def _tokens(text: str) -> tuple[list[tuple[str, str]], tuple[str, Decimal] | None] | None:
    """The section's items (``digit``, ``lit``, ``point``, ``comma``, ``percent``, ``general``) and its
    condition; None for what is not rendered (dates, fractions, scientific notation, numerals)."""
    items: list[tuple[str, str]] = []
    condition: tuple[str, Decimal] | None = None
    index, length = 0, len(text)
    while index < length:
        character = text[index]
        if character == '"':
            end = text.find('"', index + 1)
            end = length if end < 0 else end
            items.append(("lit", text[index + 1 : end]))
            index = end + 1
        elif character in "\\!":
            items.append(("lit", text[index + 1 : index + 2]))
            index += 2
        elif character == "_":
            items.append(("lit", " "))
            index += 2
        elif character == "*":
            index += 2
        elif character == "[":
            end = text.find("]", index)
            if end < 0:
                return None
            tag = text[index + 1 : end].strip()
            index = end + 1
            if tag.startswith("$"):
                symbol = tag[1:].split("-", 1)[0]
                if symbol:
                    items.append(("lit", symbol))
            elif (match := _CONDITION.match(tag)) is not None:
                condition = (match.group(1), Decimal(match.group(2)))
            elif _COLOUR.match(tag) is None:
                return None  # [DBNum2], elapsed time [h], a calendar: not rendered
        elif character in "0#?":
            items.append(("digit", character))
            index += 1
        elif character == ".":
            seen_point = any(kind == "point" for kind, _ in items)
            items.append(("lit", ".") if seen_point else ("point", "."))
            index += 1
        elif character == ",":
            items.append(("comma", ","))
            index += 1
        elif character == "%":
            items.append(("percent", "%"))
            index += 1
        elif text[index : index + 7].lower() == "general":
            items.append(("general", ""))
            index += 7
        elif text[index : index + 6].lower() == "g/通用格式":
            items.append(("general", ""))
            index += 6
        elif character == "/" and _is_fraction(text, index):
            return None
        elif character in "Ee" and text[index + 1 : index + 2] in ("+", "-"):
            return None  # scientific notation
        elif character in _DATE_LETTERS:
            return None
        elif character == "@":
            items.append(("general", ""))
            index += 1
        else:
            items.append(("lit", character))
            index += 1
    return items, condition


def _is_fraction(text: str, index: int) -> bool:
    """A ``/`` between a digit placeholder (or digits) and a placeholder or digits: ``# ?/?``, ``0/100``."""
    before = text[:index].rstrip(" ")[-1:]
    after = text[index + 1 :].lstrip(" ")[:1]
    return bool(before) and before in "0#?123456789" and bool(after) and after in "0#?123456789"


def _commas(items: list[tuple[str, str]]) -> tuple[bool, int, list[tuple[str, str]]]:
    """(thousands grouping, scaling commas, the items without them): a comma between two integer
    placeholders groups; a run of commas after a placeholder and before no placeholder scales, one
    thousand each; any other comma is literal text."""
    grouping, scale = False, 0
    kept: list[tuple[str, str]] = []
    seen_point = False
    for index, (kind, value) in enumerate(items):
        if kind == "point":
            seen_point = True
        if kind != "comma":
            kept.append((kind, value))
            continue
        before = next((k for k, _ in reversed(items[:index]) if k != "comma"), None)
        after = next((k for k, _ in items[index + 1 :] if k != "comma"), None)
        if before == "digit" and after == "digit" and not seen_point:
            grouping = True
        elif before == "digit" and after != "digit":
            scale += 1
        else:
            kept.append(("lit", ","))
    return grouping, scale, kept
