"""``hearth docs``: render the catalog into a temporary build, audit it, and write the document from both.

The build is rendered afresh so the document, the audit and the catalog always describe the same platform; the
temporary directory is gone when the command returns, and nothing written names it. The output directory is
replaced as a whole, atomically (``hearth.render.package.write.write_tree``), and only when it is empty or a
previous output of hearth.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hearth.catalog.models import Catalog
from hearth.commands.render import Progress, render
from hearth.docs import generate
from hearth.render.package.write import refuse_overlap, write_tree

__all__ = ["DEFAULT_DOCS", "docs"]

# Not under build/: hearth check holds build/ to the index hearth render wrote, so a file added there would make
# the build fail its own audit; and the next render would replace it with the rest of the build.
DEFAULT_DOCS = Path("docs-out")


def docs(catalog: Catalog, out: Path, progress: Progress, source: Path | None = None) -> dict[str, str]:
    """Render, audit and document ``catalog``; write the files to ``out`` and return them ({name: text})."""
    if source is not None:
        refuse_overlap(out, source)
    with tempfile.TemporaryDirectory(prefix="hearth-docs-") as tmp:
        build = Path(tmp) / "build"
        render(catalog, build, lambda line: progress(line.replace(str(build), "a temporary build directory")))
        progress("check: the audit the document reports")
        progress("docs: architecture.md and index.html")
        files = generate(catalog, build)
    progress(f"write: {len(files)} files to {out}")
    write_tree(files, out)
    return files
