"""``claims.yaml``: what the seed document states about the platform, as data for ``hearth check``.

The statements come from the catalog's own ``claims.yaml`` (``Catalog.claims``) and the backup table of
``platform.yaml``; a catalog without claims gets the backups and the derived traffic and tunnel facts only.

The auditor reads rendered files only, never the catalog. The document's statements (figures, the stated
deployment order, the database allocation table, the backup table) are not manifests, so this renderer writes
them down as they are stated, without resolving anything: tags stay tags (the auditor resolves them through the
helmfile release labels) and components stay names. ``hearth check`` then computes each figure from the
manifests and reports whether the statement holds.
"""

from __future__ import annotations

from typing import Any

from hearth.render.package.write import dump_yaml
from hearth.resolve.endpoints import providers
from hearth.resolve.records import Resolved

CLAIMS_FILE = "claims.yaml"
HEADER = (
    "# Written by `hearth render` from the catalog: the seed document's own statements, as stated.\n"
    "# `hearth check` compares each with what it measures in manifests/, cluster/ and helmfile.yaml.\n"
)


def claims(resolved: Resolved) -> dict[str, Any]:
    """The statements as one mapping: stated_figures and _tools, tunnel_addresses, stated_orders, database_allocation,
    backups, and sso (the seed's "OAuth2 integration for all web apps" with the components its tables list as
    depending on the identity provider)."""
    platform = resolved.catalog.platform
    stated = resolved.catalog.claims
    backups: list[dict[str, Any]] = [
        {
            "name": row.name,
            "description": row.description,
            "kind": "velero",
            "schedule": row.schedule,
            "retention": row.retention,
            "target": row.target,
            "include_volumes": row.include_volumes,
        }
        for row in platform.backups
    ]
    for name, component in sorted(resolved.catalog.components.items()):
        backup = component.backup
        if backup is not None and backup.method == "dump":
            backups.append(
                {
                    "name": f"{name}-dump",
                    "description": f"{component.display_name} dump",
                    "kind": "dump",
                    "component": name,
                    "schedule": backup.schedule,
                    "retention": backup.retention,
                }
            )
    traffic = {
        "source": "architecture.md, Security Architecture > Traffic Flow; Network Topology",
        "path": ["Internet", "Gateway VPS (TLS termination)", "WireGuard tunnel", "Cluster Traefik", "Services"],
        "gateway": str(platform.gateway.public_ip),
        "tunnel": [c.name for c in providers(resolved, "tunnel")],
        "egress": [
            {
                "component": name,
                "to": egress.to,
                **({"pod": egress.pod} if egress.pod else {}),
                "ports": [f"{p.port}/{p.protocol}" for p in egress.ports],
                "reason": egress.reason,
            }
            for name, component in sorted(resolved.catalog.components.items())
            for egress in component.egress
        ],
    }
    tunnel = {
        "source": "architecture.md, Network Topology (Master 10.99.0.10, Worker-1 10.99.0.11, Worker-2 10.99.0.12)",
        "subnet": str(platform.gateway.wireguard_subnet),
        "addresses": {node.name: str(node.wireguard_ip) for node in platform.nodes},
    }
    idp = platform.sso.provider
    sso = (
        {
            "source": stated.stated_sso.source,
            "claim": stated.stated_sso.claim,
            "provider": idp,
            "listed_dependents": sorted(n for n, c in resolved.catalog.components.items() if idp in c.needs),
        }
        if stated.stated_sso is not None
        else {}
    )
    return {
        "platform": platform.name,
        "stated_figures": [
            {"key": figure.key, "claim": figure.claim, "value": figure.value} for figure in stated.stated_figures
        ],
        "traffic": traffic,
        "stated_orders": [
            {"name": order.name, "source": order.source, "steps": [list(step) for step in order.steps]}
            for order in stated.stated_orders
        ],
        "database_allocation": {db: list(users) for db, users in stated.database_allocation.items()},
        "backups": backups,
        "stated_tools": [tool.model_dump() for tool in stated.stated_tools],
        "tunnel_addresses": tunnel,
        "sso": sso,
    }


def render_claims(resolved: Resolved) -> dict[str, str]:
    """``{"claims.yaml": text}`` for ``RenderedPlatform.files``: always written, since the auditor reads it; a
    catalog that states nothing gets empty statements (nothing to hold or contradict), not a missing file."""
    return {CLAIMS_FILE: HEADER + dump_yaml(claims(resolved))}
