"""The output folder (``--out``) of ``budgetlib parse`` and ``budgetlib report``: checked, locked,
written aside, then published whole.

What it guarantees, and how:

* **A bad folder is refused before any work**: a file, a name that is not UTF-8, a folder that cannot
  be created or written in is an :class:`OutputFolderError` (one line; the commands exit 2).
* **One run at a time.** A run holds an exclusive lock on ``DIR/.budgetlib.lock`` (``flock``) from
  start to end; a second run into the same folder is refused at once, naming the holder. The kernel
  drops the lock of a process that dies, however it dies (the processes a run forks close their copy,
  so a worker that outlives a killed run does not keep it), so the lock of a killed run is taken over
  by the next one; the file is removed when the run ends.
* **All or nothing.** A run writes into a staging folder beside ``DIR`` (``.DIR.budgetlib-partial-…``,
  on the same file system; inside ``DIR`` when the parent cannot be written or is another file
  system), never into ``DIR`` itself. Only when every output is complete is the manifest
  (:data:`MANIFEST_FILE`) written there, and that is the moment the run counts as done. Then the
  outputs are moved into ``DIR`` by renames: the old manifest goes first, each output replaces its
  predecessor (a file by one atomic ``rename``; a folder of Parquet parts by two), the outputs of the
  previous run that this one no longer writes are taken away, and the new manifest comes last. So
  ``DIR`` always holds the previous run's outputs, or this run's, with its manifest beside them; in the
  milliseconds of the moves it holds no manifest. A run that fails or is killed before its manifest
  leaves ``DIR`` as it was, and the next run removes its staging folder; a run killed during the moves
  is finished by the next run into ``DIR`` (the staging folder holds its manifest, so the moves are
  done again, each one skipped if done).
* **Nothing written outside ``DIR``, nothing of yours deleted.** Files are written only into the
  staging folder, which this run created; a symbolic link in ``DIR`` where an output goes (planted or
  not) is replaced by the output, never written through, and its target is left alone. Only the
  outputs this run writes and those the previous manifest lists are ever replaced or removed:
  anything else in ``DIR`` stays. A folder budgetlib replaces as a whole (a table's Parquet parts)
  that holds files budgetlib did not write is refused before the run starts.

Not covered: the loss of power or of the machine (files are flushed before the manifest is written,
but a file system may still lose recent renames), and another program writing into ``DIR`` meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import secrets
import shutil
import socket
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from budgetlib.display import visible

log = logging.getLogger(__name__)

__all__ = [
    "LOCK_FILE",
    "MANIFEST_FILE",
    "MANIFEST_FORMAT",
    "OutputFolderError",
    "OutputRun",
    "check_output_folder",
    "file_record",
    "input_digest",
    "lock_output_folder",
    "now",
    "output_run",
    "publish",
    "read_manifest",
    "real_file",
    "recover",
]

MANIFEST_FILE = "budgetlib-manifest.json"
"""The manifest of the last completed run, in the output folder: written last (see the module)."""

MANIFEST_FORMAT = "budgetlib-manifest/1"
"""The ``format`` field of a manifest: its layout's name and version."""

LOCK_FILE = ".budgetlib.lock"
"""Held (``flock``) by the run writing into the folder; says which process that is."""

_STAGING_MARK = "budgetlib-partial-"
_PROBE_MARK = ".budgetlib-probe-"
_TRASH = ".replaced"
_PREVIOUS_MANIFEST = ".previous-manifest.json"
_PART_PREFIX, _PART_SUFFIX = "part-", ".parquet"


class OutputFolderError(Exception):
    """The output folder cannot be used (a bad ``--out``, a lock held by another run, files in the way).

    Its message is one line, for the user; the commands print it and exit with status 2.
    """


# ----------------------------------------------------------------------------------------------
# checking the folder


def check_output_folder(out: str | os.PathLike[str]) -> Path:
    """``out`` as a real, absolute folder that exists and can be written in (created if missing).

    Refused (:class:`OutputFolderError`): a name that is not valid UTF-8 (it could not be printed nor
    kept in the manifest), an existing file, a folder that cannot be created, one that cannot be
    written in. A symbolic link given as ``out`` itself is followed: naming it is the user's choice.
    """
    given = os.fspath(out)
    shown = visible(given)
    if isinstance(given, bytes):
        raise OutputFolderError(f"--out {shown}: give the folder as text")
    try:
        given.encode("utf-8")
    except UnicodeEncodeError:
        raise OutputFolderError(f"--out {shown}: the name is not valid UTF-8; choose a UTF-8 name") from None
    path = Path(given).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"--out {shown}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"--out {shown}: cannot create the folder ({_reason(exc)})") from None
    real = path.resolve()
    probe = real / f"{_PROBE_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise OutputFolderError(f"--out {shown}: cannot write in the folder ({_reason(exc)})") from None
    return real


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


# ----------------------------------------------------------------------------------------------
# the lock


_held_locks: set[int] = set()
"""Descriptors of the locks this process holds. A forked child (a worker of ``--jobs N``, a report's
process) closes its copies at once: an ``flock`` lives as long as any copy of its descriptor, and a
child left running after its parent was killed must not keep the next run out."""


def _drop_inherited_locks() -> None:
    for fd in _held_locks:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held_locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


@contextmanager
def lock_output_folder(folder: Path, command: str) -> Iterator[None]:
    """Hold the folder's lock for the block; :class:`OutputFolderError` at once when another run
    holds it. The lock of a process that died is free again (the kernel releases it), so it is taken
    over without further ado."""
    import fcntl

    path = folder / LOCK_FILE
    while True:
        fd = _open_lock_file(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_small(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES, errno.EAGAIN):
                who = f" ({visible(holder)})" if holder else ""
                raise OutputFolderError(f"{visible(folder)} is in use by another budgetlib run{who}; wait for it "
                                        "to finish or choose another --out") from None
            raise OutputFolderError(f"{visible(folder)}: cannot lock the folder ({_reason(exc)})") from None
        if _same_file(fd, path):  # not a lock file its last holder removed while we opened it
            break
        os.close(fd)
    try:
        previous = _read_small(fd)
        if previous:
            log.info("taking over the lock of a run that ended without releasing it (%s)", previous)
        started = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
        note = f"process {os.getpid()} on {socket.gethostname()}, budgetlib {command}, since {started}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, note.encode("utf-8", "backslashreplace"), 0)
        _held_locks.add(fd)
        yield
    finally:
        _held_locks.discard(fd)
        with contextlib.suppress(OSError):
            if _same_file(fd, path):
                path.unlink()
        os.close(fd)  # releases the lock


def _open_lock_file(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise OutputFolderError(f"{visible(path)}: cannot open the lock ({_reason(exc)})") from None
    path.unlink()  # a symbolic link where the lock goes: replaced, never followed
    return os.open(path, flags, 0o644)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _read_small(fd: int) -> str:
    return os.pread(fd, 500, 0).decode("utf-8", "replace").strip()


# ----------------------------------------------------------------------------------------------
# a run


@dataclass
class OutputRun:
    """A run writing into ``out``: its staging folder, the manifest found there, when it started."""

    out: Path
    """The real output folder."""
    staging: Path
    """Where this run writes; published into :attr:`out` by :func:`publish`."""
    command: str
    started: str
    previous: dict[str, Any] | None = None
    """The manifest of the last completed run in :attr:`out` (None: none, or unreadable)."""
    published: dict[str, Any] | None = field(default=None)
    """This run's manifest, once published."""


@contextmanager
def output_run(out: str | os.PathLike[str], command: str,
               replaces: Sequence[str] = ()) -> Iterator[OutputRun]:
    """Check and lock ``out``, finish or clear what a killed run left, and give a fresh staging folder.

    ``replaces``: the names of outputs this run may replace as a whole folder (a table's parts); one
    that holds files budgetlib did not write is refused now, before any work. The staging folder is
    removed when the block ends without :func:`publish` (a failure); the lock is released either way.
    """
    folder = check_output_folder(out)
    with lock_output_folder(folder, command):
        recover(folder)
        previous = read_manifest(folder)
        _refuse_foreign_files(folder, previous, replaces)
        staging = _new_staging(folder)
        started = now()
        run = OutputRun(folder, staging, command, started, previous)
        try:
            yield run
        finally:
            if real_file(staging / MANIFEST_FILE):  # complete, but its moves failed: the next run finishes them
                log.error("the outputs in %s are complete but could not all be moved into %s; the next run into "
                          "it will finish the moves", visible(staging), visible(folder))
            else:
                _remove_tree(staging)


def now() -> str:
    """The time now, as the manifest writes it (UTC, ISO 8601, milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _staging_places(folder: Path) -> list[tuple[Path, str]]:
    """Where staging folders of ``folder`` live: beside it (preferred), or inside it."""
    return [(folder.parent, f".{folder.name}.{_STAGING_MARK}"), (folder, f".{_STAGING_MARK}")]


def _new_staging(folder: Path) -> Path:
    """A fresh, private folder on the file system of ``folder``: beside it when the parent can be
    written in and is the same file system (renames are atomic only within one), else inside it."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    for parent, prefix in _staging_places(folder):
        candidate = parent / f"{prefix}{token}"
        try:
            if parent != folder and os.stat(parent).st_dev != os.stat(folder).st_dev:
                continue
            candidate.mkdir(mode=0o755)
        except OSError:
            continue
        return candidate
    raise OutputFolderError(f"{visible(folder)}: cannot create a staging folder in or beside it")


def recover(folder: Path) -> None:
    """Finish what a killed run into ``folder`` left (call with the lock held): a staging folder that
    holds its manifest was complete and is published; any other is removed (its run never finished,
    and ``folder`` was not touched)."""
    for parent, prefix in _staging_places(folder):
        try:
            leftovers = sorted(p for p in parent.iterdir() if p.name.startswith(prefix) and _is_real_dir(p))
        except OSError:
            continue
        for staging in leftovers:
            if real_file(staging / MANIFEST_FILE):
                log.warning("finishing the publication of a run into %s that was interrupted", visible(folder))
                _move_into_place(staging, folder)
            else:
                log.info("removing the staging folder of a run that did not finish: %s", visible(staging))
            _remove_tree(staging)
    for probe in folder.glob(f"{_PROBE_MARK}*"):  # the empty folder a killed run made to test the folder
        with contextlib.suppress(OSError):
            probe.rmdir()


def _remove_tree(path: Path) -> None:
    """Remove a staging folder (never follows a link: ``rmtree`` unlinks them)."""
    if _is_real_dir(path):
        shutil.rmtree(path, ignore_errors=True)


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def real_file(path: Path, root: Path | None = None) -> bool:
    """Whether ``path`` is a regular file reached without any symbolic link (below ``root``, when
    given): what budgetlib counts as its output being there."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
    except OSError:
        return False
    if root is None:
        return True
    parent = path.parent
    while parent != root:
        if not _is_real_dir(parent) or parent == parent.parent:
            return False
        parent = parent.parent
    return True


# ----------------------------------------------------------------------------------------------
# describing files and inputs


def file_record(path: Path, root: Path, **extra: Any) -> dict[str, Any]:
    """A manifest entry for one written file: its path under ``root``, size and SHA-256. The file is
    flushed to disk on the way (it is being read anyway), so that a manifest never lists a file that a
    crash of the machine could still empty."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
        with contextlib.suppress(OSError):
            os.fsync(handle.fileno())
    return {"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size,
            "sha256": digest.hexdigest(), **extra}


def files_under(root: Path, below: Path | None = None) -> list[dict[str, Any]]:
    """Manifest entries for every regular file under ``below`` (default ``root``), paths relative to
    ``root``, sorted."""
    start = below or root
    return [file_record(p, root) for p in sorted(start.rglob("*")) if real_file(p)]


def input_digest(files: Iterable[tuple[str | os.PathLike[str], str]], *, content: bool = False) -> str:
    """A digest of the input files: each one's source name and size, and its content (``content``)
    or its modification time. Equal digests mean the same inputs (by content, or as far as the file
    system's times tell)."""
    digest = hashlib.sha256()
    for path, name in files:
        try:
            info = os.stat(path)
        except OSError:
            digest.update(f"{name}\0missing\n".encode("utf-8", "backslashreplace"))
            continue
        mark = _content_digest(Path(path)) if content else str(info.st_mtime_ns)
        digest.update(f"{name}\0{info.st_size}\0{mark}\n".encode("utf-8", "backslashreplace"))
    return f"sha256:{digest.hexdigest()}"


def _content_digest(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable:{exc.errno}"


def budgetlib_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("budgetlib")
    except PackageNotFoundError:  # pragma: no cover - running from a copy of the sources
        return "unknown"


# ----------------------------------------------------------------------------------------------
# the manifest


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest in ``folder`` (None when there is none, it is a link, or it is not a manifest)."""
    return _load_manifest(folder / MANIFEST_FILE)


def _load_manifest(path: Path) -> dict[str, Any] | None:
    if not real_file(path):
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("ignoring %s: not a readable manifest", visible(path))
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    return data


def manifest_paths(manifest: Mapping[str, Any] | None) -> list[str]:
    """The paths (relative to the folder) of the outputs a manifest lists."""
    if not manifest:
        return []
    return [str(entry["path"]) for entry in manifest.get("outputs", []) if isinstance(entry, dict) and "path" in entry]


def _units(paths: Iterable[str]) -> list[str]:
    """What is moved into place as one piece: a file, or a whole folder of Parquet parts
    (``projects.parquet/part-000001.parquet`` moves with its folder ``projects.parquet``)."""
    units: dict[str, None] = {}
    for path in paths:
        head, _, rest = path.partition("/")
        if rest and head.endswith(".parquet") and "/" not in rest:
            units[head] = None
        else:
            units[path] = None
    return list(units)


def _refuse_foreign_files(folder: Path, previous: Mapping[str, Any] | None, replaces: Sequence[str]) -> None:
    """Refuse to start when a folder this run would replace whole holds files budgetlib did not write."""
    known = set(manifest_paths(previous))
    candidates = set(replaces) | {unit for unit in _units(known) if unit not in known}
    for name in sorted(candidates):
        target = folder / name
        if not _is_real_dir(target):
            continue
        foreign = [p.relative_to(folder).as_posix() for p in sorted(target.rglob("*"))
                   if not p.is_dir() or p.is_symlink()]
        foreign = [p for p in foreign if p not in known and not _looks_like_a_part(folder / p)]
        if foreign:
            shown = ", ".join(visible(p) for p in foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                                                  else "")
            raise OutputFolderError(f"{visible(target)} holds files budgetlib did not write ({shown}); move them "
                                    "elsewhere, then run again")


def _looks_like_a_part(path: Path) -> bool:
    """A regular file ``<table>.parquet/part-N.parquet`` counts as budgetlib's, manifest or not (as a
    file ``projects.parquet`` does): a folder written before there were manifests."""
    return (path.parent.name.endswith(_PART_SUFFIX) and path.name.startswith(_PART_PREFIX)
            and path.name.endswith(_PART_SUFFIX) and real_file(path))


def publish(run: OutputRun, manifest: dict[str, Any]) -> dict[str, Any]:
    """Make the run's outputs the folder's: write the manifest in the staging folder (the run is then
    complete), move every output it lists into place, and the manifest last.

    ``manifest`` must list the outputs (``outputs``: entries with a ``path``) — those in the staging
    folder are moved; those already in the folder (kept from an earlier run) stay. The fields
    ``format``, ``command``, ``budgetlib_version``, ``started`` and ``finished`` are filled in here.
    """
    complete = {
        "format": MANIFEST_FORMAT,
        "command": run.command,
        "budgetlib_version": budgetlib_version(),
        "started": run.started,
        "finished": now(),
        **manifest,
    }
    _write_json(run.staging / MANIFEST_FILE, complete)
    _move_into_place(run.staging, run.out)
    _remove_tree(run.staging)
    run.published = complete
    return complete


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``path`` whole: to a temporary name, flushed, then renamed."""
    text = json.dumps(data, ensure_ascii=False, indent=1, default=str)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(text.encode("utf-8", "backslashreplace"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_into_place(staging: Path, folder: Path) -> None:
    """The moves of :func:`publish`, each skipped when already done (so that a run killed halfway
    through is finished by doing them again)."""
    trash = staging / _TRASH
    manifest = _load_manifest(staging / MANIFEST_FILE)
    if manifest is None:  # pragma: no cover - publish wrote it, recover checked it
        raise OutputFolderError(f"{visible(staging)}: its manifest is missing")
    kept_aside = staging / _PREVIOUS_MANIFEST
    old = read_manifest(folder) or _load_manifest(kept_aside)
    if os.path.lexists(folder / MANIFEST_FILE):  # first of all: no manifest while the outputs change
        if os.path.lexists(kept_aside):
            _to_trash(folder, MANIFEST_FILE, trash)
        else:
            os.rename(folder / MANIFEST_FILE, kept_aside)
    new_units = _units(manifest_paths(manifest))
    for unit in new_units:
        if os.path.lexists(staging / unit):
            _place(staging / unit, folder, unit, trash)
    keep = set(new_units)
    for unit in _units(manifest_paths(old)):
        if unit not in keep and not any(unit.startswith(k + "/") for k in keep) and os.path.lexists(folder / unit):
            _to_trash(folder, unit, trash)
    _sync_folder(folder)
    os.replace(staging / MANIFEST_FILE, folder / MANIFEST_FILE)
    _sync_folder(folder)


def _place(source: Path, folder: Path, unit: str, trash: Path) -> None:
    """Move ``source`` to ``folder/unit``, replacing what is there; never through a link."""
    target = folder / unit
    _real_parents(folder, unit, trash)
    if _is_real_dir(source) or _is_real_dir(target):
        if os.path.lexists(target):
            _to_trash(folder, unit, trash)
        os.rename(source, target)
    else:
        os.replace(source, target)  # atomic; a link at target is replaced, not followed


def _real_parents(folder: Path, unit: str, trash: Path) -> None:
    """Make every folder between ``folder`` and ``folder/unit`` a real folder: a link or a file in
    the way is moved aside (never followed)."""
    parts = unit.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        relative = "/".join(parts[:depth])
        path = folder / relative
        if _is_real_dir(path):
            continue
        if os.path.lexists(path):
            _to_trash(folder, relative, trash)
        path.mkdir()


def _to_trash(folder: Path, relative: str, trash: Path) -> None:
    """Move ``folder/relative`` into the staging folder's trash, which goes with the staging folder.
    Under a fresh name each time, so that nothing is ever moved into (or through) what was moved
    there before."""
    trash.mkdir(exist_ok=True)
    destination = trash / f"{secrets.token_hex(8)}-{Path(relative).name}"
    os.rename(folder / relative, destination)
