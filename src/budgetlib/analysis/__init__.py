"""Analyses of the parsed tables: cost basis, year-over-year, review findings, scenarios, unit costs."""
