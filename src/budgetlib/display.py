"""Text from forms and file names, shown to a person: invisible characters made visible.

A project name, a department or a file name is untrusted text. Printed as it is, a newline in it
starts what looks like a line of budgetlib's own output, and a bidirectional control (U+202E RIGHT-TO-LEFT
OVERRIDE, U+2066 … U+2069 isolates) makes a terminal or a browser show the characters after it in
another order than they are stored, so that ``evil\\u202egnp.md`` reads as ``evilpng.md``. What people
read (the command's messages, the index page, a report's title) therefore shows such characters as
escapes (``\\n``, ``\\u202e``); the tables keep the text exactly as read.

Escaped: control characters (Unicode category Cc: C0, DEL, C1), format characters (Cf: the bidi
controls, zero-width characters, the BOM, soft hyphen), line and paragraph separators (Zl, Zp) and
lone surrogates (Cs, left by file names that are not UTF-8, which a UTF-8 terminal cannot print).
"""

from __future__ import annotations

import re

__all__ = ["visible", "visible_in_markup"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


HIDDEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xDFFF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
"""Code points of the categories Cc, Cf, Zl, Zp and Cs (Unicode 15; a test checks them against this
Python's ``unicodedata``). Listed rather than computed: scanning every code point takes two seconds."""


def _without(ranges: tuple[tuple[int, int], ...], keep: str) -> list[tuple[int, int]]:
    """``ranges`` with the code points of ``keep`` cut out of them."""
    kept = sorted(ord(c) for c in keep)
    result: list[tuple[int, int]] = []
    for low, high in ranges:
        for code in kept:
            if low <= code <= high:
                if low < code:
                    result.append((low, code - 1))
                low = code + 1
        if low <= high:
            result.append((low, high))
    return result


def _pattern(keep: str) -> re.Pattern[str]:
    """One character class of the hidden code points, less ``keep``.

    A class rather than a lookahead before it (``(?![keep])[hidden]``): a page is mostly base64 image
    data, and the lookahead made escaping a report page take 28 ms instead of 3.
    """
    ranges = "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in _without(HIDDEN_RANGES, keep))
    return re.compile(f"[{ranges}]")


_HIDDEN = _pattern(keep="")
_HIDDEN_IN_MARKUP = _pattern(keep="\n\r\t")
_BASE64_PAYLOAD = re.compile(r"(;base64,[A-Za-z0-9+/=]+)")


def visible(text: object) -> str:
    """``text`` with every invisible or reordering character written as an escape, on one line.

    >>> visible("evil\\u202egnp.md"), visible("两行\\n名称"), visible("区电子政务网络运行维护")
    ('evil\\\\u202egnp.md', '两行\\\\n名称', '区电子政务网络运行维护')
    """
    return _HIDDEN.sub(lambda match: _escape(match.group()), str(text))


def visible_in_markup(page: str) -> str:
    """An HTML page with the same characters escaped, except the line breaks and tabs of its markup
    (a newline in a page is white space, not a line of its own).

    The base64 payloads of embedded images (most of a report page's bytes, and made only of
    ``A-Z a-z 0-9 + / =``) are passed over rather than scanned character by character.

    >>> visible_in_markup('<p>a\\u202eb</p>\\n<img src="data:image/png;base64,iVBO+/w==">')
    '<p>a\\\\u202eb</p>\\n<img src="data:image/png;base64,iVBO+/w==">'
    """
    pieces = _BASE64_PAYLOAD.split(page)
    pieces[::2] = [_HIDDEN_IN_MARKUP.sub(lambda match: _escape(match.group()), text) for text in pieces[::2]]
    return "".join(pieces)
