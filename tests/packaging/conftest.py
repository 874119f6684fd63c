"""Fixtures of the packaging tests: the seed platform rendered once per session, and HELM_* homes.

The seed (the packaged default catalog) is rendered in-process and written with ``write_tree`` into a session
temporary directory; every test reads that one build.
"""

from __future__ import annotations

import os

import pytest
from packaging_helpers import SeedBuild

from hearth.catalog.loader import load_catalog
from hearth.render.package.files import package
from hearth.render.package.write import write_tree
from hearth.render.platform import render_platform
from hearth.resolve import resolve


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> SeedBuild:
    """The default (seed) catalog rendered once, into a session temporary ``build/``."""
    catalog = load_catalog(None)
    resolved = resolve(catalog)
    rendered = render_platform(resolved)
    files = package(rendered, resolved)
    out = tmp_path_factory.mktemp("seed") / "build"
    write_tree(files, out)
    return SeedBuild(catalog, resolved, rendered, files, out)


@pytest.fixture(scope="session")
def tool_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for helm and helmfile: HELM_* homes from `make test`, else fresh temporary ones."""
    env = dict(os.environ)
    home = tmp_path_factory.mktemp("helm-home")
    for var in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
        if not env.get(var):
            path = home / var.lower()
            path.mkdir()
            env[var] = str(path)
    return env
