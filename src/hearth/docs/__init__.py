"""``hearth docs``: the architecture document regenerated from the catalog, the rendered build and its audit.

The pipeline stage after verify: :func:`generate` takes a loaded catalog and a build directory ``hearth render``
wrote from it, audits that build (:func:`hearth.verify.report.run_check`), computes the document's facts
(:mod:`hearth.docs.facts`) and returns two files: ``architecture.md``, the seed document's structure with every
table, figure and status computed and its diagrams as Mermaid (:mod:`hearth.docs.document`), and ``index.html``,
one self-contained page (inline CSS and SVG, no script, nothing fetched) carrying the document and the full audit
with pictures: capacity per node as bars, the reachability matrix as heat maps, the dependency graph by waves
(:mod:`hearth.docs.page`).
"""

from __future__ import annotations

from pathlib import Path

from hearth.catalog.models import Catalog
from hearth.docs.document import markdown
from hearth.docs.facts import Facts, gather
from hearth.docs.page import html
from hearth.resolve import resolve
from hearth.verify.build.audit import load_build
from hearth.verify.report import run_check

__all__ = ["MARKDOWN", "PAGE", "Facts", "facts_of", "generate"]

MARKDOWN = "architecture.md"
PAGE = "index.html"


def facts_of(catalog: Catalog, build_dir: Path) -> Facts:
    """Audit ``build_dir`` (rendered from ``catalog``) and compute everything the document states."""
    report = run_check(build_dir)
    return gather(catalog, resolve(catalog), load_build(build_dir), report)


def generate(catalog: Catalog, build_dir: Path) -> dict[str, str]:
    """The document's files, {name: text}: the Markdown and the HTML page (the build must still exist)."""
    facts = facts_of(catalog, build_dir)
    text = markdown(facts)
    return {MARKDOWN: text, PAGE: html(facts, text)}
