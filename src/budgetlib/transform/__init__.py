"""Transform stage: from a read document to the rows of budgetlib's tables.

The modules, each importing only modules listed above it:

- ``normalize``: matching keys of labels (NFKC, no spacing, numbering, stamps or points).
- ``numbers``: Arabic and Chinese numerals, points ("10分"), percentages and rates.
- ``amounts``: money as written → 元, with the unit from the cell or its block (``data/money_units.csv``).
- ``targets``: targets and actuals → comparator, number, unit, kind or period (``data/comparators.csv``).
- ``labels``: the label vocabularies, indicator levels and their canonical names (``data/labels.csv`` …).
- ``context``: the form being read: claimed cells, records, cell helpers, the indicator layout carried on.
- ``blocks``: where a block starts and ends (heading rows, section labels), and what its lines are.
- ``money``: the money blocks: funding sources, project funds, budget execution, expenditures.
- ``indicator_table``: the indicator table: levels, targets, actuals, weights, scores, totals.
- ``form``: one form's passes: text lines, blocks, label/value pairs, the project row, budget history.
- ``assemble``: a document → its forms → the records of every table, with ``unparsed`` and ``provenance``.
"""
