"""Formats read only through LibreOffice: .doc and .wps (Word 97-2003, WPS Writer), .ods and .odt.

No Python library reads old Word files or OpenDocument forms with their merged cells, so when
LibreOffice's ``soffice`` is on PATH the file is converted (to .docx or .xlsx) and then read by the
docx or xlsx reader; without it the file is an error that says what to install or how to re-save it.

The conversion is kept apart from everything else: the file is copied into a fresh temporary folder,
``soffice --headless --convert-to`` runs there with a throw-away user profile (so no setting, macro
library or recent-file list of a person's own LibreOffice is used or changed) whose configuration sets
the macro security to its highest level and turns off loading linked or remote content and update
checks, so no macro runs and nothing is fetched. The conversion gets at most :data:`CONVERT_SECONDS`
(less when the file's time limit leaves less) and is killed with its whole process group after that.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from budgetlib.extract.document import UnreadableFileError

CONVERT_SECONDS = 25.0
"""Longest a conversion may take; LibreOffice needs 1-3 s to start with a fresh profile."""

_SETTINGS = (  # (configuration path, property, value) in the throw-away profile
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("/org.openoffice.Office.Calc/Content/Update", "Link", "1"),
    ("/org.openoffice.Office.Writer/Content/Update", "Link", "1"),
    ("/org.openoffice.Office.Common/Misc", "UseDocumentOOXMLLockFile", "false"),
    ("/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments",
     "AutoCheckEnabled", "false"),
)
_NAMES = {
    ".doc": "an old Word document (.doc)",
    ".wps": "a WPS document (.wps)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".odt": "an OpenDocument text (.odt)",
}


def soffice() -> str | None:
    """The LibreOffice command on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@dataclass(frozen=True, slots=True)
class Converted:
    """A file LibreOffice turned into a format budgetlib reads: its bytes, that format, and a note for the
    warnings saying it was converted."""

    data: bytes
    kind: str
    suffix: str
    note: str


def convert(data: bytes, kind: str, suffix: str) -> Converted:
    """Convert with LibreOffice to .docx or .xlsx; an error naming what to do without it."""
    spreadsheet = kind == "opendocument" and _is_spreadsheet(data)
    target_suffix = "xlsx" if spreadsheet else "docx"
    target = "xlsx:Calc MS Excel 2007 XML" if spreadsheet else "docx:MS Word 2007 XML"
    name = _NAMES.get(suffix, "an old Word document (.doc)" if kind == "doc" else "an OpenDocument file")
    command = soffice()
    if command is None:
        resave = ".xlsx" if spreadsheet else ".docx"
        raise UnreadableFileError(
            "E_CONVERTER_MISSING",
            f"{name} is read only through LibreOffice, which is not installed here: install LibreOffice "
            f"(soffice on PATH) or open the file in WPS/Office and save it as {resave}"
        )
    converted = _convert(command, data, target, target_suffix)
    note = f"{name} was converted to .{target_suffix} by LibreOffice, then read"
    return Converted(converted, target_suffix, f".{target_suffix}", note)


def _is_spreadsheet(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return b"spreadsheet" in archive.read("mimetype")[:100]
    except Exception:
        return False


def _convert(command: str, data: bytes, target: str, target_suffix: str) -> bytes:
    seconds = CONVERT_SECONDS
    with tempfile.TemporaryDirectory(prefix="budgetlib-convert-") as temp:
        work = Path(temp)
        profile = work / "profile" / "user"
        profile.mkdir(parents=True)
        (profile / "registrymodifications.xcu").write_text(_profile(), encoding="utf-8")
        source = work / "in" / "form.bin"
        source.parent.mkdir()
        source.write_bytes(data)
        out = work / "out"
        arguments = [
            command, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--invisible",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to", target, "--outdir", str(out), str(source),
        ]
        environment = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
        environment.update({"HOME": str(work), "SAL_USE_VCLPLUGIN": "svp"})
        process = subprocess.Popen(
            arguments, cwd=work, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )
        try:
            _, errors = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired as error:
            raise UnreadableFileError(
                "E_CONVERSION_FAILED",
                f"LibreOffice took longer than {seconds:g} s to convert the file; it was stopped"
            ) from error
        finally:  # soffice starts helper processes: end the whole group, whatever happened
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        result = out / f"form.{target_suffix}"
        if not result.exists():
            detail = (errors or b"").decode("utf-8", "replace").strip().splitlines()
            reason = f" ({detail[-1][:200]})" if detail else ""
            raise UnreadableFileError("E_CONVERSION_FAILED",
                                      f"LibreOffice could not convert the file{reason}; it may be damaged")
        return result.read_bytes()


def _profile() -> str:
    """registrymodifications.xcu for the throw-away profile (see :data:`_SETTINGS`)."""
    items = "".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>\n'
        for path, name, value in _SETTINGS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}</oor:items>\n"
    )
