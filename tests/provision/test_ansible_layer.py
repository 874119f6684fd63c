"""build/ansible passes the real Ansible tools, and its inventory and tags are the catalog's and the graph's."""

from __future__ import annotations

import json
import re
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import yaml
from provision_helpers import Run, write_ansible

from hearth.catalog.models import Catalog
from hearth.commands.plan import build_plan


@pytest.mark.slow
def test_ansible_lint_production_profile_passes(ansible_dir: Path, run_ansible: Run) -> None:
    """ansible-lint --offline with the production profile (galaxy is unreachable: offline, bundled collections)."""
    done = run_ansible(["ansible-lint", "--offline", "--profile", "production", "--nocolor"], ansible_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Profile 'production' was required, and it passed" in done.stdout + done.stderr


def test_playbook_syntax_check_passes(ansible_dir: Path, run_ansible: Run) -> None:
    """ansible-playbook --syntax-check on all.yml (kubespray's cluster playbook is the tests' stub)."""
    done = run_ansible(["ansible-playbook", "--syntax-check", "all.yml"], ansible_dir)
    assert done.returncode == 0, done.stdout + done.stderr


def _inventory(ansible_dir: Path, run_ansible: Run) -> dict[str, object]:
    done = run_ansible(["ansible-inventory", "-i", "inventory/hosts.ini", "--list"], ansible_dir)
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def _groups(inventory: dict[str, object]) -> dict[str, list[str]]:
    return {
        name: sorted(group.get("hosts", [])) + sorted(group.get("children", []))
        for name, group in inventory.items()
        if name != "_meta" and isinstance(group, dict)
    }


def _expected_groups(catalog: Catalog) -> dict[str, list[str]]:
    nodes = catalog.platform.nodes
    return {
        "kube_control_plane": sorted(n.name for n in nodes if n.role == "control-plane"),
        "etcd": sorted(n.name for n in nodes if n.role == "control-plane"),
        "kube_node": sorted(n.name for n in nodes if n.role == "worker" or n.schedulable),
        "k8s_cluster": ["kube_control_plane", "kube_node"],
        "proxmox": [catalog.platform.proxmox.name],
        "gateway": [catalog.platform.gateway.name],
        "controller": ["localhost"],
    }


def _changed_nodes(catalog: Catalog) -> Catalog:
    """The seed with worker-2 moved to .22 with 8 cores and a third worker added."""
    nodes = list(catalog.platform.nodes)
    nodes[2] = nodes[2].model_copy(update={"lan_ip": IPv4Address("192.168.100.22"), "cpu": 8})
    nodes.append(nodes[1].model_copy(update={"name": "k8s-worker-3", "lan_ip": IPv4Address("192.168.100.13")}))
    platform = catalog.platform.model_copy(update={"nodes": nodes})
    return catalog.model_copy(update={"platform": platform})


@pytest.mark.parametrize("variant", ["seed", "changed nodes"])
def test_inventory_is_the_catalogs_nodes_in_kubesprays_groups(
    variant: str, seed_catalog: Catalog, tmp_path: Path, run_ansible: Run
) -> None:
    """ansible-inventory --list: exactly the catalog's nodes and addresses; a catalog change is the only edit."""
    catalog = seed_catalog if variant == "seed" else _changed_nodes(seed_catalog)
    ansible_dir = write_ansible(catalog, tmp_path)
    inventory = _inventory(ansible_dir, run_ansible)
    groups = _groups(inventory)
    for group, members in _expected_groups(catalog).items():
        assert groups[group] == members, group
    hostvars = inventory["_meta"]["hostvars"]  # type: ignore[index]
    for node in catalog.platform.nodes:
        assert hostvars[node.name]["ansible_host"] == str(node.lan_ip)
        assert hostvars[node.name]["ip"] == str(node.lan_ip)
    vms = yaml.safe_load((ansible_dir / "inventory/group_vars/all/hearth.yml").read_text())["proxmox_vms"]
    assert [(v["name"], v["cores"], v["ip"]) for v in vms] == [
        (n.name, n.cpu, str(n.lan_ip)) for n in catalog.platform.nodes
    ]


def test_kubespray_vars_are_the_catalogs(ansible_dir: Path, seed_catalog: Catalog, run_ansible: Run) -> None:
    """kube_version, the CIDRs, node-local DNS and Calico IP-in-IP CrossSubnet reach every cluster node."""
    hostvars = _inventory(ansible_dir, run_ansible)["_meta"]["hostvars"]["k8s-worker-1"]  # type: ignore[index]
    platform = seed_catalog.platform
    assert {k: hostvars[k] for k in ("kube_version", "kube_pods_subnet", "kube_service_addresses")} == {
        "kube_version": "v1.28.5",
        "kube_pods_subnet": str(platform.pod_cidr),
        "kube_service_addresses": str(platform.service_cidr),
    }
    assert (hostvars["enable_nodelocaldns"], hostvars["nodelocaldns_ip"]) == (True, "169.254.25.10")
    assert (hostvars["calico_network_backend"], hostvars["calico_ipip_mode"], hostvars["calico_vxlan_mode"]) == (
        "bird",
        "CrossSubnet",
        "Never",
    )
    assert hostvars["calico_version"] == "v3.28.0"


TASK = re.compile(r"^\s+(\S+) : (.+?)\tTAGS: \[(.*)\]$")


_LISTED: dict[tuple[Path, str], list[str]] = {}


def _listed_components(ansible_dir: Path, run_ansible: Run, tag: str) -> list[str]:
    """The components whose apply task `--tags TAG --list-tasks` lists (memoised: one run per tag)."""
    if (ansible_dir, tag) not in _LISTED:
        _LISTED[ansible_dir, tag] = _list_components(ansible_dir, run_ansible, tag)
    return _LISTED[ansible_dir, tag]


def _list_components(ansible_dir: Path, run_ansible: Run, tag: str) -> list[str]:
    done = run_ansible(["ansible-playbook", "all.yml", "--tags", tag, "--list-tasks"], ansible_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    tasks = [m.groups() for m in map(TASK.match, done.stdout.splitlines()) if m]
    others = [t for t in tasks if t[0] != "infrastructure" or not t[1].startswith("Apply ")]
    assert others == [], f"--tags {tag} lists tasks that are not a component's"
    return sorted(t[1].split()[1] for t in tasks)


@pytest.mark.parametrize("tag", ["vault", "apps", "databases", "base", "service", "gitlab"])
def test_tags_select_what_hearth_plan_selects(
    tag: str, ansible_dir: Path, seed_catalog: Catalog, run_ansible: Run
) -> None:
    """--tags X --list-tasks lists the tasks of exactly the components `hearth plan --tags X` deploys."""
    plan = sorted(c["name"] for c in build_plan(seed_catalog, [tag])["components"])
    assert _listed_components(ansible_dir, run_ansible, tag) == plan


def test_vault_tag_is_vault_and_its_transitive_needs(ansible_dir: Path, run_ansible: Run) -> None:
    """The seed's `--tags vault`: Vault, Consul, Traefik and cert-manager (what it needs: cert-manager issues its
    listener certificate) and the Namespaces release."""
    listed = _listed_components(ansible_dir, run_ansible, "vault")
    assert listed == ["cert-manager", "consul", "namespaces", "traefik", "vault"]


def test_apps_tag_lists_every_application(ansible_dir: Path, seed_catalog: Catalog, run_ansible: Run) -> None:
    """Every component tagged apps in the catalog has a task under --tags apps."""
    apps = {n for n, c in seed_catalog.components.items() if "apps" in c.tags}
    assert apps <= set(_listed_components(ansible_dir, run_ansible, "apps"))
