"""The gateway VPS's files (``build/gateway/``): compose file, Pangolin config, edge Traefik, Newt's blueprint.

Kept whole: the five files describe one hop and must agree on the constants below (the internal port, the
certificate resolver, the site address, the images' versions); one module states each once beside every file that
uses it.

Traffic, as the seed draws it: Internet -> edge Traefik on the VPS (TLS termination) -> WireGuard (Gerbil on the
VPS, Newt in the cluster) -> cluster Traefik -> services. Newt is a userspace WireGuard client: the gateway reaches
the cluster only on the targets Pangolin gives it, each listening on the site's tunnel address at its
``internal-port``. So:

* ``newt/blueprint.yaml`` (Newt's ``--blueprint-file``) declares one Pangolin resource per public hostname, each
  targeting the cluster Traefik's TLS entrypoint on a fixed internal port, and one raw TCP resource per port a
  component lists in ``public_tcp``, targeting the cluster Traefik's TCP entrypoint for that port (its
  IngressRouteTCP passes the connection on to the component);
* ``config/traefik/dynamic_config.yml`` routes each hostname on ``websecure`` (TLS terminated here) to that
  internal port at the site's tunnel address, re-encrypted towards the cluster Traefik and checked against the
  platform CA with the hostname as SNI, so the cluster Traefik serves the host's own certificate; raw TCP ports get
  TCP routers on ``tcp-<port>`` entrypoints (Pangolin's naming for raw resources). Pangolin's HTTP provider
  generates routers for the same resources; both lead to the same site target. Where the cluster entrypoint reads
  the PROXY protocol (the router's ``proxy_protocol``), the TCP service sends a v2 header naming the client first,
  through a ``tcp.serversTransports`` entry with ``proxyProtocol.version: 2`` (the service's own
  ``loadBalancer.proxyProtocol`` is deprecated since Traefik v3.5.2, traefik/traefik#12100), so the mail server
  behind sees the sender's address, not the tunnel's;
* the site's tunnel address is allocated by Pangolin (``gerbil.subnet_group``, ``site_block_size``), so the files
  read it from ``HEARTH_SITE_ADDRESS`` (Traefik's file provider templates ``{{ env }}``). The seed's fixed per-node
  tunnel addresses are not a Pangolin setting and are not rendered.

Secrets are not here: Pangolin's ``server.secret`` is added on the VPS from Vault by the deploy step, the operator's
certificate (``gateway.tls: operator``) and the platform CA are files the operator places under
``config/traefik/certs/``.
"""

from __future__ import annotations

from typing import Any

import yaml

from hearth.edge.public import PublicHost, PublicTcp, cluster_ingress, public_hosts, public_tcp
from hearth.resolve.records import Resolved

EDGE_DIR = "gateway"
COMPOSE_FILE = f"{EDGE_DIR}/docker-compose.yml"
PANGOLIN_CONFIG = f"{EDGE_DIR}/config/config.yml"
TRAEFIK_STATIC = f"{EDGE_DIR}/config/traefik/traefik_config.yml"
TRAEFIK_DYNAMIC = f"{EDGE_DIR}/config/traefik/dynamic_config.yml"
BLUEPRINT = f"{EDGE_DIR}/newt/blueprint.yaml"

# Versions reported running together (fosrl/newt issue #211, 2025-12-17: Pangolin 1.13.1, Gerbil 1.3.0, Traefik
# 3.6.5); the upstream installer's compose file (fosrl/pangolin install/config/docker-compose.yml) runs
# docker.io/traefik:v3.6 and the badger plugin v1.3.1 (install/main.go loadVersions).
PANGOLIN_IMAGE = "docker.io/fosrl/pangolin:1.13.1"
GERBIL_IMAGE = "docker.io/fosrl/gerbil:1.3.0"
TRAEFIK_IMAGE = "docker.io/traefik:v3.6.5"
BADGER_VERSION = "v1.3.1"

SITE_ADDRESS_ENV = "HEARTH_SITE_ADDRESS"
SITE_ADDRESS = '{{ env "' + SITE_ADDRESS_ENV + '" }}'
# The internal port of the site target for the cluster Traefik; raw TCP targets keep their own port number.
CLUSTER_INTERNAL_PORT = 8443
CERT_RESOLVER = "letsencrypt"
CERTS_DIR = "/etc/traefik/certs"
PLATFORM_CA = f"{CERTS_DIR}/platform-ca.crt"
# The PROXY protocol version sent ahead of raw TCP (v2: binary, carries IPv4 and IPv6 alike).
PROXY_PROTOCOL_VERSION = 2
# Pangolin's ports inside the compose network (readConfigFile.ts server.*: external 3000, internal 3001, next 3002).
PANGOLIN_API = "http://pangolin:3001/api/v1/"


# libyaml's emitter when PyYAML has it: the pure-Python one cost seconds on the dynamic configuration of a large
# catalog; both write these documents byte for byte alike.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Plain YAML without anchors: each router's ``tls`` is written out in full."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _yaml(header: str, data: Any) -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000)
    lines = "".join(f"# {line}\n" if line else "#\n" for line in header.strip().splitlines())
    return lines + body


def dashboard_host(resolved: Resolved) -> str:
    """Pangolin's own dashboard hostname: the gateway's name under the platform domain."""
    platform = resolved.catalog.platform
    return f"{platform.gateway.name}.{platform.domain}"


def _compose(resolved: Resolved, tcp: list[PublicTcp]) -> dict[str, Any]:
    gateway = resolved.catalog.platform.gateway
    wg = gateway.listen_port
    # Gerbil owns the network namespace the edge Traefik shares, so every published port is Gerbil's.
    ports = [f"{wg}:{wg}/udp", "80:80", "443:443", *(f"{t.port.port}:{t.port.port}" for t in tcp)]
    return {
        "services": {
            "pangolin": {
                "image": PANGOLIN_IMAGE,
                "container_name": "pangolin",
                "restart": "unless-stopped",
                "volumes": ["./config:/app/config"],
                "healthcheck": {
                    "test": ["CMD", "curl", "-f", PANGOLIN_API.replace("pangolin", "localhost", 1)],
                    "interval": "10s",
                    "timeout": "10s",
                    "retries": 15,
                },
            },
            "gerbil": {
                "image": GERBIL_IMAGE,
                "container_name": "gerbil",
                "restart": "unless-stopped",
                "depends_on": {"pangolin": {"condition": "service_healthy"}},
                "command": [
                    "--reachableAt=http://gerbil:3004",
                    "--generateAndSaveKeyTo=/var/config/key",
                    f"--remoteConfig={PANGOLIN_API}",
                ],
                "volumes": ["./config/:/var/config"],
                "cap_add": ["NET_ADMIN", "SYS_MODULE"],
                "ports": ports,
            },
            "traefik": {
                "image": TRAEFIK_IMAGE,
                "container_name": "traefik",
                "restart": "unless-stopped",
                "network_mode": "service:gerbil",
                "depends_on": {"pangolin": {"condition": "service_healthy"}},
                "command": ["--configFile=/etc/traefik/traefik_config.yml"],
                "environment": {
                    SITE_ADDRESS_ENV: "${" + SITE_ADDRESS_ENV + ":?the tunnel address Pangolin gave the cluster site}"
                },
                "volumes": [
                    "./config/traefik:/etc/traefik:ro",
                    "./config/letsencrypt:/letsencrypt",
                ],
            },
        }
    }


def _pangolin_config(resolved: Resolved) -> dict[str, Any]:
    platform = resolved.catalog.platform
    gateway = platform.gateway
    dashboard = dashboard_host(resolved)
    domain: dict[str, Any] = {"base_domain": platform.domain}
    if gateway.tls == "acme":
        domain["cert_resolver"] = CERT_RESOLVER
    return {
        "app": {"dashboard_url": f"https://{dashboard}", "log_level": "info", "telemetry": {"anonymous_usage": False}},
        "domains": {platform.name: domain},
        "server": {"cors": {"origins": [f"https://{dashboard}"], "credentials": False}},
        # Gerbil takes the first address of its block; one block the size of the seed's tunnel subnet makes that
        # block the subnet itself, and sites get /30s inside it (readConfigFile.ts gerbil.*).
        "gerbil": {
            "start_port": gateway.listen_port,
            "base_endpoint": str(gateway.public_ip),
            "subnet_group": str(gateway.wireguard_subnet),
            "block_size": gateway.wireguard_subnet.prefixlen,
            "site_block_size": 30,
        },
        "traefik": {"cert_resolver": CERT_RESOLVER} if gateway.tls == "acme" else {},
        "flags": {
            "require_email_verification": False,
            "disable_signup_without_invite": True,
            "disable_user_create_org": True,
            "allow_raw_resources": True,
        },
    }


def _traefik_static(resolved: Resolved, tcp: list[PublicTcp]) -> dict[str, Any]:
    gateway = resolved.catalog.platform.gateway
    websecure: dict[str, Any] = {"address": ":443"}
    websecure["http"] = {"tls": {"certResolver": CERT_RESOLVER} if gateway.tls == "acme" else {}}
    entry_points: dict[str, Any] = {"web": {"address": ":80"}, "websecure": websecure}
    for t in tcp:
        entry_points[f"tcp-{t.port.port}"] = {"address": f":{t.port.port}/tcp"}
    static: dict[str, Any] = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "providers": {
            "http": {"endpoint": f"{PANGOLIN_API}traefik-config", "pollInterval": "5s"},
            "file": {"filename": "/etc/traefik/dynamic_config.yml"},
        },
        # Pangolin's resource authentication middleware (its generated routers use badger@file).
        "experimental": {"plugins": {"badger": {"moduleName": "github.com/fosrl/badger", "version": BADGER_VERSION}}},
        "log": {"level": "INFO"},
        "entryPoints": entry_points,
        "ping": {"entryPoint": "web"},
    }
    if gateway.tls == "acme":
        # Let's Encrypt no longer sends expiry mail (2025), so no contact address is needed.
        static["certificatesResolvers"] = {
            CERT_RESOLVER: {"acme": {"httpChallenge": {"entryPoint": "web"}, "storage": "/letsencrypt/acme.json"}}
        }
    return static


def _router_tls(resolved: Resolved) -> dict[str, Any]:
    return {"certResolver": CERT_RESOLVER} if resolved.catalog.platform.gateway.tls == "acme" else {}


def _traefik_dynamic(resolved: Resolved, hosts: list[PublicHost], tcp: list[PublicTcp]) -> dict[str, Any]:
    tls = _router_tls(resolved)
    dashboard = dashboard_host(resolved)
    routers: dict[str, Any] = {
        "redirect-to-https": {
            "rule": "PathPrefix(`/`)",
            "entryPoints": ["web"],
            "priority": 1,
            "middlewares": ["redirect-to-https"],
            "service": "noop@internal",
        },
        "pangolin-next": {
            "rule": f"Host(`{dashboard}`) && !PathPrefix(`/api/v1`)",
            "entryPoints": ["websecure"],
            "middlewares": ["badger"],
            "service": "pangolin-next",
            "tls": tls,
        },
        "pangolin-api": {
            "rule": f"Host(`{dashboard}`) && PathPrefix(`/api/v1`)",
            "entryPoints": ["websecure"],
            "middlewares": ["badger"],
            "service": "pangolin-api",
            "tls": tls,
        },
    }
    services: dict[str, Any] = {
        "pangolin-next": {"loadBalancer": {"servers": [{"url": "http://pangolin:3002"}]}},
        "pangolin-api": {"loadBalancer": {"servers": [{"url": "http://pangolin:3000"}]}},
    }
    transports: dict[str, Any] = {}
    for h in hosts:
        routers[h.component] = {
            "rule": f"Host(`{h.host}`)",
            "entryPoints": ["websecure"],
            "service": h.component,
            "tls": tls,
        }
        services[h.component] = {
            "loadBalancer": {
                "servers": [{"url": f"https://{SITE_ADDRESS}:{CLUSTER_INTERNAL_PORT}"}],
                "passHostHeader": True,
                "serversTransport": h.component,
            }
        }
        transports[h.component] = {"serverName": h.host, "rootCAs": [PLATFORM_CA]}
    dynamic: dict[str, Any] = {
        "http": {
            "middlewares": {
                "redirect-to-https": {"redirectScheme": {"scheme": "https", "permanent": True}},
                "badger": {"plugin": {"badger": {"disableForwardAuth": True}}},
            },
            "routers": routers,
            "services": services,
            "serversTransports": transports,
        }
    }
    if tcp:
        dynamic["tcp"] = _traefik_tcp(tcp)
    if resolved.catalog.platform.gateway.tls == "operator":
        dynamic["tls"] = {"certificates": [{"certFile": f"{CERTS_DIR}/tls.crt", "keyFile": f"{CERTS_DIR}/tls.key"}]}
    return dynamic


def _traefik_tcp(tcp: list[PublicTcp]) -> dict[str, Any]:
    """TCP routers and services of the raw ports; a PROXY protocol v2 transport for those the cluster reads it on."""
    services: dict[str, Any] = {}
    transports: dict[str, Any] = {}
    for t in tcp:
        balancer: dict[str, Any] = {"servers": [{"address": f"{SITE_ADDRESS}:{t.port.port}"}]}
        if t.proxy_protocol:
            balancer["serversTransport"] = t.key
            transports[t.key] = {"proxyProtocol": {"version": PROXY_PROTOCOL_VERSION}}
        services[t.key] = {"loadBalancer": balancer}
    out: dict[str, Any] = {
        "routers": {
            t.key: {"entryPoints": [f"tcp-{t.port.port}"], "rule": "HostSNI(`*`)", "service": t.key} for t in tcp
        },
        "services": services,
    }
    if transports:
        out["serversTransports"] = transports
    return out


def _blueprint(resolved: Resolved, hosts: list[PublicHost], tcp: list[PublicTcp]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    ingress = cluster_ingress(resolved)
    if ingress is not None:
        target = {
            "method": "https",
            "hostname": f"{ingress.host}.cluster.local",
            "port": ingress.pod.service_port(ingress.port),
            "internal-port": CLUSTER_INTERNAL_PORT,
        }
        for h in hosts:
            resources[h.component] = {
                "name": resolved.component(h.component).display_name,
                "protocol": "http",
                "full-domain": h.host,
                "ssl": True,
                # People sign in through the platform's own SSO in the cluster, not Pangolin's.
                "auth": {"sso-enabled": False},
                "targets": [dict(target)],
            }
    for t in tcp:
        resources[t.key] = {
            "name": f"{resolved.component(t.component).display_name} {t.port.name}",
            "protocol": "tcp",
            "proxy-port": t.port.port,
            "targets": [{"hostname": t.service_host, "port": t.service_port, "internal-port": t.port.port}],
        }
    return {"proxy-resources": resources}


def render_edge(resolved: Resolved) -> dict[str, str]:
    """``build/gateway/``: what the gateway VPS runs (module docstring); one entry of ``FILE_RENDERERS``.

    Nothing when the platform has no cluster Traefik to publish through, or nothing to publish.
    """
    hosts = public_hosts(resolved)
    tcp = public_tcp(resolved)
    if cluster_ingress(resolved) is None or not (hosts or tcp):
        return {}
    gateway = resolved.catalog.platform.gateway
    unapplied = ", ".join(f"{n.name} {n.wireguard_ip}" for n in resolved.catalog.platform.nodes)
    return {
        COMPOSE_FILE: _yaml(
            f"""
The gateway VPS ({gateway.name}, {gateway.public_ip}): Pangolin, Gerbil and the edge Traefik, rendered by hearth.
Run from this directory with {SITE_ADDRESS_ENV} set (in .env or the shell) to the tunnel address Pangolin gave
the cluster's site. Layout and commands follow fosrl/pangolin install/config/docker-compose.yml.
""",
            _compose(resolved, tcp),
        ),
        PANGOLIN_CONFIG: _yaml(
            f"""
Pangolin's config.yml, rendered by hearth. server.secret is not here: the deploy step adds it on the VPS from
Vault. Pangolin allocates each site's tunnel address itself (gerbil.subnet_group, site_block_size), so the seed's
fixed per-node addresses ({unapplied}) are not a setting Pangolin takes.
""",
            _pangolin_config(resolved),
        ),
        TRAEFIK_STATIC: _yaml(
            "The edge Traefik's static configuration, rendered by hearth (entrypoints, providers, certificates).",
            _traefik_static(resolved, tcp),
        ),
        TRAEFIK_DYNAMIC: _yaml(
            f"""
The edge Traefik's file provider, rendered by hearth: every public hostname to the cluster Traefik through the
tunnel. {SITE_ADDRESS_ENV} is read from the environment when Traefik loads this file; {PLATFORM_CA} is the
platform CA the cluster's certificates chain to, placed by the operator.
""",
            _traefik_dynamic(resolved, hosts, tcp),
        ),
        BLUEPRINT: _yaml(
            "Pangolin resources for the cluster's site (newt --blueprint-file), rendered by hearth.",
            _blueprint(resolved, hosts, tcp),
        ),
    }
