"""``hearth docs``: audit the catalog's rendered build and write the document from the catalog, the build and the
audit.

Without ``--build`` the catalog is rendered into a temporary directory, gone when the command returns (nothing
written or printed names it). With ``--build DIR`` an existing build is documented, but only when it is exactly
what the catalog renders (every file, byte for byte), so the document, the audit and the catalog always describe
the same platform. The output directory is replaced as a whole, atomically
(``hearth.render.package.write.write_tree``), and only when it is empty or a previous output of hearth.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hearth.buildindex import INDEX, MARKER
from hearth.catalog.loader import default_catalog_dir
from hearth.catalog.models import Catalog
from hearth.commands import DEFAULT_DOCS
from hearth.commands.render import Progress, render, render_files
from hearth.commands.terminal import Voice, load, out, user_errors
from hearth.docs import generate
from hearth.render.package.write import refuse_overlap, refuse_unreplaceable, write_tree

__all__ = ["DEFAULT_DOCS", "docs", "require_render_of"]


def require_render_of(catalog: Catalog, build: Path) -> None:
    """Raise ``ValueError`` (one line) unless ``build`` holds exactly the files ``catalog`` renders to."""
    if not build.is_dir():
        raise ValueError(f"{build}: not a directory (a build hearth render wrote)")
    expected = render_files(catalog).files
    present = {
        path.relative_to(build).as_posix()
        for path in build.rglob("*")
        if path.is_file() and path.name not in (INDEX, MARKER)
    }
    differ = sorted(rel for rel in present | expected.keys() if rel not in expected or rel not in present) or sorted(
        rel for rel, text in expected.items() if (build / rel).read_bytes() != text.encode("utf-8")
    )
    if differ:
        raise ValueError(
            f"{build}: not the render of this catalog ({len(differ)} files differ, first {differ[0]}): "
            "run hearth render again, or drop --build"
        )


def docs(
    catalog: Catalog, out: Path, progress: Progress, source: Path | None = None, build: Path | None = None
) -> dict[str, str]:
    """Audit and document ``catalog`` (its render in ``build``, else a fresh one); write the files to ``out``."""
    if source is not None:
        refuse_overlap(out, source)
    refuse_unreplaceable(out)
    if build is not None:
        progress(f"compare: {build} with the catalog's render")
        require_render_of(catalog, build)
        progress("check and docs: architecture.md and index.html")
        files = generate(catalog, build)
    else:
        with tempfile.TemporaryDirectory(prefix="hearth-docs-") as tmp:
            where = Path(tmp) / "build"
            render(catalog, where, lambda line: progress(line.replace(str(where), "a temporary build directory")))
            progress("check and docs: architecture.md and index.html")
            files = generate(catalog, where)
    progress(f"write: {len(files)} files to {out}")
    write_tree(files, out)
    return files


def docs_command(platform: Path | None, out_dir: Path, build: Path | None, voice: Voice) -> None:
    """``hearth docs``: write the document to ``out_dir`` and name the files written."""
    voice.stage("load: catalog")
    catalog = load(platform)
    with user_errors():
        files = docs(catalog, out_dir, voice.stage, source=platform or default_catalog_dir(), build=build)
    voice.done()
    names = ", ".join(f"{name} ({len(text.encode())} bytes)" for name, text in sorted(files.items()))
    out().print(f"wrote {names} to {out_dir}", markup=False)
