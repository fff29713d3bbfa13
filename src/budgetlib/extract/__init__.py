"""Extract stage: read a file as it is into a :class:`~budgetlib.extract.document.Document`.

Every reader (markdown, HTML, xlsx) produces the same model: text lines and tables of cleaned cell
strings with provenance, so that the transform stage is written once for all formats.
"""

from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.extract.load import load_document

__all__ = ["Document", "Table", "TextLine", "load_document"]
