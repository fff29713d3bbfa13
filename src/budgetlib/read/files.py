"""Which files to read: the form files under the files and folders given, their source names, and
the batches they are read in.

The source name (a file's path relative to the folder given) becomes ``source_file`` and the start
of every ``form_id``, so it must be stable across runs and unique within one call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

from budgetlib.extract.load import SUPPORTED_SUFFIXES

__all__ = [
    "DEFAULT_BATCH_FILES",
    "InputFile",
    "Paths",
    "batches",
    "default_batch_files",
    "iter_input_files",
    "list_input_files",
    "text_name",
]

Paths = Sequence[str | os.PathLike[str]] | str | os.PathLike[str]
"""Files and/or folders, or one of them."""

InputFile = tuple[str | os.PathLike[str], str]
"""A file to read and its source name (see :func:`iter_input_files`)."""

DEFAULT_BATCH_FILES = 500
"""Files per batch: large enough that building the tables costs little per form, small enough that a
batch's records (about 50 kB a form with provenance) stay a few tens of megabytes."""


def iter_input_files(paths: Paths) -> Iterator[tuple[Path, str]]:
    """(path, source name) for every form file under the given files and folders.

    A folder is searched recursively for supported suffixes (.md, .html, .xlsx …), skipping hidden
    files and office lock files (``~$…``); a file named directly is always tried, whatever its suffix.
    The source name is the path relative to the folder given (posix separators), or the file name.
    Missing paths are yielded too, so that they end up in ``errors``.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    seen: set[str] = set()
    for given in paths:
        root = Path(given)
        if root.is_dir():
            found = sorted(
                p for p in root.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith((".", "~$")) for part in p.relative_to(root).parts)
            )
            for path in found:
                name = path.relative_to(root).as_posix()
                yield path, _unique(name, root.name, seen)
        else:
            yield root, _unique(root.name, root.parent.name, seen)


def list_input_files(paths: Paths) -> list[tuple[str, str]]:
    """:func:`iter_input_files` as a list of plain strings: half the memory of ``Path`` objects (which
    keep every path component), which counts at 10^5–10^6 files."""
    return [(os.fspath(path), name) for path, name in iter_input_files(paths)]


def text_name(name: str) -> str:
    """A file name as text that every table (and Arrow, and Parquet) can hold.

    Names that are not valid UTF-8 on disk (typically GBK names from a zip made on Chinese Windows)
    reach Python with lone surrogates in place of their bytes, which Arrow refuses, so one such file
    would stop the whole batch. Such a name is decoded as GB18030 if it is that, else as UTF-8 with
    U+FFFD for what is not; the file itself is still opened by its real path.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace")
    return name


def _unique(name: str, prefix: str, seen: set[str]) -> str:
    name, prefix = text_name(name), text_name(prefix)
    candidate = name
    if candidate in seen:
        candidate = f"{prefix}/{name}" if prefix else name
    counter = 2
    base = candidate
    while candidate in seen:
        candidate = f"{base}~{counter}"
        counter += 1
    seen.add(candidate)
    return candidate


def batches(files: Sequence[InputFile], size: int = DEFAULT_BATCH_FILES) -> list[list[tuple[str, str]]]:
    """``files`` cut into consecutive batches of at most ``size``, as plain strings (cheap to send to
    another process or machine)."""
    if size < 1:
        raise ValueError(f"a batch needs at least one file, not {size}")
    plain: Sequence[tuple[str, str]]
    if all(type(path) is str for path, _ in files):
        plain = cast("Sequence[tuple[str, str]]", files)  # already plain: share the tuples, do not copy them
    else:
        plain = [(os.fspath(path), name) for path, name in files]
    return [list(plain[start:start + size]) for start in range(0, len(plain), size)]


def default_batch_files(n_files: int, workers: int) -> int:
    """Batch size for ``n_files`` on ``workers``: at least four batches per worker (so that an uneven
    last batch costs little), at most :data:`DEFAULT_BATCH_FILES` files per batch."""
    if workers <= 1:
        return DEFAULT_BATCH_FILES
    return max(1, min(DEFAULT_BATCH_FILES, -(-n_files // (4 * workers))))
