"""``hearth render`` and ``hearth build``: catalog in, build directory out.

The stages are plain functions (resolve, render, package, write) so the CLI only loads, reports progress and
prints; ``render_files`` is the whole pipeline up to the files, which the tests and the benchmark call directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hearth.catalog.loader import default_catalog_dir
from hearth.catalog.models import Catalog
from hearth.commands import DEFAULT_BUILD
from hearth.commands.terminal import Voice, load, out, user_errors
from hearth.render.package.files import package
from hearth.render.package.write import refuse_overlap, write_tree
from hearth.render.platform import render_platform
from hearth.resolve import resolve

Progress = Callable[[str], None]
DEFAULT_OUT = DEFAULT_BUILD


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class RenderSummary:
    """What a render wrote: counts for the one-line summary."""

    out: Path
    charts: int
    upstream: int
    manifest_files: int
    objects: int
    files: int

    def line(self) -> str:
        """The one-line summary ``hearth render`` prints."""
        return (
            f"rendered {self.charts} charts ({self.upstream} upstream releases), {self.manifest_files} manifest "
            f"files with {self.objects} objects, {self.files} files in total to {self.out}"
        )


@dataclass(frozen=True)
class Rendered:
    """The files of a render, and the counts to report about them."""

    files: dict[str, str]
    charts: int
    upstream: int
    objects: int


def render_files(catalog: Catalog, progress: Progress = _quiet) -> Rendered:
    """Resolve, render and package a loaded catalog: every file of the build, {relative path: text}."""
    progress("resolve: pods, flows and grants")
    resolved = resolve(catalog)
    progress("render: charts, upstream releases and cluster descriptions")
    rendered = render_platform(resolved)
    progress("package: charts, manifests, values and helmfile.yaml")
    files = package(rendered, resolved)
    return Rendered(files, len(rendered.charts), len(rendered.upstream), len(rendered.all_manifests()))


def write_build(files: Mapping[str, str], out: Path, progress: Progress = _quiet) -> None:
    """Replace ``out`` with ``files`` atomically (see ``hearth.render.package.write.write_tree``)."""
    progress(f"write: {len(files)} files to {out}")
    write_tree(files, out)


def render(catalog: Catalog, out: Path, progress: Progress = _quiet, source: Path | None = None) -> RenderSummary:
    """The ``hearth render`` pipeline over a loaded catalog: resolve, render, package, write ``out``.

    ``source`` is the catalog's directory: a build inside it, or around it, is refused before rendering."""
    if source is not None:
        refuse_overlap(out, source)
    result = render_files(catalog, progress)
    write_build(result.files, out, progress)
    return RenderSummary(
        out=out,
        charts=result.charts,
        upstream=result.upstream,
        manifest_files=sum(1 for path in result.files if path.startswith("manifests/")),
        objects=result.objects,
        files=len(result.files),
    )


def render_command(platform: Path | None, out_dir: Path, voice: Voice) -> None:
    """``hearth render``: load, render to ``out_dir`` with a line per stage, print the summary."""
    voice.stage("load: catalog")
    catalog = load(platform)
    with user_errors():
        summary = render(catalog, out_dir, voice.stage, source=platform or default_catalog_dir())
    voice.done()
    out().print(summary.line())
