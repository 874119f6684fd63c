"""The auditor reads rendered output only: no module of ``hearth.verify`` imports the catalog or the renderer.

Shared vocabularies (``hearth.contract``, ``hearth.quantity``) are allowed: they hold spellings, not knowledge of
what the platform is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hearth.verify

FORBIDDEN = ("hearth.catalog", "hearth.render", "hearth.resolve", "hearth.capabilities", "hearth.graph", "hearth.dumps")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_verify_module_imports_the_catalog_or_the_renderer() -> None:
    """Every import in src/hearth/verify, at any depth (functions included), stays out of FORBIDDEN."""
    root = Path(hearth.verify.__file__).parent
    modules = sorted(root.rglob("*.py"))
    assert len(modules) > 20
    offenders = {
        f"{path.relative_to(root)}: {name}"
        for path in modules
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not offenders, sorted(offenders)
