"""Golden tests: what ``MANIFEST_RENDERERS`` and the Helm tests render for each small catalog.

Each case is a catalog under ``tests/fixtures/render/<case>/catalog``; ``expected/`` holds, per chart, the
manifests those renderers add (Helm test pods last), the values of the backups provider's release, and the
files they write.
Regenerate with ``HEARTH_UPDATE_GOLDEN=1`` (see ``golden.py``).
"""

from __future__ import annotations

import pytest
from golden import check_golden, dump_documents, own_manifests
from render_cases import CASES, CASES_DIR

from hearth.render.backup import backup_vault_files
from hearth.render.observability import render_rules_file
from hearth.render.platform import chart_name, upstream_values
from hearth.render.tls import render_pki_files
from hearth.resolve.records import Resolved


def rendered_files(resolved: Resolved) -> dict[str, str]:
    """Every expected file of one case, by path relative to ``expected/``."""
    out: dict[str, str] = {}
    for _, component in sorted(resolved.catalog.components.items()):
        manifests = own_manifests(resolved, component)
        if manifests:
            out[f"charts/{chart_name(component)}.yaml"] = dump_documents(manifests)
    files = {**render_pki_files(resolved), **render_rules_file(resolved)}
    files.update(backup_vault_files(resolved))
    for name, component in sorted(resolved.catalog.components.items()):
        if "backups" in component.capabilities():  # the upstream values the backup wiring writes
            out[f"values/{name}.yaml"] = dump_documents([upstream_values(resolved, component)])
    out.update({f"files/{path}": text for path, text in files.items()})
    return out


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, resolved_cases: dict[str, Resolved]) -> None:
    """The rendered manifests and files equal the case's expected/ tree."""
    problems = check_golden(CASES_DIR / case / "expected", rendered_files(resolved_cases[case]))
    assert not problems, "\n".join(problems)


def test_every_case_is_collected() -> None:
    """The three cases exist, so a missing fixture directory cannot silently shrink the suite."""
    assert set(CASES) >= {"bare", "data", "web"}
