"""Stalwart's settings plan (build/settings/stalwart.ndjson) has the shape ``stalwart-cli apply`` parses.

The rules are read from the sources, not from hearth: stalwartlabs/cli src/commands/apply.rs (``parse_ndjson_plan``:
one JSON object a line; ``RawOp``, tagged by ``@type`` in lowercase: ``update`` {object, id, value}, ``destroy``
{object, value: a filter or null}, ``create`` {object, value: a non-empty map of client ids to objects};
``resolve_update_id``: a non-singleton update needs a top-level ``id``), and stalwartlabs/stalwart v0.16
crates/registry/src/schema/structs.rs (``NetworkListener``'s fields), enums_impl.rs (``NetworkListenerProtocol``),
types/map.rs (a ``Map`` is a JSON object of keys to ``true``), manager/defaults.rs (the default listeners).
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.app_settings import render_app_settings, settings_file
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

OPS: dict[str, tuple[set[str], set[str]]] = {
    # @type -> (required keys, optional keys) besides "@type".
    "update": ({"object"}, {"id", "value"}),
    "destroy": ({"object"}, {"value"}),
    "create": ({"object", "value"}, set()),
}
SINGLETONS = {"SystemSettings", "DataStore"}
NETWORK_LISTENER_FIELDS = {
    "name", "bind", "protocol", "overrideProxyTrustedNetworks", "socketBacklog", "socketNoDelay",
    "socketReceiveBufferSize", "socketReuseAddress", "socketReusePort", "socketSendBufferSize", "socketTosV4",
    "socketTtl", "useTls", "tlsDisableCipherSuites", "tlsDisableProtocols", "tlsIgnoreClientOrder", "tlsImplicit",
    "tlsTimeout", "maxConnections",
}  # fmt: skip
PROTOCOLS = {"smtp", "lmtp", "http", "imap", "pop3", "manageSieve"}
# Stalwart's default listeners, name -> port: a created one must clash with neither (the name index is unique).
DEFAULT_LISTENERS = {"smtp": 25, "submissions": 465, "imaps": 993, "pop3s": 995, "sieve": 4190, "https": 443,
                     "http": 8080}  # fmt: skip
_SOCKET = re.compile(r"^\[([0-9a-f:]+)\]:(\d+)$|^([0-9.]+):(\d+)$")


def plan_problems(text: str) -> list[str]:
    """What ``stalwart-cli apply`` (or the server's NetworkListener) would refuse in an NDJSON plan."""
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            op = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not JSON ({error})")
            continue
        kind = op.get("@type") if isinstance(op, dict) else None
        if kind not in OPS:
            problems.append(f"line {number}: @type {kind!r} is not update, destroy or create")
            continue
        required, optional = OPS[kind]
        keys = set(op) - {"@type"}
        if not required <= keys or keys - required - optional:
            problems.append(f"line {number}: {kind} takes {sorted(required | optional)}, got {sorted(keys)}")
            continue
        value = op.get("value")
        if kind == "update" and op["object"] not in SINGLETONS and not op.get("id"):
            problems.append(f"line {number}: update of {op['object']} without a top-level id")
        if kind == "destroy" and value is not None and not isinstance(value, dict):
            problems.append(f"line {number}: a destroy's value is a filter object")
        if kind == "create":
            if not isinstance(value, dict) or not value:
                problems.append(f"line {number}: a create's value is a non-empty map of ids to objects")
                continue
            if op["object"] == "NetworkListener":
                problems += [f"line {number} {key}: {p}" for key, obj in value.items() for p in _listener(obj)]
    return problems


def _listener(obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return ["not an object"]
    problems = [f"unknown field {key}" for key in set(obj) - NETWORK_LISTENER_FIELDS]
    if obj.get("protocol") not in PROTOCOLS:
        problems.append(f"protocol {obj.get('protocol')!r}")
    for field in ("bind", "overrideProxyTrustedNetworks"):
        entries = obj.get(field, {})
        if not isinstance(entries, dict) or any(v is not True for v in entries.values()):
            problems.append(f"{field} is not a map of keys to true")
    if not obj.get("bind") or not all(_SOCKET.match(k) for k in obj.get("bind", {})):
        problems.append(f"bind {obj.get('bind')!r} is not a list of socket addresses")
    for network in obj.get("overrideProxyTrustedNetworks", {}):
        try:
            ipaddress.ip_network(network)
        except ValueError:
            problems.append(f"trusted network {network!r}")
    return problems


@pytest.fixture(scope="module")
def seed() -> Resolved:
    return resolve(load_catalog(None))


@pytest.fixture(scope="module")
def plan(seed: Resolved) -> list[dict[str, Any]]:
    text = render_app_settings(seed)[settings_file(seed.component("stalwart"))]
    assert plan_problems(text) == []
    return [json.loads(line) for line in text.splitlines()]


def test_the_plan_creates_one_proxied_listener_per_mapped_port(seed: Resolved, plan: list[dict[str, Any]]) -> None:
    """One listener per proxy_protocol target, on its declared port, trusting only the pod network."""
    stalwart = seed.component("stalwart")
    numbers = {p.name: p.port for p in stalwart.ports}
    (create,) = [op for op in plan if op["@type"] == "create"]
    listeners = {k: v for k, v in create["value"].items() if "overrideProxyTrustedNetworks" in v}
    assert sorted(listeners) == sorted(stalwart.proxy_protocol.values())
    implicit = {"smtp-pp": False, "submission-pp": False, "submissions-pp": True, "imaps-pp": True}
    for name, listener in listeners.items():
        assert listener["name"] == name and name not in DEFAULT_LISTENERS
        assert listener["bind"] == {f"[::]:{numbers[name]}": True}
        assert numbers[name] not in DEFAULT_LISTENERS.values()
        assert listener["overrideProxyTrustedNetworks"] == {str(seed.catalog.platform.pod_cidr): True}
        assert listener["tlsImplicit"] is implicit[name]
        assert listener["protocol"] == ("imap" if name == "imaps-pp" else "smtp")


def test_every_declared_mail_port_has_a_listener(seed: Resolved, plan: list[dict[str, Any]]) -> None:
    """Stalwart's defaults plus the plan's plain listeners serve every mail port the Service exposes: submission on
    587 is the port in-cluster senders use (the mail capability), and a new Stalwart has no listener there."""
    stalwart = seed.component("stalwart")
    created = next(op["value"] for op in plan if op["@type"] == "create")
    plain = {name: obj for name, obj in created.items() if "overrideProxyTrustedNetworks" not in obj}
    assert sorted(plain) == ["imap", "pop3", "submission"]
    assert plain["submission"]["bind"] == {"[::]:587": True} and plain["submission"]["tlsImplicit"] is False
    served = set(DEFAULT_LISTENERS) | set(created)
    assert {p.name for p in stalwart.ports} <= served
    (mail,) = [p for p in stalwart.provides if p.capability == "mail"]
    assert mail.port in served


def test_the_plan_converges_when_applied_again(plan: list[dict[str, Any]]) -> None:
    """Every created listener is first destroyed by name (apply runs destroys first), so a re-run is no duplicate."""
    destroyed = [op["value"] for op in plan if op["@type"] == "destroy"]
    created = next(op["value"] for op in plan if op["@type"] == "create")
    assert destroyed == [{"name": name} for name in created]
    assert all(op["object"] == "NetworkListener" for op in plan)


def test_the_plan_holds_no_secret_and_no_system_wide_trust(plan: list[dict[str, Any]]) -> None:
    """No credential, and no SystemSettings.proxyTrustedNetworks (that would demand a header on every listener)."""
    text = json.dumps(plan).lower()
    assert not any(word in text for word in ("password", "secret", "token"))
    assert 'proxytrustednetworks"' not in text.replace("overrideproxytrustednetworks", "")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"@type": "upsert", "object": "Domain"}', "is not update, destroy or create"),
        ('{"@type": "update", "object": "NetworkListener", "value": {"useTls": false}}', "without a top-level id"),
        ('{"@type": "update", "object": "SystemSettings", "value": {"id": "singleton"}, "ids": 1}', "takes"),
        ('{"@type": "create", "object": "NetworkListener", "value": {}}', "non-empty map"),
        ('{"@type": "create", "object": "NetworkListener", "value": {"a": {"name": "a", "bind": ["[::]:1"],'
         ' "protocol": "smtp"}}}', "bind"),
        ('{"@type": "create", "object": "NetworkListener", "value": {"a": {"name": "a", "bind": {"[::]:1": true},'
         ' "protocol": "SMTP", "proxyTrustedNetworks": {}}}}', "unknown field proxyTrustedNetworks"),
        ("// comment", "not JSON"),
    ],
)  # fmt: skip
def test_the_shape_check_has_teeth(line: str, problem: str) -> None:
    """Lines the CLI or the server would refuse are reported."""
    problems = plan_problems(line)
    assert problems and problem in problems[0], problems
