"""Helpers and fixtures for build/ansible tests: the rendered tree on disk, the environment Ansible runs in.

A module of its own name (not conftest) so test modules import it unambiguously beside other conftests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Catalog
from hearth.provision import render_ansible
from hearth.resolve import resolve

BIN = Path(sys.executable).parent

# kubespray is not served by any registry reachable here, so all.yml's `import_playbook:
# kubernetes_sigs.kubespray.cluster` is satisfied in these tests only by a stub collection holding a one-task
# cluster playbook. The rendered build never contains it; requirements.yml installs the real one from git.
STUB_GALAXY = (
    "namespace: kubernetes_sigs\nname: kubespray\nversion: 2.26.0\nreadme: README.md\nauthors: [hearth tests]\n"
)
STUB_CLUSTER = """\
---
- name: Stub of kubespray's cluster playbook (tests only)
  hosts: k8s_cluster
  gather_facts: false
  tasks:
    - name: Stand in for kubespray
      ansible.builtin.debug:
        msg: kubespray is stubbed in hearth's tests
"""


def write_ansible(catalog: Catalog, root: Path) -> Path:
    """Render build/ansible for ``catalog`` under ``root``; returns the ansible directory."""
    for rel, text in render_ansible(resolve(catalog)).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "ansible"


@pytest.fixture(scope="session")
def seed_catalog() -> Catalog:
    """The packaged seed platform."""
    return load_catalog(None)


@pytest.fixture(scope="session")
def ansible_dir(seed_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build/ansible of the seed platform, rendered once for the session."""
    return write_ansible(seed_catalog, tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def ansible_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for ansible-*: the venv's tools first, a private ANSIBLE_HOME, the kubespray stub collection."""
    home = tmp_path_factory.mktemp("ansible-home")
    stub = home / "collections" / "ansible_collections" / "kubernetes_sigs" / "kubespray"
    (stub / "playbooks").mkdir(parents=True)
    (stub / "galaxy.yml").write_text(STUB_GALAXY)
    (stub / "playbooks" / "cluster.yml").write_text(STUB_CLUSTER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env |= {
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_COLLECTIONS_PATH": str(home / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "NO_COLOR": "1",
    }
    return env


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def run_ansible(ansible_env: dict[str, str]) -> Run:
    """Run an ansible tool from the venv in a directory; returns the completed process (never raises on exit)."""

    def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            cwd=cwd,
            env={**ansible_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
