"""Settings an application keeps in its own database, as a plan for the application's own tool (``settings:``).

Stalwart v0.16 keeps every setting but its data store in its database, managed through its JMAP API; the declarative
surface is ``stalwart-cli apply`` with an NDJSON plan, one operation per line (https://stalw.art/docs/management/cli/apply/).
The operations' shape is what stalwartlabs/cli src/commands/apply.rs (1.0.7+) parses: ``RawOp`` is tagged by
``"@type"`` (``create``, ``update``, ``destroy``) with ``object`` (the object's name, e.g. ``NetworkListener``);
``create`` takes ``value`` as a map of client ids to objects, ``destroy`` an optional ``value`` that is a query
filter, and ``update`` a top-level ``id`` beside ``value`` (none for a singleton). Every destroy runs before the
updates and creates, so a destroy by name followed by a create converges on every run (a second plain create would
trip the listener's unique ``name`` index, crates/registry/src/schema/properties_impl.rs in stalwartlabs/stalwart).

What hearth states there: a plain listener for each mail port the component declares that Stalwart has none for by
default (submission on 587, which in-cluster senders use; imap; pop3), and one listener per port the component maps
in ``proxy_protocol``, bound to the mapped port and trusting a PROXY protocol header from the pod network only
(``overrideProxyTrustedNetworks``, a map of networks to ``true``, crates/registry/src/types/map.rs). Stalwart
requires the header from a trusted network (crates/common/src/network/listen.rs: a connection from
``proxy_networks`` goes through ``ProxiedStream`` or is dropped with a ProxyError), so the trust is per listener,
not ``SystemSettings.proxyTrustedNetworks``: the plain ports stay for in-cluster clients, which send no header, and
the router reaches only the proxied ones.
"""

from __future__ import annotations

import json
from typing import Any

from hearth.catalog.models import Component
from hearth.resolve.records import Resolved

SETTINGS_DIR = "settings"
# Stalwart's listener protocol and implicit TLS for each IANA service name of a mail port (NetworkListenerProtocol
# in crates/registry/src/schema/enums.rs; its default listeners in crates/common/src/manager/defaults.rs).
STALWART_LISTENERS: dict[str, tuple[str, bool]] = {
    "smtp": ("smtp", False),
    "submission": ("smtp", False),
    "submissions": ("smtp", True),
    "imap": ("imap", False),
    "imaps": ("imap", True),
    "pop3": ("pop3", False),
    "pop3s": ("pop3", True),
    "sieve": ("manageSieve", False),
}
# The listeners a new Stalwart has (crates/common/src/manager/defaults.rs): a port the component declares beyond
# these has no listener until the plan creates one (submission 587, which in-cluster senders use, imap, pop3).
STALWART_DEFAULTS = frozenset({"smtp", "submissions", "imaps", "pop3s", "sieve", "https", "http"})


def settings_file(component: Component) -> str:
    """Where the component's settings plan is written under the build."""
    return f"{SETTINGS_DIR}/{component.name}.ndjson"


def stalwart_plan(resolved: Resolved, component: Component) -> list[dict[str, Any]]:
    """The ``stalwart-cli apply`` operations: each listener hearth states destroyed by name, then created again:
    one per proxied port, and a plain one per declared mail port Stalwart has no default listener for."""
    numbers = {p.name: p.port for p in component.ports}
    trusted = {str(resolved.catalog.platform.pod_cidr): True}
    listeners: dict[str, dict[str, Any]] = {}
    proxied_ports = set(component.proxy_protocol.values())
    for port in component.ports:
        if port.name in STALWART_LISTENERS and port.name not in STALWART_DEFAULTS | proxied_ports:
            protocol, implicit = STALWART_LISTENERS[port.name]
            listeners[port.name] = {
                "name": port.name,
                "bind": {f"[::]:{port.port}": True},
                "protocol": protocol,
                "useTls": True,
                "tlsImplicit": implicit,
            }
    for public, proxied in component.proxy_protocol.items():
        if proxied == public or public not in STALWART_LISTENERS or proxied not in numbers:
            continue
        protocol, implicit = STALWART_LISTENERS[public]
        listeners[proxied] = {
            "name": proxied,
            "bind": {f"[::]:{numbers[proxied]}": True},
            "protocol": protocol,
            "overrideProxyTrustedNetworks": trusted,
            "useTls": True,
            "tlsImplicit": implicit,
        }
    ops: list[dict[str, Any]] = [
        {"@type": "destroy", "object": "NetworkListener", "value": {"name": name}} for name in listeners
    ]
    if listeners:
        ops.append({"@type": "create", "object": "NetworkListener", "value": listeners})
    return ops


def render_app_settings(resolved: Resolved) -> dict[str, str]:
    """``build/settings/<component>.ndjson`` for each component with ``settings`` and something to set."""
    out: dict[str, str] = {}
    for _, component in sorted(resolved.catalog.components.items()):
        if component.settings is None:
            continue
        ops = stalwart_plan(resolved, component)
        if ops:
            out[settings_file(component)] = "".join(json.dumps(op, sort_keys=False) + "\n" for op in ops)
    return out
