"""Which elements of an HTML page its ``<style>`` sheets hide: ``display:none`` and ``visibility:hidden``
set through a class, an id or a tag rather than the element's own ``style``.

Disclosure pages hide a superseded amount or a template note this way (``<style>.hid{display:none}
td.old {visibility: hidden}</style>`` then ``<td class="hid">``); a person reading the page does not see
it, so the HTML reader leaves it out, as it does for inline styles. The sheets are parsed by tinycss2
(comments, strings, ``!important``, at-rules and broken CSS handled as a browser's parser handles them).

Only what can be judged without a browser's layout is used, and doubt always means the text is read:

* **Selectors**: a tag (any case), ``*``, ``.class`` (several on one element: ``td.a.b``), ``#id``, in
  any compound and comma list. A selector with a combinator (``tr.old td``), a pseudo-class
  (``td:hover``), an attribute test (``[hidden]``) or anything else is ignored, and so is every rule
  inside an at-rule (``@media print``, ``@supports``) and every sheet for another medium
  (``<style media="print">``). Class and id names match case-sensitively, as in a page with a doctype (a
  page in quirks mode matches them ignoring case: such a page may hide more than is left out here).
* **Conflicts**: the cascade is followed only as far as it needs no specificity -- ``!important`` in the
  element's ``style``, then ``!important`` in a sheet, then the element's ``style``, then the sheets --
  and within the first of these that sets the property, the element is hidden only if every declaration
  there hides it. So ``.hid{display:none} td.shown{display:table-cell}`` reads a ``<td class="hid
  shown">``, whichever rule a browser would pick: reading a hidden text costs a warning downstream,
  losing a shown one loses a value.
* **Values**: ``display: none`` and ``visibility: hidden`` hide; any other value shows (``inherit``,
  ``var(--x)`` included, so that what cannot be judged is read). Inheritance of ``visibility`` into
  children that set ``visible`` again is not followed: the HTML reader takes out a hidden element whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import tinycss2
from lxml import etree

__all__ = ["SHOWN", "SheetRule", "Verdict", "hidden_by_sheets", "page_rules", "parse_sheet"]

_PROPERTIES = {"display": frozenset({"none"}), "visibility": frozenset({"hidden", "collapse"})}
"""The properties that hide, with the values that do (``visibility: collapse`` hides a row or column of a table,
and elsewhere hides as ``hidden`` does)."""
_SCREEN_MEDIA = frozenset({"", "all", "screen"})
_CSS_TYPES = frozenset({"", "text/css"})
_NOT_SHOWN_PARENTS = frozenset({"noscript", "template"})


@dataclass(frozen=True, slots=True)
class SheetRule:
    """One ``display`` or ``visibility`` declaration of a sheet, for one simple selector."""

    selector: str
    """As written (``td.old``), for the warning."""
    tag: str | None
    """Lower-case tag name; None for any element."""
    element_id: str | None
    classes: frozenset[str]
    property: str
    hides: bool
    important: bool

    def matches(self, tag: str, element_id: str | None, classes: frozenset[str]) -> bool:
        return (
            (self.tag is None or self.tag == tag)
            and (self.element_id is None or self.element_id == element_id)
            and self.classes <= classes
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """How an element the sheets' rules apply to is shown: hidden or not, ``gone`` (``display:none``: it
    leaves the layout with its content) or only invisible (``visibility:hidden``: it keeps its place),
    and the selector that hid it (None when its own ``style`` or ``hidden`` attribute did)."""

    hidden: bool
    gone: bool = False
    selector: str | None = None


SHOWN = Verdict(False)


def parse_sheet(css: str) -> list[SheetRule]:
    """The ``display`` and ``visibility`` declarations of a style sheet, one per simple selector of each
    rule's comma list; what cannot be judged (see the module docstring) is left out.

    >>> [(r.selector, r.property, r.hides, r.important) for r in parse_sheet(
    ...     ".hid{display:none} TD.Old, #x {VISIBILITY: hidden !important} tr.old td{display:none}")]
    [('.hid', 'display', True, False), ('TD.Old', 'visibility', True, True), ('#x', 'visibility', True, True)]
    """
    rules: list[SheetRule] = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":  # at-rules (@media, @import...) and parse errors
            continue
        body = tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
        declarations = list(_declarations(body))
        if not declarations:
            continue
        for tokens in _split_commas(rule.prelude):
            selector = _selector(tokens)
            if selector is None:
                continue
            tag, element_id, classes, written = selector
            rules.extend(
                SheetRule(written, tag, element_id, classes, name, hides, important)
                for name, hides, important in declarations
            )
    return rules


def page_rules(root: etree._Element) -> list[SheetRule]:
    """The ``display`` and ``visibility`` rules of the page's ``<style>`` sheets for the screen (see the
    module docstring). Those that show are kept too: they can override a hiding rule or attribute."""
    rules: list[SheetRule] = []
    for style in root.iter("style"):
        media = (style.get("media") or "").strip().lower()
        kind = (style.get("type") or "").strip().lower()
        if media not in _SCREEN_MEDIA or kind not in _CSS_TYPES:
            continue
        if any(parent.tag in _NOT_SHOWN_PARENTS for parent in style.iterancestors()):
            continue
        css = "".join(style.itertext())
        lowered = css.lower()
        if "display" in lowered or "visibility" in lowered:  # else nothing to parse (tinycss2 is Python)
            rules.extend(parse_sheet(css))
    return rules


def hidden_by_sheets(root: etree._Element, rules: list[SheetRule]) -> dict[etree._Element, Verdict]:
    """How each element that the sheets' ``rules`` apply to is shown, its own ``style`` and ``hidden``
    attribute and the conflicts between rules taken into account (see the module docstring). Elements no
    rule applies to are not in the answer: their own ``style`` alone decides."""
    by_tag: dict[str | None, list[SheetRule]] = {}
    for rule in rules:
        by_tag.setdefault(rule.tag, []).append(rule)
    anywhere = by_tag.get(None, [])
    verdicts: dict[etree._Element, Verdict] = {}
    for element in root.iter(etree.Element):
        tag = element.tag
        candidates = by_tag[tag] + anywhere if tag in by_tag else anywhere
        if not candidates:
            continue
        classes = frozenset((element.get("class") or "").split())
        matched = [rule for rule in candidates if rule.matches(tag, element.get("id"), classes)]
        if matched:
            verdicts[element] = _verdict(matched, element)
    return verdicts


def _verdict(matched: list[SheetRule], element: etree._Element) -> Verdict:
    """How an element is shown, given the sheet rules that apply to it, its ``style`` and ``hidden``."""
    style = element.get("style")
    inline = list(_declarations(tinycss2.parse_declaration_list(style, skip_comments=True, skip_whitespace=True))
                  if style else [])
    if element.get("hidden") is not None:  # the browser's own sheet: [hidden] {display: none}
        matched = [*matched, SheetRule("[hidden]", None, None, frozenset(), "display", True, False)]
    gone = _decide("display", matched, inline)
    if gone is not None and gone[0]:
        return Verdict(True, True, gone[1])
    invisible = _decide("visibility", matched, inline)
    if invisible is not None and invisible[0]:
        return Verdict(True, False, invisible[1])
    return SHOWN


def _decide(
    name: str, matched: list[SheetRule], inline: list[tuple[str, bool, bool]]
) -> tuple[bool, str | None] | None:
    """``(hides, selector)`` for property ``name``, None when nothing sets it. The first tier of the
    cascade that sets it decides (important in the element's style, important in a sheet, the element's
    style, the sheets), and within a tier the element is hidden only if all of its declarations hide it."""
    sheet = [rule for rule in matched if rule.property == name]
    own = [(hides, important) for prop, hides, important in inline if prop == name]
    for important in (True, False):
        mine = [hides for hides, is_important in own if is_important == important]
        if mine:
            return all(mine), None
        theirs = [rule for rule in sheet if rule.important == important]
        if theirs:
            hides = all(rule.hides for rule in theirs)
            return hides, (None if theirs[0].selector == "[hidden]" else theirs[0].selector)
    return None


def _declarations(nodes: Iterable[object]) -> Iterator[tuple[str, bool, bool]]:
    """``(property, hides, important)`` for each ``display``/``visibility`` declaration among parsed
    declarations (a rule's body or an element's ``style``)."""
    for node in nodes:
        if getattr(node, "type", None) != "declaration":
            continue
        name = node.lower_name  # type: ignore[attr-defined]
        if name not in _PROPERTIES:
            continue
        values = [token for token in node.value if token.type not in ("whitespace", "comment")]  # type: ignore[attr-defined]
        value = values[0].lower_value if len(values) == 1 and values[0].type == "ident" else None
        yield name, value in _PROPERTIES[name], bool(node.important)  # type: ignore[attr-defined]


def _split_commas(prelude: list[object]) -> Iterator[list[object]]:
    """A rule's selector list, split at its top-level commas."""
    current: list[object] = []
    for token in prelude:
        if getattr(token, "type", None) == "literal" and getattr(token, "value", None) == ",":
            yield current
            current = []
        else:
            current.append(token)
    yield current


def _selector(tokens: list[object]) -> tuple[str | None, str | None, frozenset[str], str] | None:
    """``(tag, id, classes, as written)`` of a compound selector of tags, ``*``, classes and ids; None for
    any other selector (a combinator, a pseudo-class, an attribute test...)."""
    while tokens and getattr(tokens[0], "type", None) in ("whitespace", "comment"):
        tokens = tokens[1:]
    while tokens and getattr(tokens[-1], "type", None) in ("whitespace", "comment"):
        tokens = tokens[:-1]
    if not tokens:
        return None
    tag: str | None = None
    element_id: str | None = None
    classes: set[str] = set()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind, value = getattr(token, "type", None), getattr(token, "value", None)
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if kind == "ident" and index == 0:
            tag = str(value).lower()
        elif kind == "literal" and value == "*" and index == 0:
            pass
        elif kind == "hash" and getattr(token, "is_identifier", False) and element_id in (None, value):
            element_id = str(value)
        elif kind == "literal" and value == "." and getattr(following, "type", None) == "ident":
            classes.add(str(getattr(following, "value", "")))
            index += 1
        else:
            return None
        index += 1
    return tag, element_id, frozenset(classes), tinycss2.serialize(tokens)
