"""The SSO statements: the seed's "OAuth2 integration for all web apps" and its tables' Authentik dependencies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.build.audit import load_build
from hearth.verify.statements.sso import sso_statements


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sso") / "build"
    render(load_catalog(None), out)
    return out


def test_the_two_statements_disagree_and_the_check_says_where(seed_build: Path) -> None:
    build = load_build(seed_build)
    assert build.claims is not None
    every, dependencies = sso_statements(build.claims, build)
    assert every.verdict == "contradicted" and every.claim == "OAuth2 integration for all web apps"
    modes = {str(i["app"]): i["login"] for i in every.items}
    assert {modes[a] for a in ("gitlab", "harbor", "nextcloud", "vaultwarden", "monitoring", "penpot")} == {"oidc"}
    assert modes["teamcity"] == "ldap" and modes["glance"] == "forward-auth" and modes["notesnook"] == "none"
    assert "authentik" not in modes, "the identity provider is not one of its own clients"
    assert dependencies.verdict == "contradicted"
    assert dependencies.stated == "coder, ghost, kestra, logging, n8n, remnawave, stalwart, stoat"
    without = {str(i["app"]) for i in dependencies.items if not i["needs_provider"]}
    assert {"gitlab", "harbor", "nextcloud", "vaultwarden", "monitoring"} <= without
    assert "coder" not in without and "stalwart" not in without


def test_every_web_app_with_oidc_holds(seed_build: Path) -> None:
    """Only OIDC clients left: the first statement holds (the blueprint decides, not the catalog)."""
    build = load_build(seed_build)
    assert build.claims is not None
    modes = {str(i["app"]) for i in sso_statements(build.claims, build)[0].items if i["login"] == "oidc"}
    # Keep the IngressRoutes of OIDC apps only: the others are not web apps of this build any more.
    build.documents = [
        d
        for d in build.documents
        if d.kind != "IngressRoute"
        or str(d.obj["metadata"]["labels"].get("app.kubernetes.io/name")) in modes | {"authentik"}
    ]
    every, _ = sso_statements(build.claims, build)
    assert every.verdict == "holds", every.detail


def test_without_blueprints_nothing_is_computed(seed_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "build"
    shutil.copytree(seed_build, copy)
    shutil.rmtree(copy / "sso" / "blueprints")
    build = load_build(copy)
    assert build.claims is not None
    assert [s.verdict for s in sso_statements(build.claims, build)] == ["not computed", "not computed"]
