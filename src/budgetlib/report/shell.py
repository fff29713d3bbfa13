"""An IPython shell that records what cells produce as notebook outputs, without a kernel.

A Jupyter kernel is an IPython ``InteractiveShell`` behind ZeroMQ: its display publisher, display
hook, streams and traceback printer turn results into messages, and a client (nbclient) turns the
messages into nbformat outputs. For a batch of reports the messaging costs more than the reports'
own work (0.7 s to start a kernel, then importing pandas and matplotlib again in every kernel), so
this shell does the same turning in-process: ``display_data``, ``execute_result`` (with the
execution count), ``stream`` (stdout/stderr, consecutive writes merged as Jupyter does) and ``error``
outputs (ename, evalue, the same structured traceback a kernel sends).

Cells run with IPython's own machinery (``run_cell``), so magics, ``display()``, rich reprs of
DataFrames and ``%matplotlib inline`` behave as in JupyterLab. Isolation between reports is not
this module's job: :mod:`budgetlib.report.engine` runs each notebook in a forked child of a process
in which no report code has run, so every report starts from the same fresh namespace.
"""

from __future__ import annotations

import base64
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

Output = dict[str, Any]

_BINARY_MIME_PREFIXES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    """Mime bundle → nbformat form: binary payloads as base64 text (what a kernel's JSON carries)."""
    clean: dict[str, Any] = {}
    for mime, value in data.items():
        if isinstance(value, (bytes, bytearray)):
            value = base64.b64encode(value).decode("ascii") if mime.startswith(_BINARY_MIME_PREFIXES) else (
                bytes(value).decode("utf-8", "replace"))
        clean[mime] = value
    return clean


class OutputSink:
    """The outputs of the cell being run, in the order they were produced."""

    def __init__(self) -> None:
        self.outputs: list[Output] = []

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def display(self, data: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        self.outputs.append({"output_type": "display_data", "data": _clean_data(data), "metadata": metadata or {}})

    def result(self, count: int, data: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        self.outputs.append({"output_type": "execute_result", "execution_count": count,
                             "data": _clean_data(data), "metadata": metadata or {}})

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        self.outputs.append({"output_type": "error", "ename": ename, "evalue": evalue, "traceback": list(traceback)})

    def clear(self) -> None:
        self.outputs.clear()


class SinkStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` replacement writing ``stream`` outputs into the sink."""

    def __init__(self, shell: RecordingShell, name: str) -> None:
        super().__init__()
        self._shell = shell
        self.name = name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._shell.sink.stream(self.name, text)
        return len(text)


class RecordingDisplayPublisher(DisplayPublisher):
    """``display()`` → ``display_data`` output; ``clear_output()`` clears the cell's outputs."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        if update:
            return  # updating an earlier display in place has no meaning in a saved notebook
        self.shell.sink.display(data, metadata)

    def clear_output(self, wait: bool = False) -> None:
        self.shell.sink.clear()


class RecordingDisplayHook(DisplayHook):
    """A cell's last expression → ``execute_result`` output carrying the execution count."""

    def start_displayhook(self) -> None:
        pass

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.shell.sink.result(self.prompt_count, format_dict, md_dict)  # type: ignore[union-attr]  # made by its shell

    def finish_displayhook(self) -> None:
        pass


class RecordingShell(InteractiveShell):
    """InteractiveShell whose outputs land in :attr:`sink` as nbformat outputs."""

    display_pub_class = RecordingDisplayPublisher
    displayhook_class = RecordingDisplayHook

    def __init__(self, **kwargs: Any) -> None:
        self.sink = OutputSink()
        super().__init__(**kwargs)

    def enable_gui(self, gui: str | None = None) -> None:
        """Only the inline backend exists here: there is no event loop to hook a GUI into."""
        if gui not in (None, "inline"):
            raise RuntimeError(f"GUI event loop {gui!r} is not available when rendering a report")

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.sink.error(str(etype.__name__), str(evalue), stb)

    def run_recorded(self, source: str) -> tuple[list[Output], int, bool]:
        """Run one cell: its outputs, its execution count and whether it raised."""
        self.sink = OutputSink()
        count = self.execution_count
        with self._captured_streams():
            result = self.run_cell(source, store_history=True)
        failed = not result.success
        return self.sink.outputs, count, failed

    @contextmanager
    def _captured_streams(self) -> Iterator[None]:
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = SinkStream(self, "stdout"), SinkStream(self, "stderr")
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved


def new_shell() -> RecordingShell:
    """A recording shell with the settings of a Jupyter kernel: no history file; pyplot figures, if a
    notebook imports pyplot, shown inline (the backend is selected in :func:`engine.prewarm` and
    hooks itself into the shell when pyplot is imported, as in ipykernel)."""
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Context"
    return RecordingShell.instance(config=config)
