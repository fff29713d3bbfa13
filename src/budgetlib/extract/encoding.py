"""Turn the bytes of a text form (markdown, HTML) into text, and say how.

Published Chinese forms come as UTF-8, UTF-8 with a BOM, UTF-16 saved by Windows tools (with or
without a BOM) and, very often, GBK/GB2312 from government content systems. The order of attempts
follows how likely each is and how safely it can be recognised:

1. known binary signatures (PDF, images, zip, old OLE ``.xls``/``.doc``) are refused at once, so a
   misnamed attachment becomes a clear error instead of a page of mojibake;
2. byte-order marks are unambiguous and win;
3. NUL bytes in text only come from UTF-16 (ASCII markup hides behind them); a file with NULs that do
   not follow that pattern is binary;
4. strict UTF-8 -- the common case and the hot path: one C-level decode, no guessing;
5. a charset the file declares itself (``<meta charset>``, ``<?xml encoding?>``) when it is neither
   UTF-8 nor of the GB family (a Big5 page would otherwise "decode" as GB18030 into nonsense);
6. strict GB18030, the superset of GB2312 and GBK, so pages labelled gb2312 that use GBK characters
   still decode;
7. charset_normalizer's guess, with a warning since it is a guess;
8. UTF-8 with replacement characters, with a warning that counts them.

Decoded text that is mostly control characters is refused as binary at every step.
"""

from __future__ import annotations

import codecs
import re

from budgetlib.extract.document import UnreadableFileError
from budgetlib.notices import Notice

# Prefixes that never start a text form. Checked before anything else: some (an uncompressed PDF, a
# PostScript file) are plain ASCII and would otherwise decode cleanly as UTF-8.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (OLE2: .xls/.doc/.ppt; re-save it as .xlsx)"),
    (b"PK\x03\x04", "a zip archive (xlsx, docx or similar)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x7fELF", "an executable program"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"OggS", "an audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"wOFF", "a web font"),
    (b"%!PS", "a PostScript file"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 LE starts like UTF-16 LE, so it is tested first.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control characters that text forms do not contain (tab, newlines, form feed and escape are allowed).
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\ufffd]")
_BINARY_SHARE = 0.05
_TEXT_BYTES = bytes(range(0x20, 0x100)) + b"\t\n\r\x0b\x0c\x1b"
_SAMPLE = 8192
_DECLARED_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "hz", "cp936"})
_UTF_FAMILY = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "ascii"})


def decode_bytes(data: bytes) -> tuple[str, str, list[Notice]]:
    """Decode a text form's bytes; return ``(text, encoding, warnings)``.

    ``encoding`` is a Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``gb18030``, ...);
    the BOM is not part of ``text``. Raises :class:`UnreadableFileError` when the bytes are not text.
    """
    kind = binary_kind(data[:32])
    if kind is not None:
        raise UnreadableFileError("E_BINARY", f"binary content (looks like {kind}), not a form")
    head = data[:32]
    for bom, name in _BOMS:
        if head.startswith(bom):
            return _decode_with_bom(data[len(bom) :], name)
    if b"\x00" in data:
        return _decode_nul_bearing(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_legacy(data)
    # In valid UTF-8 a byte below 0x20 is always a control character itself, so the binary test can
    # count bytes (a C-level translate) instead of running a regex over the decoded text.
    sample = data[:_SAMPLE]
    if len(sample.translate(None, _TEXT_BYTES)) > _BINARY_SHARE * len(sample):
        raise UnreadableFileError("E_BINARY", "binary content (mostly control characters), not a form")
    return text, "utf-8", []


def binary_kind(head: bytes) -> str | None:
    """What a file's first bytes say it is when they are a known binary signature ("a PDF"), else None."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _decode_with_bom(body: bytes, name: str) -> tuple[str, str, list[Notice]]:
    """Decode after a byte-order mark: the encoding is certain, only the bytes may be damaged."""
    codec = "utf-8" if name == "utf-8-sig" else name
    try:
        text = body.decode(codec)
        warnings: list[Notice] = []
    except UnicodeDecodeError:
        text = body.decode(codec, errors="replace")
        # mostly undecodable after a UTF-8 BOM: a GBK file that an editor prefixed with a BOM
        legacy = _strict_gb18030(body) if name == "utf-8-sig" and _binary_share(text) > _BINARY_SHARE else None
        if legacy is not None:
            return legacy, "gb18030", [
                Notice("W_BOM_MISMATCH",
                       "the file starts with a UTF-8 byte-order mark but its text is GB18030/GBK; read as GB18030")
            ]
        warnings = [_replacement_warning(text, f"{name} (from its byte-order mark)")]
    _refuse_binary_text(text)
    return text, name, warnings


def _strict_gb18030(data: bytes) -> str | None:
    """The bytes as GB18030 when they decode strictly to text (not to control characters), else None."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return text if _binary_share(text) <= _BINARY_SHARE else None


def _decode_nul_bearing(data: bytes) -> tuple[str, str, list[Notice]]:
    """Bytes with NULs: UTF-16 without a BOM if the NULs alternate like ASCII in UTF-16, else binary."""
    sample = data[: _SAMPLE * 2]
    sample = sample[: len(sample) // 2 * 2]
    half = max(len(sample) // 2, 1)
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    candidates: list[str] = []
    if odd >= 0.1 * half and odd > 4 * even:
        candidates.append("utf-16-le")
    if even >= 0.1 * half and even > 4 * odd:
        candidates.append("utf-16-be")
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _binary_share(text) <= _BINARY_SHARE:
            order = "little" if name.endswith("le") else "big"
            warning = Notice("W_UTF16_NO_BOM",
                             f"no byte-order mark; read as UTF-16 ({order}-endian) from its NUL-byte pattern")
            return text, name, [warning]
    stray = data.count(0)
    if stray <= max(3, len(data) // 10_000):  # a few stray NULs in a text file (a bad copy, a broken export)
        text, name, warnings = decode_bytes(data.replace(b"\x00", b""))
        return text, name, [Notice("W_NUL_REMOVED", f"{stray} NUL byte(s) removed from the text"), *warnings]
    raise UnreadableFileError("E_BINARY", "binary content (contains NUL bytes and is not UTF-16 text), not a form")


def _decode_legacy(data: bytes) -> tuple[str, str, list[Notice]]:
    """Bytes that are not UTF-8: a declared charset, then GB18030, then a guess, then replacement."""
    declared = _declared_codec(data[:4096])
    if declared is not None:
        try:
            text = data.decode(declared)
        except UnicodeDecodeError:
            pass
        else:
            if _binary_share(text) <= _BINARY_SHARE:
                return text, declared, []
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if _binary_share(text) <= _BINARY_SHARE:
            return text, "gb18030", []
    guessed = _guess_with_charset_normalizer(data)
    if guessed is not None:
        return guessed
    text = data.decode("utf-8", errors="replace")
    _refuse_binary_text(text)
    return text, "utf-8", [_replacement_warning(text, "utf-8, as no encoding tried (UTF-8, GB18030, a guess) fits")]


def _declared_codec(head: bytes) -> str | None:
    """The codec a page declares for itself, unless it is one that is tried anyway (UTF, GB family)."""
    match = _DECLARED_CHARSET.search(head)
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii").strip(":.-_")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if name in _GB_FAMILY or name in _UTF_FAMILY or name.startswith(("utf", "gb")):
        return None
    return name


def _guess_with_charset_normalizer(data: bytes) -> tuple[str, str, list[Notice]] | None:
    """charset_normalizer's best guess, only if it decodes to plausible text."""
    from charset_normalizer import from_bytes  # imported lazily: rarely needed, slow to import

    best = from_bytes(data[: 256 * 1024]).best()
    if best is None or best.encoding is None:
        return None
    try:
        name = codecs.lookup(best.encoding).name
        text = data.decode(name)
    except (LookupError, UnicodeDecodeError):
        return None
    if _binary_share(text) > _BINARY_SHARE:
        return None
    warning = Notice("W_ENCODING_GUESSED",
                     f"encoding is neither UTF-8 nor GB18030; guessed {name} (check the text reads correctly)")
    return text, name, [warning]


def _binary_share(text: str) -> float:
    """Share of characters in a sample that text forms never contain (controls, U+FFFD)."""
    sample = text[:_SAMPLE]
    if not sample or _BINARY_CHARS.search(sample) is None:
        return 0.0
    return len(_BINARY_CHARS.findall(sample)) / len(sample)


def _refuse_binary_text(text: str) -> None:
    if _binary_share(text) > _BINARY_SHARE:
        raise UnreadableFileError("E_BINARY", "binary content (mostly control characters), not a form")


def _replacement_warning(text: str, how: str) -> Notice:
    count = text.count("\ufffd")
    return Notice("W_UNDECODABLE_BYTES",
                  f"decoded as {how}: {count:,} undecodable byte sequence(s) were replaced with U+FFFD (�)")
