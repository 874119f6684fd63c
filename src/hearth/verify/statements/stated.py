"""Stated tools and tunnel addresses: what the document says runs, and which addresses it fixes, against the build.

* ``stated_tools``: each names a job by the contract role of the pods doing it (``hearth.dev/role``, e.g.
  ``log-collector``) and the tool the document says does it; it holds when an image of a pod with that role is
  that tool (the last path segment of its repository), and is contradicted when pods with the role run another.
* ``tunnel_addresses``: the per-node WireGuard addresses the document draws; they hold when the gateway's files
  (``gateway/``, parsed, so comments do not count) set each of them, and are contradicted when the files set
  none (the tunnel server allocates site addresses itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from hearth.verify.build.manifests import SAFE_LOADER
from hearth.verify.build.model import Build
from hearth.verify.statements.report import Statement

__all__ = ["tool_statements", "tunnel_statement"]

GATEWAY_DIR = "gateway"


def _tool(image: str) -> str:
    """``docker.io/grafana/alloy:v1.18.1`` -> ``alloy``."""
    return image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()


def tool_statements(claims: Mapping[str, Any], build: Build) -> list[Statement]:
    """Each stated tool against the images of the pods carrying its role."""
    out = []
    for raw in claims.get("stated_tools") or []:
        role, claim, value = str(raw.get("role")), str(raw.get("claim", raw.get("role"))), str(raw.get("value"))
        images = sorted(
            {str(c.get("image")) for pod in build.pods if role in pod.roles for c in pod.containers(init=False)}
        )
        pods = sorted({pod.endpoint for pod in build.pods if role in pod.roles})
        if not images:
            out.append(Statement("tool", role, claim, value, "-", None, f"no pod carries hearth.dev/role: {role}"))
            continue
        tools = sorted({_tool(i) for i in images})
        holds = value.lower() in tools
        detail = f"{role} pods {', '.join(pods)} run {', '.join(images)}"
        out.append(Statement("tool", role, claim, value, ", ".join(tools), holds, detail))
    return out


def _gateway_values(build: Build) -> set[str]:
    """The text of every key and scalar in the gateway's YAML files (comments are not settings).

    Only the texts are compared (with the stated addresses), so the parser's scalar events are read without
    building the documents; a document with a syntax error adds nothing, as a document the loader refuses."""
    root = build.root / GATEWAY_DIR
    found: set[str] = set()
    for path in sorted(root.rglob("*.y*ml")) if root.is_dir() else []:
        document: set[str] = set()
        try:
            for event in yaml.parse(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER):
                if isinstance(event, yaml.ScalarEvent):
                    document.add(event.value)
                elif isinstance(event, yaml.DocumentEndEvent):
                    found |= document
                    document = set()
        except yaml.YAMLError:
            continue
    return found


def tunnel_statement(claims: Mapping[str, Any], build: Build) -> list[Statement]:
    """The document's fixed tunnel addresses against the gateway files (none when it states none)."""
    stated = claims.get("tunnel_addresses") or {}
    addresses = {str(k): str(v) for k, v in (stated.get("addresses") or {}).items()}
    if not addresses:
        return []
    claim = "Tunnel addresses " + ", ".join(f"{name} {ip}" for name, ip in sorted(addresses.items()))
    shown = ", ".join(sorted(addresses.values()))
    if not (build.root / GATEWAY_DIR).is_dir():
        return [Statement("tunnel", "tunnel.addresses", claim, shown, "-", None, "no gateway/ files in the build")]
    values = _gateway_values(build)
    set_here = sorted(ip for ip in addresses.values() if any(ip == v or v.startswith(f"{ip}/") for v in values))
    holds = len(set_here) == len(addresses)
    subnet = stated.get("subnet")
    detail = (
        "every stated address is set in gateway/"
        if holds
        else f"gateway/ sets {', '.join(set_here) or 'none of them'}: the tunnel server allocates site addresses "
        f"itself{f' within {subnet}' if subnet else ''}"
    )
    computed = ", ".join(set_here) if set_here else "allocated by the tunnel server"
    return [Statement("tunnel", "tunnel.addresses", claim, shown, computed, holds, detail)]
