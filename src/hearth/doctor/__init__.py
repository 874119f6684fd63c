"""``hearth doctor``: what each stage needs on this machine, and what in the catalog is deprecated or skewed."""
