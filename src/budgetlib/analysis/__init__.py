"""Analyses of the tables: year-over-year, review findings, scenarios, unit costs.

They take a :class:`~budgetlib.forms.Forms` (or its tables) and never import a reader.
"""
