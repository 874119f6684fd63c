"""``build/ansible``: inventory, group_vars, the seed's pipeline as plays, and the roles, from the catalog."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from hearth.deploy import UNCHANGED
from hearth.graph import DependencyGraph
from hearth.provision.inventory import all_vars, k8s_cluster_vars, render_hosts_ini
from hearth.provision.tags import component_task_tags
from hearth.resolve.endpoints import providers
from hearth.resolve.records import Resolved

ROOT = "ansible"
HEADER = "# Rendered by hearth from the catalog. Do not edit: change the catalog and run `hearth render`.\n"

ANSIBLE_CFG = """\
# Rendered by hearth. Collections and kubespray come from requirements.yml (ansible-galaxy install -r).
[defaults]
inventory = inventory/hosts.ini
roles_path = roles
collections_path = collections
host_key_checking = True
interpreter_python = auto_silent
stdout_callback = default

[ssh_connection]
pipelining = True
"""


class _Dumper(yaml.SafeDumper):
    """Indents a list under its key, as yamllint's default (and ansible-lint's yaml rule) expects.

    PyYAML's emitter (libyaml's cannot indent such a list) analyses every scalar it writes for the styles it
    allows; the analysis depends on the text and ``allow_unicode`` alone and the emitter only reads it, so it is
    made once per distinct text: the playbooks repeat their keys and values (a fifth of their writing time)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def analyze_scalar(self, scalar: str) -> Any:
        """The emitter's analysis of ``scalar``, remembered."""
        key = (scalar, bool(self.allow_unicode))
        analysis = _ANALYSES.get(key)
        if analysis is None:
            analysis = _ANALYSES[key] = super().analyze_scalar(scalar)
        return analysis


_ANALYSES: dict[tuple[str, bool], Any] = {}


def _yaml(data: Any) -> str:
    return HEADER + "---\n" + yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=160, default_flow_style=False)


def requirements(resolved: Resolved) -> dict[str, Any]:
    """requirements.yml: kubespray as a collection from its git tag, and the collections the roles use.

    The collection versions are those ansible 9.8.0 bundles, the release kubespray v2.26's requirements.txt pins.
    """
    prov = resolved.catalog.platform.provisioning
    return {
        "collections": [
            {"name": prov.kubespray_repo, "type": "git", "version": prov.kubespray_version},
            {"name": "community.general", "version": "8.6.3"},
            {"name": "kubernetes.core", "version": "2.4.2"},
            {"name": "community.docker", "version": "3.11.0"},
            # kubespray's own collection dependencies (its galaxy.yml), at the versions ansible 9.8.0 bundles.
            {"name": "ansible.utils", "version": "2.12.0"},
            {"name": "ansible.netcommon", "version": "5.3.0"},
            {"name": "ansible.posix", "version": "1.5.4"},
            {"name": "community.crypto", "version": "2.21.0"},
        ]
    }


def playbook() -> list[dict[str, Any]]:
    """all.yml: the seed's pipeline, prepare -> proxmox -> kubespray -> cni -> storage; gateway; prerequisites ->
    base -> apps -> verify (the infrastructure role); monitoring -> backup."""
    local = {"hosts": "controller", "gather_facts": False}
    return [
        {
            "name": "Prepare the controller",
            **local,
            "tags": ["prepare"],
            "tasks": [
                {
                    "name": "Require the ansible-core kubespray's release supports",
                    "ansible.builtin.assert": {
                        "that": [
                            "ansible_version.full is version('2.16.4', '>=')",
                            "ansible_version.full is version('2.17.0', '<')",
                        ],
                        "quiet": True,
                    },
                }
            ],
        },
        {"name": "Proxmox: the node VMs", **local, "tags": ["proxmox"], "roles": ["proxmox"]},
        {
            "name": "Kubespray: checks before the cluster playbook",
            "hosts": "k8s_cluster",
            "gather_facts": False,
            "tags": ["kubespray"],
            "roles": ["kubespray"],
        },
        {
            "name": "Kubespray: the cluster",
            "ansible.builtin.import_playbook": "kubernetes_sigs.kubespray.cluster",
            "tags": ["kubespray"],
        },
        {"name": "CNI: Calico as the catalog states it", **local, "tags": ["cni"], "roles": ["cni"]},
        {"name": "Storage: OpenEBS hostpath", **local, "tags": ["storage"], "roles": ["storage"]},
        {
            "name": "Gateway: Pangolin on the VPS",
            "hosts": "gateway",
            "gather_facts": False,
            "tags": ["gateway"],
            "roles": ["pangolin"],
        },
        {"name": "Platform: prerequisites, base, apps, verify", **local, "roles": ["infrastructure"]},
        {
            "name": "Monitoring: targets and alert rules",
            **local,
            "tags": ["verify-monitoring"],
            "roles": ["monitoring"],
        },
        {"name": "Backup: location and a first backup", **local, "tags": ["verify-backup"], "roles": ["backup"]},
    ]


def component_tasks(resolved: Resolved) -> list[dict[str, Any]]:
    """One `hearth apply` per component in deploy order, tagged so --tags selects as `hearth plan --tags` does."""
    graph = DependencyGraph.from_catalog(resolved.catalog)
    tags = component_task_tags(graph)
    plan = graph.plan(graph.select(None))
    out = []
    for name in [n for wave in plan.waves for n in wave]:
        component = resolved.catalog.components[name]
        out.append(
            {
                "name": f"Apply {name} ({component.namespace}, wave {plan.wave_of[name]})",
                "ansible.builtin.command": {"argv": "{{ infrastructure_argv + infrastructure_apply_options }}"},
                "vars": {"infrastructure_argv": ["hearth", "apply", "--tags", name, "--no-deps"]},
                "register": "infrastructure_apply",
                # `hearth apply` ends with UNCHANGED when every release of the component is as rendered.
                "changed_when": f"{UNCHANGED!r} not in infrastructure_apply.stdout",
                "tags": tags[name],
            }
        )
    return out


def role_files() -> dict[str, str]:
    """The hand-written role files (``ansible_roles/`` in this package, as ``roles/<role>/...``), read verbatim.

    They are files, not templates: nothing in them is a catalog fact (nodes, sizes, versions and names come from
    ``inventory/group_vars``), so they can be read, linted and edited as the Ansible they are. Only the
    infrastructure role's component tasks are generated (:func:`component_tasks`): their tags come from the graph.
    """
    root = resources.files("hearth.provision") / "ansible_roles"
    out: dict[str, str] = {}
    for role in sorted(root.iterdir(), key=lambda t: t.name):
        for part in sorted(role.iterdir(), key=lambda t: t.name):
            for leaf in sorted(part.iterdir(), key=lambda t: t.name):
                out[f"roles/{role.name}/{part.name}/{leaf.name}"] = leaf.read_text(encoding="utf-8")
    return out


def render_ansible(resolved: Resolved) -> dict[str, str]:
    """Every file of build/ansible (relative build path -> text), from the resolved catalog."""
    platform = resolved.catalog.platform
    comps = resolved.catalog.components
    metrics, backups = providers(resolved, "metrics"), providers(resolved, "backups")
    group_all = all_vars(
        platform,
        {name: c.namespace for name, c in sorted(comps.items())},
        [a.name for a in platform.alerts],
        backups[0].namespace if backups else "",
    )
    group_all["monitoring_namespace"] = metrics[0].namespace if metrics else ""
    files = {
        "ansible.cfg": ANSIBLE_CFG,
        "requirements.yml": _yaml(requirements(resolved)),
        "all.yml": _yaml(playbook()),
        "inventory/hosts.ini": render_hosts_ini(platform),
        "inventory/group_vars/all/hearth.yml": _yaml(group_all),
        "inventory/group_vars/k8s_cluster/k8s-cluster.yml": _yaml(k8s_cluster_vars(platform)),
        "roles/infrastructure/tasks/components.yml": _yaml(component_tasks(resolved)),
        **role_files(),
    }
    return {f"{ROOT}/{path}": text for path, text in files.items()}
