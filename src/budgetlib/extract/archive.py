"""Open an office zip package (xlsx, docx) safely: zip bombs and encrypted packages are refused
before anything is expanded, and XML parts that declare a DTD are recognised without parsing them.

Office files are untrusted zip archives. The archive is inspected with :mod:`zipfile` before any
reader touches it: the member count, each member's declared uncompressed size (zipfile enforces the
declared size when decompressing, so a member that lies is caught while reading) and each member's
compression ratio are checked, which rules out zip bombs.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from budgetlib.extract.document import UnreadableFileError

MAX_MEMBERS = 10_000
"""Zip members in one package."""
MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""Uncompressed size of one zip member (a sheet's XML, the shared strings, a document's body)."""
MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""Uncompressed size of all members together."""
MAX_RATIO = 250
"""Compression ratio of a member larger than :data:`RATIO_FLOOR` (zip bombs reach ~1000:1)."""
RATIO_FLOOR = 1024 * 1024

_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def open_package(data: bytes, kind: str, names_check: Callable[[set[str]], None] | None = None) -> zipfile.ZipFile:
    """The zip archive of ``data``, checked against the limits; ``kind`` names the format in messages
    ("xlsx workbook", "docx document"). ``names_check`` may refuse the archive by its member names
    (a docx given as a workbook) before the sizes are checked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise UnreadableFileError("E_BROKEN_FILE", f"not a readable {kind} (broken zip archive: {error})") from error
    except (OSError, ValueError, EOFError, NotImplementedError) as error:
        # NotImplementedError: a "version needed to extract" that zipfile does not know
        raise UnreadableFileError("E_BROKEN_FILE", f"not a readable {kind} ({error})") from error
    try:
        infos = archive.infolist()
        noun = kind.split()[-1]
        if len(infos) > MAX_MEMBERS:
            raise UnreadableFileError("E_BOMB", f"zip archive with {len(infos):,} members; not a form {noun}")
        if names_check is not None:
            names_check({info.filename for info in infos})
        check_sizes(infos, noun)
    except UnreadableFileError:
        archive.close()
        raise
    return archive


def check_sizes(infos: list[zipfile.ZipInfo], noun: str) -> None:
    """Refuse encrypted members and members that expand too much, alone or together."""
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableFileError("E_ENCRYPTED", f"the {noun} is encrypted (password-protected)")
        size = info.file_size
        total += size
        if size > MAX_MEMBER_BYTES:
            raise UnreadableFileError(
                "E_BOMB",
                f"{noun} member '{info.filename}' expands to {size_text(size)} (limit {size_text(MAX_MEMBER_BYTES)})"
            )
        if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableFileError(
                "E_BOMB",
                f"looks like a zip bomb: member '{info.filename}' expands "
                f"{size // max(info.compress_size, 1):,} times "
                f"(from {size_text(info.compress_size)} to {size_text(size)})"
            )
    if total > MAX_TOTAL_BYTES:
        raise UnreadableFileError("E_BOMB",
                                  f"{noun} expands to {size_text(total)} in all (limit {size_text(MAX_TOTAL_BYTES)})")


def declares_dtd(xml: bytes) -> bool:
    """True when an XML part declares a DTD or entities, or is not UTF-8/ASCII-compatible text (UTF-16
    would hide such a declaration from a byte search). Such parts are left to a parser that refuses them."""
    head = xml[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return True
    return _DECLARATION.search(xml) is not None


def size_text(count: float) -> str:
    """A byte count for messages: ``"1,234 bytes"``, ``"3.5 MB"``."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{int(count):,} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count} bytes"  # pragma: no cover
