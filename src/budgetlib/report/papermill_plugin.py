"""budgetlib's papermill plugin: the ``budgetlib`` engine and a translator that keeps parameters values.

Papermill loads its ``papermill.engine`` entry points while ``papermill.engines`` is itself being
imported, so the entry point (:class:`BudgetlibEngine`) must not import papermill at module level:
whichever of the two is imported first, the other must find complete modules. The papermill
classes are therefore built on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from budgetlib.report.engine import run_forked

ENGINE_NAME = "budgetlib"
KERNEL_NAME = "budgetlib"
"""Kernel name of the project's notebooks (``python -m ipykernel install --name budgetlib``)."""


def translate_str(value: str) -> str:
    """A string parameter as a Python literal: ``repr``.

    ``repr`` of a ``str`` is always a string literal that evaluates to the same text, so a project
    name with quotes, backslashes, newlines or code in it stays a value; unlike papermill's default
    ``unicode_escape`` it keeps Chinese readable in the injected cell (the audit log).
    """
    return repr(str(value))


@cache
def value_translator() -> type:
    """papermill's Python translator with :func:`translate_str` for strings."""
    from papermill.translators import PythonTranslator

    return type("ValueTranslator", (PythonTranslator,), {"translate_str": classmethod(lambda cls, v: translate_str(v))})


@cache
def _engine() -> Any:  # a subclass of papermill's Engine, made on first use
    from papermill.engines import Engine

    class ForkedEngine(Engine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man: Any, kernel_name: str, execution_timeout: float | None = None, **kwargs: Any
        ) -> None:
            run_forked(nb_man, execution_timeout=execution_timeout)

    return ForkedEngine


class BudgetlibEngine:
    """Papermill engine ``budgetlib``: cells run in a forked child of a pre-warmed process (see
    :mod:`budgetlib.report.engine`). Delegates to a subclass of papermill's ``Engine`` built on first
    use; asking it for the kernel name (papermill does, before injecting parameters) also registers
    the value translator."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, **kwargs: Any) -> Any:
        return _engine().execute_notebook(nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb: Any, name: str | None = None) -> str:
        _register_translator()
        return _engine().nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb: Any, language: str | None = None) -> str:
        return _engine().nb_language(nb, language)


def _register_translator() -> None:
    from papermill.translators import papermill_translators

    papermill_translators.register(KERNEL_NAME, value_translator())


def register() -> None:
    """Make the engine and the value translator known to papermill (idempotent)."""
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, BudgetlibEngine)
    _register_translator()
