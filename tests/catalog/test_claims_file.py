"""A catalog's claims live in ``claims.yaml`` beside ``platform.yaml``: loaded and audited when present, and a
catalog without one (blank, or the seed resized) states nothing, so nothing warns about the seed's statements."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from hearth.catalog.claims import CLAIMS_FILE
from hearth.catalog.loader import default_catalog_dir, load_catalog
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from tools import RunHearth


def _seed(tmp_path: Path, *, claims: bool, without: tuple[str, ...] = ()) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), root)
    if not claims:
        (root / CLAIMS_FILE).unlink()
    for name in without:
        (found,) = root.glob(f"services/*/{name}.yaml")
        found.unlink()
    return root


def test_the_seed_states_its_claims_in_their_own_file() -> None:
    platform_text = (default_catalog_dir() / "platform.yaml").read_text(encoding="utf-8")
    assert not any(f"\n{key}:" in platform_text for key in ("stated_figures", "stated_orders", "database_allocation"))
    claims = load_catalog().claims
    assert len(claims.stated_figures) >= 10
    assert claims.stated_tools[0].value == "promtail"
    assert claims.database_allocation["mysql"] == ["ghost"]


@pytest.mark.parametrize(
    ("claims", "code", "stderr"),
    [
        (True, 2, "error: catalog/claims.yaml:12: database_allocation.mysql[0]: unknown component 'ghost'\n"),
        (False, 0, ""),
    ],
    ids=["with-claims", "without-claims"],
)
def test_a_resized_seed_is_held_to_its_claims_only_while_it_keeps_them(
    tmp_path: Path, hearth: RunHearth, claims: bool, code: int, stderr: str
) -> None:
    _seed(tmp_path, claims=claims, without=("ghost",))
    result = hearth("validate", "--platform", "catalog", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (code, stderr), result.output


def test_without_claims_the_build_states_no_figures_orders_or_tools(tmp_path: Path) -> None:
    catalog = load_catalog(_seed(tmp_path, claims=False))
    assert catalog.claims.model_dump() == {
        "database_allocation": {},
        "stated_orders": [],
        "stated_figures": [],
        "stated_tools": [],
        "stated_sso": None,
    }
    text = render_platform(resolve(catalog)).files["claims.yaml"]
    data = yaml.safe_load(text)
    assert (data["stated_figures"], data["stated_orders"], data["database_allocation"], data["stated_tools"]) == (
        [],
        [],
        {},
        [],
    )
    assert data["sso"] == {}
    assert data["backups"], "the backup table is the platform's setting, not a claim: it stays"


def test_a_stated_order_the_graph_contradicts_warns_and_without_it_nothing_does(
    tmp_path: Path, hearth: RunHearth
) -> None:
    root = _seed(tmp_path, claims=True)
    claims = yaml.safe_load((root / CLAIMS_FILE).read_text(encoding="utf-8"))
    claims["stated_orders"][0]["steps"] = [["apps"], ["namespaces"]]
    (root / CLAIMS_FILE).write_text(yaml.safe_dump(claims), encoding="utf-8")
    warned = hearth("validate", "--platform", "catalog", cwd=tmp_path)
    assert warned.exit_code == 0 and "warning: stated order dependency-chain" in warned.stderr
    (root / CLAIMS_FILE).unlink()
    quiet = hearth("validate", "--platform", "catalog", cwd=tmp_path)
    assert (quiet.exit_code, quiet.stderr) == (0, "")
