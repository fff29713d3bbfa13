"""Reading files and folders of forms into one set of tidy tables.

The modules build on each other in one direction:

* :mod:`budgetlib.read.files`: which files (under the folders given), their source names, batches;
* :mod:`budgetlib.read.batch`: one batch read into finished tables (parse, then the derived tables);
* :mod:`budgetlib.read.local`: many batches on this machine, in this process or a process pool, and
  :func:`read_forms`;
* :mod:`budgetlib.read.cluster`: many batches on a Dask cluster (not imported here: it is for the
  ``[dask]`` extra's users).

>>> from budgetlib.read import read_forms
>>> forms = read_forms(["data/raw"], jobs=2)   # doctest: +SKIP
"""

from budgetlib.read.batch import (
    WORKER_DIED,
    Batch,
    BatchReader,
    DerivationTimeout,
    FileResult,
    build_tables,
    derive_tables,
    forget_cell_texts,
    parse_file,
    prepare_reading_process,
    read_batch,
    release_reading_memory,
)
from budgetlib.read.files import (
    DEFAULT_BATCH_FILES,
    InputFile,
    Listing,
    batches,
    default_batch_files,
    iter_input_files,
    list_input_files,
    list_inputs,
    skip_reason,
    text_name,
)
from budgetlib.read.local import read_batches, read_batches_parallel, read_form, read_forms, read_listing

__all__ = [
    "DEFAULT_BATCH_FILES",
    "WORKER_DIED",
    "Batch",
    "BatchReader",
    "DerivationTimeout",
    "FileResult",
    "InputFile",
    "Listing",
    "batches",
    "build_tables",
    "default_batch_files",
    "derive_tables",
    "forget_cell_texts",
    "iter_input_files",
    "list_input_files",
    "list_inputs",
    "parse_file",
    "prepare_reading_process",
    "read_batch",
    "read_batches",
    "read_batches_parallel",
    "read_form",
    "read_forms",
    "read_listing",
    "release_reading_memory",
    "skip_reason",
    "text_name",
]
