"""``budgetlib dictionary``: print the data dictionary (markdown) generated from the schema."""

from __future__ import annotations

import argparse

from budgetlib.schema import data_dictionary


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("dictionary", help="print the data dictionary as markdown")
    parser.set_defaults(handler=lambda args: print(data_dictionary()) or 0)
