"""Which files to read: every file under the files and folders given, read or skipped with the reason;
their source names; the batches they are read in.

Every file under a folder given is accounted for: it is read (and ends up in ``projects`` or in
``errors``), or it is in ``skipped`` with a code and a reason (:func:`list_inputs`). Skipped are files
that are no form by their name -- hidden files and everything in hidden folders, office lock files
(``~$…``), temporary and system files (``data/skipped_names.csv``) and suffixes that are no form format
(.jpg, .zip, .exe …) -- and, by their content, a ``.txt`` holding no table (a note), an ``.xml`` that is
no Office document (a configuration or data file: its root element is none of Word 2003 XML, Word XML
or Excel 2003 XML) or a file without a suffix whose content is no form format. A file named on its own
is always read, whatever its name, so that a file asked for is never skipped silently: it is read, or
it is an error saying why not. A folder that cannot be listed is an ``errors`` row; a link to a folder
is not followed (skipped).

The source name (a file's path relative to the folder given) becomes ``source_file`` and the start
of every ``form_id``, so it must be stable across runs and unique within one call (read and skipped
files share one set of names).
"""

from __future__ import annotations

import logging
import os
import stat
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, overload

from budgetlib import schema
from budgetlib.extract.document import UnreadableFileError
from budgetlib.extract.encoding import decode_bytes
from budgetlib.extract.load import OFFICE_XML_KINDS, SUPPORTED_SUFFIXES, XML_SUFFIXES, xml_kind, xml_root
from budgetlib.forms import Forms
from budgetlib.notices import Notice
from budgetlib.vocabulary import table

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_BATCH_FILES",
    "InputFile",
    "InputFiles",
    "Listing",
    "Paths",
    "batches",
    "default_batch_files",
    "iter_input_files",
    "list_input_files",
    "list_inputs",
    "skip_reason",
    "text_name",
]

Paths = Sequence[str | os.PathLike[str]] | str | os.PathLike[str]
"""Files and/or folders, or one of them."""

InputFile = tuple[str | os.PathLike[str], str]
"""A file to read and its source name (see :func:`iter_input_files`)."""

_Item = TypeVar("_Item")

DEFAULT_BATCH_FILES = 500
"""Files per batch: large enough that building the tables costs little per form, small enough that a
batch's records (about 50 kB a form with provenance) stay a few tens of megabytes."""

TEXT_SUFFIXES = frozenset({".txt"})
"""Suffixes of plain text, which holds notes as often as forms: read only when the text has a table."""
PEEK_BYTES = 1024 * 1024
"""How much of a ``.txt`` (or a file without a suffix) is looked at to tell a form from a note."""
XML_PEEK_BYTES = 8192
"""How much of an ``.xml`` is looked at to find its root element (after declarations and comments)."""
_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # zip packages (xlsx, docx), OLE2 (xls, doc)


class _MadeOnAsking(Sequence[_Item]):
    """A sequence whose items are made when asked for (``_item``): the indexing and slicing of a list."""

    __slots__ = ()

    def _item(self, i: int) -> _Item:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> _Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[_Item]: ...

    def __getitem__(self, index: int | slice) -> _Item | list[_Item]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._item(index)

    def __iter__(self) -> Iterator[_Item]:
        return (self._item(i) for i in range(len(self)))


class InputFiles(_MadeOnAsking[tuple[str, str]]):
    """Files to read, each as (path, source name) in plain strings, held compactly.

    Why: a province lists 10^6 files. As a list of tuples of two Python strings they took 220 MB,
    and the whole parse held them. Here a file costs the UTF-8 bytes of its name and 12 bytes: a
    path is its folder's part (held once for all the files under it) and the name, which is the
    path's end (a path that does not end in its name is held as it is). A name that is not valid
    UTF-8 on disk (lone surrogates) comes back exactly as it went in.

    >>> files = InputFiles([("data/a/一.md", "a/一.md"), ("data/b.md", "b.md")])
    >>> len(files), files[1], files[-1:]
    (2, ('data/b.md', 'b.md'), [('data/b.md', 'b.md')])
    """

    __slots__ = ("_name_ends", "_names", "_other_paths", "_prefix_numbers", "_prefix_of", "_prefixes")

    def __init__(self, files: Iterable[InputFile] = ()) -> None:
        self._names = bytearray()
        self._name_ends = array("Q")
        self._prefix_of = array("I")  # the number of each file's path prefix in _prefixes
        self._prefixes: list[str] = []
        self._prefix_numbers: dict[str, int] = {}
        self._other_paths: dict[int, str] = {}  # paths that do not end in their file's name
        for file in files:
            self.append(file)

    def append(self, file: InputFile) -> None:
        path, name = os.fspath(file[0]), file[1]
        if name and path.endswith(name):
            prefix = path[:len(path) - len(name)]
        else:
            prefix = ""
            self._other_paths[len(self)] = path
        number = self._prefix_numbers.get(prefix)
        if number is None:
            number = self._prefix_numbers[prefix] = len(self._prefixes)
            self._prefixes.append(prefix)
        self._names += name.encode("utf-8", "surrogatepass")
        self._name_ends.append(len(self._names))
        self._prefix_of.append(number)

    def __len__(self) -> int:
        return len(self._name_ends)

    def _item(self, i: int) -> tuple[str, str]:
        name = self._names[self._name_ends[i - 1] if i else 0:self._name_ends[i]].decode("utf-8", "surrogatepass")
        path = self._other_paths.get(i)
        return (self._prefixes[self._prefix_of[i]] + name if path is None else path), name

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(mine == tuple(theirs) for mine, theirs in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        shown = ", ".join(map(repr, self[:3])) + (", …" if len(self) > 3 else "")
        return f"InputFiles([{shown}]: {len(self)} files)"


@dataclass
class Listing:
    """What the files and folders given hold: the files to read (path, source name) and the rows of
    ``skipped`` and ``errors`` the listing itself gives (files that are no form; folders that could not
    be listed)."""

    files: InputFiles = field(default_factory=InputFiles)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> Forms:
        """The ``skipped`` and ``errors`` rows as tables, to go with the tables of the files read."""
        return Forms({"skipped": schema.frame("skipped", self.skipped), "errors": schema.frame("errors", self.errors)})


def list_inputs(paths: Paths) -> Listing:
    """Every file under the given files and folders: read, or skipped with the reason (see the module
    docstring); source names as :func:`iter_input_files` gives them."""
    listing = Listing()
    for kind, path, name, notice in _inputs(paths):
        if kind == "read":
            listing.files.append((os.fspath(path), name))
            continue
        assert notice is not None, f"{name}: a skipped or unreadable input always comes with its notice"
        if kind == "skipped":
            listing.skipped.append({"source_file": name, "code": notice.code, "reason": notice.message})
        else:
            listing.errors.append({"source_file": name, "code": notice.code, "error": notice.message,
                                   "location": None})
    return listing


def iter_input_files(paths: Paths) -> Iterator[tuple[Path, str]]:
    """(path, source name) for every file to read under the given files and folders.

    A folder is searched recursively; the files :func:`skip_reason` names are left out (see
    :func:`list_inputs` for them); a file named directly is always tried, whatever its name. The
    source name is the path relative to the folder given (posix separators), or the file name.
    Missing paths are yielded too, so that they end up in ``errors``.
    """
    for kind, path, name, _ in _inputs(paths):
        if kind == "read":
            yield Path(path), name


def _inputs(paths: Paths) -> Iterator[tuple[str, str | Path, str, Notice | None]]:
    """('read' | 'skipped' | 'error', path, source name, reason) for everything under ``paths``, each
    folder's entries in the order of their paths."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    seen: set[str] = set()
    for given in paths:
        root = Path(given)
        if not root.is_dir():
            yield "read", root, _unique(root.name, root.parent.name, seen), None
            continue
        entries = 0
        for parts, path, entry_kind, failure in _walk(root):
            entries += 1
            relative = "/".join(parts) if parts else root.name  # () is the folder given, when it is unlisted
            name = _unique(relative + ("/" if entry_kind == "unlisted" else ""), root.name, seen)
            if entry_kind == "unlisted":
                yield "error", path, name, Notice(
                    "E_READ_FAILED", f"the folder could not be listed ({failure}); the files in it were not read")
                continue
            notice = (Notice("S_LINKED_FOLDER", "a link to a folder, not followed; name the folder itself to read it")
                      if entry_kind == "link" else skip_reason(parts, path))
            yield ("read", path, name, None) if notice is None else ("skipped", path, name, notice)
        if not entries:  # a mistyped or wrong folder: say so rather than read 0 forms in silence
            log.warning("%s: the folder holds no files; nothing was read from it", text_name(os.fspath(root)))


def _walk(root: Path, parts: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, str, str | None]]:
    """(relative parts, path, 'file' | 'link' | 'unlisted', why not listed) for every entry under
    ``root``, depth first; links to folders are not followed, every other entry (a file, a link to
    one or to nothing, a pipe) is a 'file'.

    In the order of their parts: each folder's entries sorted by name, a folder's entries right after
    it (what sorting every entry by its parts gives, without holding the whole tree: 10^6 entries
    held for sorting took 250 MB)."""
    folder = os.path.join(root, *parts)
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
    except OSError as error:
        yield parts, folder, "unlisted", error.strerror or type(error).__name__
        return
    for entry in listed:
        here = (*parts, entry.name)
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
            is_link_to_folder = not is_folder and entry.is_symlink() and entry.is_dir()
        except OSError:
            is_folder = is_link_to_folder = False
        if is_folder:
            yield from _walk(root, here)
        else:
            yield here, entry.path, "link" if is_link_to_folder else "file", None


def skip_reason(parts: Sequence[str], path: str | os.PathLike[str] | None = None) -> Notice | None:
    """Why the file at ``parts`` (its path under the folder given) is not read, or None to read it.

    By name: a hidden folder on the way, a lock, system or temporary file (``data/skipped_names.csv``),
    a hidden file, a suffix that is no form format. By content (``path`` given): a ``.txt`` without a
    table, an ``.xml`` that is no Office document, a file without a suffix whose content is no form format.

    >>> skip_reason(["2023", "~$预算.xlsx"]).code, skip_reason([".git", "config"]).code
    ('S_LOCK_FILE', 'S_HIDDEN')
    >>> skip_reason(["photo.JPG"]).message
    'not a form format (.jpg); name the file on the command line to read it anyway'
    >>> skip_reason(["2023", "预算.xlsx"]) is None
    True
    """
    *folders, name = parts
    hidden = next((folder for folder in folders if folder.startswith(".")), None)
    if hidden is not None:
        return Notice("S_HIDDEN", f"in a hidden folder ({hidden}/)")
    by_name = _skipped_by_name(name)
    if by_name is not None:
        return by_name
    if name.startswith("."):
        return Notice("S_HIDDEN", "a hidden file (its name begins with a dot)")
    suffix = _suffix(name)
    if suffix in TEXT_SUFFIXES:
        if path is not None and _text_without_table(path):
            return Notice("S_TEXT_WITHOUT_TABLE", "a text file without a table (a note, not a form); "
                                                  "name the file on the command line to read it anyway")
        return None
    if suffix in SUPPORTED_SUFFIXES:
        return None
    if suffix in XML_SUFFIXES:
        return None if path is None else _xml_skip_reason(path, suffix)
    if not suffix and path is not None and _may_be_a_form(path):
        return None
    what = f"not a form format ({suffix})" if suffix else "no suffix, and its content is no form format"
    return Notice("S_NOT_A_FORM_FORMAT", f"{what}; name the file on the command line to read it anyway")


def _skipped_by_name(name: str) -> Notice | None:
    lowered = name.lower()
    rules = _name_rules()
    code = rules.names.get(lowered) or rules.suffixes.get(_suffix(lowered))
    if code is None:
        code = next((rules.prefixes[p] for p in rules.prefixes if lowered.startswith(p)), None)
    if code is None:
        code = next((rules.endings[e] for e in rules.endings if lowered.endswith(e) and lowered != e), None)
    return None if code is None else Notice(code[0], code[1])


def _suffix(name: str) -> str:
    """The suffix as :attr:`pathlib.PurePath.suffix` gives it ('' for '.bashrc' and 'a.'), lower case."""
    suffix = os.path.splitext(name)[1]
    return "" if suffix == "." else suffix.lower()


_REASONS = {
    "S_LOCK_FILE": "an office lock file ({pattern}…): kept beside a document while it is open, never a form",
    "S_SYSTEM_FILE": "a file the operating system keeps in folders ({pattern})",
    "S_TEMPORARY": "a temporary, unfinished or backup file (…{pattern}); the finished file, if any, is beside it",
}


@dataclass(frozen=True)
class _NameRules:
    """``data/skipped_names.csv`` by kind of match (lower case): pattern → (code, reason)."""

    prefixes: dict[str, tuple[str, str]]
    names: dict[str, tuple[str, str]]
    suffixes: dict[str, tuple[str, str]]
    endings: dict[str, tuple[str, str]]


@cache
def _name_rules() -> _NameRules:
    rules = _NameRules({}, {}, {}, {})
    kinds = {"prefix": rules.prefixes, "name": rules.names, "suffix": rules.suffixes, "ends": rules.endings}
    for row in table("skipped_names.csv"):
        match, written, code = row["match"].strip(), row["pattern"].strip(), row["code"].strip()
        if match not in kinds or not written or code not in _REASONS:
            raise ValueError(f"data/skipped_names.csv: cannot use the rule {match},{written},{code}")
        kinds[match][written.lower()] = (code, _REASONS[code].format(pattern=written))
    return rules


def _peek(path: str | os.PathLike[str], size: int = PEEK_BYTES) -> bytes | None:
    """The first ``size`` bytes of a regular file, or None when it is no regular file or cannot
    be read (then reading it says why; a pipe is never opened here, it would block)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return None


def _xml_skip_reason(path: str | os.PathLike[str], suffix: str) -> Notice | None:
    """Why an ``.xml`` is not read (its root element is no Office document's), or None to read it; a
    file that cannot be opened is read, and its error says why."""
    head = _peek(path, XML_PEEK_BYTES)
    if head is None or not head.strip() or xml_kind(head) in OFFICE_XML_KINDS:
        return None  # unreadable or empty: reading it gives the error
    root = xml_root(head)
    if root is None:
        what = (f"not a form format ({suffix}: no XML document, or none whose root element begins in its first "
                f"{XML_PEEK_BYTES:,} bytes)")
    else:
        namespace, name = root
        shown = f"<{name}>" + (f" in the namespace {namespace}" if namespace else "")
        what = (f"not a form format ({suffix} whose root element is {shown}, not a Word or Excel XML document)")
    return Notice("S_NOT_A_FORM_FORMAT", f"{what}; name the file on the command line to read it anyway")


def _has_table(text: str) -> bool:
    """A markdown pipe-table row or an HTML table anywhere in ``text``."""
    return "<table" in text.lower() or any(line.lstrip().startswith("|") for line in text.splitlines())


def _text_without_table(path: str | os.PathLike[str]) -> bool:
    """True for a readable text file with no table in its first megabyte (a note, not a form); binary
    content or a file that cannot be opened is read, and its error says what it is."""
    head = _peek(path)
    if head is None or not head.strip():
        return False  # unreadable or empty: reading it gives the error
    try:
        text, _, _ = decode_bytes(head)
    except UnreadableFileError:
        return False
    return not _has_table(text)


def _may_be_a_form(path: str | os.PathLike[str]) -> bool:
    """True when a file without a suffix holds a form format: a zip package or an old Office file, a
    PDF, or text with a table (a workbook or a form saved without its suffix)."""
    head = _peek(path)
    if not head:
        return False
    if head.startswith(_MAGIC) or b"%PDF-" in head[:1024] or xml_kind(head[:XML_PEEK_BYTES]) in OFFICE_XML_KINDS:
        return True
    try:
        text, _, _ = decode_bytes(head)
    except UnreadableFileError:
        return False
    return _has_table(text)


def list_input_files(paths: Paths) -> list[tuple[str, str]]:
    """:func:`iter_input_files` as a list of plain strings: half the memory of ``Path`` objects (which
    keep every path component), which counts at 10^5–10^6 files."""
    return [(os.fspath(path), name) for kind, path, name, _ in _inputs(paths) if kind == "read"]


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


class Batches(_MadeOnAsking[list[tuple[str, str]]]):
    """``files`` in consecutive batches of at most ``size``, each made when asked for, as plain
    strings (cheap to send to another process or machine): at 10^6 files, making every batch at
    once held every file's strings again."""

    __slots__ = ("files", "size")

    def __init__(self, files: Sequence[InputFile], size: int) -> None:
        if size < 1:
            raise ValueError(f"a batch needs at least one file, not {size}")
        self.files, self.size = files, size

    def __len__(self) -> int:
        return -(-len(self.files) // self.size)

    def _item(self, i: int) -> list[tuple[str, str]]:
        start = i * self.size
        return [(os.fspath(path), name) for path, name in self.files[start:start + self.size]]



def batches(files: Sequence[InputFile], size: int = DEFAULT_BATCH_FILES) -> Batches:
    """``files`` cut into consecutive batches of at most ``size`` (see :class:`Batches`)."""
    return Batches(files, size)


def default_batch_files(n_files: int, workers: int) -> int:
    """Batch size for ``n_files`` on ``workers``: at least four batches per worker (so that an uneven
    last batch costs little), at most :data:`DEFAULT_BATCH_FILES` files per batch."""
    if workers <= 1:
        return DEFAULT_BATCH_FILES
    return max(1, min(DEFAULT_BATCH_FILES, -(-n_files // (4 * workers))))
