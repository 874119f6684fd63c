"""One run of ``hearth validate`` lists every problem of a catalog, ordered by file and line.

A user who deletes components learns in that one run everything that still needs them, rather than one
dependent per run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hearth.catalog.loader import default_catalog_dir, load_catalog
from hearth.catalog.yamlsource import CatalogError
from tools import RunHearth


def _seed_without(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), root)
    for name in names:
        (found,) = root.glob(f"services/*/{name}.yaml")
        found.unlink()
    return root


def test_deleting_components_lists_everything_that_still_needs_them(tmp_path: Path, hearth: RunHearth) -> None:
    _seed_without(tmp_path, "gitlab", "hub", "teamcity")
    result = hearth("validate", "--platform", "catalog", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: catalog/claims.yaml:6: database_allocation.postgresql[1]: unknown component 'gitlab'",
        "error: catalog/claims.yaml:6: database_allocation.postgresql[2]: unknown component 'hub'",
        "error: catalog/claims.yaml:6: database_allocation.postgresql[4]: unknown component 'teamcity'",
        "error: catalog/claims.yaml:9: database_allocation.valkey[1]: unknown component 'gitlab'",
        "error: catalog/services/code/coder.yaml:74: needs[6]: unknown dependency 'gitlab'"
        " (gitlab is needed by: coder)",
        "error: catalog/services/code/youtrack.yaml:27: needs[2]: unknown dependency 'hub'"
        " (hub is needed by: youtrack)",
    ]
    assert "Traceback" not in result.output


def test_a_dependency_names_every_component_that_needs_it(tmp_path: Path) -> None:
    root = _seed_without(tmp_path, "valkey")
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    needing = [e for e in caught.value.errors if e.message.startswith("unknown dependency 'valkey'")]
    assert len(needing) > 1, caught.value.lines()
    users = sorted(Path(e.file).stem for e in needing)
    assert all(e.message.endswith(f"(valkey is needed by: {', '.join(users)})") for e in needing)


def test_problems_in_several_files_are_reported_together(tmp_path: Path, valid_catalogs: dict[str, Path]) -> None:
    """A broken file does not hide the problems of the others, nor make what refers to it unknown."""
    root = tmp_path / "catalog"
    shutil.copytree(valid_catalogs["provider-consumer"], root)
    files = sorted(root.glob("services/*/*.yaml"))
    assert len(files) >= 2
    for path in files:
        path.write_text(path.read_text(encoding="utf-8") + "surprise: 1\n", encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    assert [(Path(e.file), e.field, e.message) for e in caught.value.errors] == [
        (path, "surprise", "unknown key") for path in files
    ]
