"""The command bodies behind ``hearth.cli``: each loads, calls the library and prints; the CLI only declares options.

The default directories live here, where the CLI's option declarations read them without importing a pipeline.
"""

from pathlib import Path

#: Where ``hearth render`` and ``hearth build`` write, and what ``hearth check --build`` reads, by default.
DEFAULT_BUILD = Path("build")
#: Where ``hearth docs`` writes. Not under build/: hearth check holds build/ to the index hearth render wrote, so a
#: file added there would make the build fail its own audit; and the next render would replace it with the rest.
DEFAULT_DOCS = Path("docs-out")
