"""Ansible tags from the dependency graph, so ``ansible-playbook --tags X`` selects what ``hearth plan --tags X`` does.

Ansible runs a task when it carries one of the requested tags and knows nothing about needs. A component's task
therefore carries every tag whose selection (``DependencyGraph.select``, needs included) contains the component:
``--tags vault`` then runs Vault's task and the tasks of everything Vault needs, transitively, and nothing else.
"""

from __future__ import annotations

from hearth.graph import DependencyGraph

STAGE_TAGS = (
    "prepare",
    "proxmox",
    "kubespray",
    "cni",
    "storage",
    "gateway",
    "prerequisites",
    "verify",
    "verify-monitoring",
    "verify-backup",
)
"""Tags of the pipeline stages that are not components; none may also be a component's or namespace's tag."""


def component_task_tags(graph: DependencyGraph) -> dict[str, list[str]]:
    """Component name -> every tag whose selection includes it (its own tags, and those of what needs it)."""
    out: dict[str, set[str]] = {name: set() for name in graph.needs}
    carriers: dict[str, set[str]] = {}  # tag -> components carrying it: graph.select([tag]) without a scan per tag
    for name, tags in graph.tags.items():
        for tag in tags:
            carriers.setdefault(tag, set()).add(name)
    for tag in sorted(carriers):
        for name in carriers[tag] | graph.dependencies(carriers[tag]):
            out[name].add(tag)
    clash = sorted(set(STAGE_TAGS) & carriers.keys())
    if clash:
        raise ValueError(f"tag {clash[0]!r} names both a pipeline stage and a component or namespace")
    return {name: sorted(tags) for name, tags in out.items()}
