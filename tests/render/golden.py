"""Golden files: compare rendered output with ``expected/``, or rewrite it when ``HEARTH_UPDATE_GOLDEN=1``.

    HEARTH_UPDATE_GOLDEN=1 .venv/bin/pytest tests/render -k golden

writes every expected file anew and removes expected files nothing renders any more; review the diff, then
run again without the variable.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import yaml

from hearth.catalog.models import Component
from hearth.render.helmtests import render_helm_tests
from hearth.render.model import Manifest
from hearth.render.platform import MANIFEST_RENDERERS
from hearth.resolve.records import Resolved


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases, block style, keys in the order the renderer wrote them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_documents(documents: list[Any]) -> str:
    """Multi-document YAML, stable and readable."""
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


def updating() -> bool:
    """True when goldens are to be rewritten rather than compared."""
    return os.environ.get("HEARTH_UPDATE_GOLDEN") == "1"


def check_golden(expected_dir: Path, actual: dict[str, str]) -> list[str]:
    """Compare ``actual`` (relative path -> text) with the files under ``expected_dir``; return the problems.

    When updating, write ``actual`` there instead (and delete stale files) and return no problems.
    """
    existing = {p.relative_to(expected_dir).as_posix() for p in expected_dir.rglob("*") if p.is_file()}
    if updating():
        for rel in existing - set(actual):
            (expected_dir / rel).unlink()
        for rel, text in actual.items():
            path = expected_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return []
    problems = [
        f"{rel}: rendered, but no expected file (HEARTH_UPDATE_GOLDEN=1)" for rel in sorted(set(actual) - existing)
    ]
    problems += [f"{rel}: expected, but no longer rendered" for rel in sorted(existing - set(actual))]
    for rel in sorted(set(actual) & existing):
        want = (expected_dir / rel).read_text(encoding="utf-8")
        if want != actual[rel]:
            diff = difflib.unified_diff(
                want.splitlines(), actual[rel].splitlines(), f"expected/{rel}", f"rendered/{rel}", lineterm="", n=2
            )
            problems.append("\n".join(list(diff)[:80]))
    return problems


def own_manifests(resolved: Resolved, component: Component) -> list[Manifest]:
    """What :data:`MANIFEST_RENDERERS` and the Helm tests add to one component's chart, in render_component's order."""
    test = render_helm_tests(resolved, component)
    manifests = [m for render in MANIFEST_RENDERERS for m in render(resolved, component)]
    return manifests + test.manifests + test.tests
