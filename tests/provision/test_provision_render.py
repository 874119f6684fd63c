"""The pure parts of build/ansible: Calico modes, VM ids, tag clashes, and no secret in any rendered file."""

from __future__ import annotations

import json
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.catalog.models import Catalog
from hearth.graph import DependencyGraph
from hearth.provision import render_ansible
from hearth.provision.inventory import calico_modes, vm_id
from hearth.provision.render import _Dumper as AnsibleDumper
from hearth.provision.tags import STAGE_TAGS, component_task_tags
from hearth.resolve import resolve


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("IPIPCrossSubnet", ("CrossSubnet", "Never")),
        ("IPIP", ("Always", "Never")),
        ("VXLANCrossSubnet", ("Never", "CrossSubnet")),
        ("VXLAN", ("Never", "Always")),
        ("None", ("Never", "Never")),
    ],
)
def test_calico_modes_from_the_catalogs_encapsulation(mode: str, expected: tuple[str, str]) -> None:
    """(calico_ipip_mode, calico_vxlan_mode); IP-in-IP and VXLAN are never both on (kubespray rejects that)."""
    assert calico_modes(mode) == expected


@pytest.mark.parametrize("mode", ["IPIPSometimes", "Wireguard", ""])
def test_unknown_calico_mode_is_an_error_naming_the_field(mode: str) -> None:
    """A mode kubespray cannot express is bad input, reported as cni.mode."""
    with pytest.raises(ValueError, match=r"cni\.mode"):
        calico_modes(mode)


def test_vm_ids_follow_the_lan_address(seed_catalog: Catalog) -> None:
    """VM id = vmid_base + last octet, so reordering nodes in the catalog never renumbers a VM."""
    assert [vm_id(seed_catalog.platform, n) for n in seed_catalog.platform.nodes] == [110, 111, 112]


def test_a_component_tag_named_like_a_stage_is_refused() -> None:
    """A component or namespace tag equal to a pipeline stage's tag would select the stage too: refused."""
    graph = DependencyGraph({"a": [], "b": ["a"]}, {"a": 1, "b": 1}, {"a": ["a", "x"], "b": ["b", STAGE_TAGS[4]]})
    with pytest.raises(ValueError, match=repr(STAGE_TAGS[4])):
        component_task_tags(graph)


def test_a_component_carries_the_tags_of_what_needs_it() -> None:
    """b needs a: a's task carries b's tags, so --tags b runs a too; b's task does not carry a's."""
    graph = DependencyGraph({"a": [], "b": ["a"]}, {"a": 1, "b": 1}, {"a": ["a", "ns1"], "b": ["b", "ns2", "apps"]})
    assert component_task_tags(graph) == {"a": ["a", "apps", "b", "ns1", "ns2"], "b": ["apps", "b", "ns2"]}


def test_changing_a_node_changes_the_inventory_only_through_the_catalog(seed_catalog: Catalog) -> None:
    """Moving a node changes hosts.ini and the VM list, and no role file."""
    before = render_ansible(resolve(seed_catalog))
    nodes = list(seed_catalog.platform.nodes)
    nodes[1] = nodes[1].model_copy(update={"lan_ip": IPv4Address("192.168.100.21")})
    catalog = seed_catalog.model_copy(update={"platform": seed_catalog.platform.model_copy(update={"nodes": nodes})})
    after = render_ansible(resolve(catalog))
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == ["ansible/inventory/group_vars/all/hearth.yml", "ansible/inventory/hosts.ini"]
    assert "192.168.100.21" in after["ansible/inventory/hosts.ini"]


def test_tokens_come_from_the_environment_never_a_file(seed_catalog: Catalog) -> None:
    """The Proxmox token and the connector's credentials are env lookups; no rendered file holds a value."""
    files = render_ansible(resolve(seed_catalog))
    secrets = ["proxmox_token_secret:", "pangolin_newt_secret_value:"]
    lines = [line for text in files.values() for line in text.splitlines() if any(s in line for s in secrets)]
    assert lines and all("lookup('ansible.builtin.env'," in line for line in lines)


def test_requirements_pin_kubespray_and_the_collections_the_tests_run(seed_catalog: Catalog) -> None:
    """kubespray at the catalog's tag; every collection at the version the installed ansible bundles (tested)."""
    import ansible_collections

    reqs = yaml.safe_load(render_ansible(resolve(seed_catalog))["ansible/requirements.yml"])["collections"]
    kubespray, *collections = reqs
    assert kubespray == {"name": "https://github.com/kubernetes-sigs/kubespray", "type": "git", "version": "v2.26.0"}
    root = Path(next(iter(ansible_collections.__path__)))
    for entry in collections:
        namespace, name = entry["name"].split(".")
        manifest = json.loads((root / namespace / name / "MANIFEST.json").read_text())
        assert entry["version"] == manifest["collection_info"]["version"], entry["name"]


class _Indenting(yaml.SafeDumper):
    """The Ansible files' dumper without its remembered scalar analyses."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_WORDS = st.sampled_from(["name", "when", "y", "", "a: b", "- x", "{{ v }}", "é", "line\nbreak", " pad ", "#"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _WORDS | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_WORDS | st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_VALUES)
def test_ansible_yaml_is_what_the_emitter_writes_without_remembering(data: object) -> None:
    """The Ansible files' dumper remembers the emitter's analysis of each scalar text (for speed); what it writes
    is what PyYAML's emitter writes analysing every scalar anew, the first time and the next."""
    expected = yaml.dump(data, Dumper=_Indenting, sort_keys=False, width=160, default_flow_style=False)
    for _ in range(2):
        assert yaml.dump(data, Dumper=AnsibleDumper, sort_keys=False, width=160, default_flow_style=False) == expected
