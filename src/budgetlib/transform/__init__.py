"""Transform stage: from a read document to the rows of budgetlib's tables."""
