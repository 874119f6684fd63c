"""Vault's own server as the seed describes it: integrated storage (raft) and TLS on its listener.

Read from the rendered chart values only (``values/<release>.yaml``): a release whose values carry a Vault server
configuration (vault-helm's ``server.standalone.config``, ``server.ha.config`` or ``server.ha.raft.config``, HCL
with a ``listener "tcp"``) is a Vault server. The configuration that runs is the one vault-helm's mode selects
(templates/_helpers.tpl ``vault.mode``): ``ha`` with raft, ``ha`` without, else ``standalone``; the chart's own
defaults where the values say nothing (standalone: ``storage "file"`` and ``tls_disable = 1``;
``global.tlsDisable: true``). It fails when that storage is not ``raft`` or when the listener serves plain HTTP:
``tls_disable`` set true, no ``tls_cert_file``, or the chart's ``global.tlsDisable`` left true (its probes and
``VAULT_ADDR`` then speak http).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hearth.verify.build.fields import as_mapping

CHART_DEFAULT_STANDALONE = 'listener "tcp" {\n  tls_disable = 1\n}\nstorage "file" {\n  path = "/vault/data"\n}\n'
"""vault-helm v0.34.1 values.yaml server.standalone.config, in short: what runs when the values give none."""

_STORAGE = re.compile(r'^\s*storage\s+"([^"]+)"', re.M)
_TLS_DISABLE = re.compile(r'^\s*tls_disable\s*=\s*"?(1|true)"?\s*$', re.M | re.I)
_CERT_FILE = re.compile(r"^\s*tls_cert_file\s*=", re.M)


@dataclass
class VaultServer:
    """One Vault server release: which configuration runs, its storage, whether its listener serves TLS."""

    release: str
    mode: str
    storage: str
    tls: bool
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "release": self.release,
            "mode": self.mode,
            "storage": self.storage,
            "tls": self.tls,
            "problems": self.problems,
        }


def _listener(config: str) -> str:
    """The body of the first ``listener "tcp"`` block (braces counted), or an empty string."""
    start = config.find('listener "tcp"')
    if start < 0:
        return ""
    depth, body = 0, []
    for char in config[config.find("{", start) :]:
        depth += {"{": 1, "}": -1}.get(char, 0)
        body.append(char)
        if depth == 0:
            break
    return "".join(body)


SERVER_CHARTS = ("vault", "openbao")
"""Chart names (after the repository) of Vault servers: HashiCorp's vault-helm and OpenBao's fork of it."""


def _config(values: dict[str, Any], chart: str) -> tuple[str, str] | None:
    """(mode, HCL) of the configuration vault-helm runs for these values; None when they are not a Vault's (no
    server config with a listener, and not a release of a Vault chart)."""
    server = as_mapping(values.get("server"))
    ha = as_mapping(server.get("ha"))
    raft = as_mapping(ha.get("raft"))
    standalone = as_mapping(server.get("standalone"))
    texts = [c for c in (standalone.get("config"), ha.get("config"), raft.get("config")) if isinstance(c, str)]
    is_chart = chart.rsplit("/", 1)[-1] in SERVER_CHARTS
    if not is_chart and not any('listener "tcp"' in t for t in texts):
        return None
    if ha.get("enabled") is True:
        if raft.get("enabled") is True:
            return "ha-raft", str(raft.get("config") or "")
        return "ha", str(ha.get("config") or "")
    return "standalone", str(standalone.get("config") or CHART_DEFAULT_STANDALONE)


def vault_server(release: str, values: object, chart: str = "") -> VaultServer | None:
    """The server facts of one release's values (of ``chart``, ``repo/name``), with what contradicts raft
    storage and a TLS listener."""
    data = as_mapping(values)
    found = _config(data, chart)
    if found is None:
        return None
    mode, config = found
    storages = _STORAGE.findall(config)
    storage = storages[0] if storages else "none"
    listener = _listener(config)
    chart_tls = as_mapping(data.get("global")).get("tlsDisable") is False
    tls = bool(listener) and not _TLS_DISABLE.search(listener) and bool(_CERT_FILE.search(listener)) and chart_tls
    server = VaultServer(release, mode, storage, tls)
    if storage != "raft":
        server.problems.append(f"storage is {storage!r} ({mode} config), not integrated storage (raft)")
    if not listener:
        server.problems.append(f'no listener "tcp" in the {mode} config')
    elif _TLS_DISABLE.search(listener):
        server.problems.append("the listener sets tls_disable: Vault serves plain HTTP")
    elif not _CERT_FILE.search(listener):
        server.problems.append("the listener names no tls_cert_file: it cannot serve TLS")
    if not chart_tls:
        server.problems.append("global.tlsDisable is not false: the chart's probes and VAULT_ADDR use http")
    return server


def vault_servers(values: dict[str, tuple[str, Any]], charts: dict[str, str]) -> list[VaultServer]:
    """Every Vault server among the upstream releases' values (``charts``: release name -> chart), by name."""
    found = (vault_server(name, data, charts.get(name, "")) for name, (_, data) in sorted(values.items()))
    return [s for s in found if s is not None]
