"""SSO: the seed's "OAuth2 integration for all web apps" and its tables' Authentik dependencies, against the build.

The seed states both that every web app logs in through the identity provider and, in its service tables, which
components depend on it; the two disagree. Measured from the build only:

* the web apps: every IngressRoute's hosts (``Host(`...`)`` in its routes), by the route's component label;
* how each logs in: the Authentik blueprints under ``sso/blueprints/`` name an application per host
  (``meta_launch_url``) and its provider, whose model says the mode (an OAuth2/OpenID provider: ``oidc``; a
  proxy provider: ``forward-auth``, which also needs a forwardAuth Middleware on the route; an LDAP provider:
  ``ldap``); a host with none logs in with the app's own accounts (``none``);
* the dependencies: helmfile ``needs`` on a release of the identity provider.

``sso.all_web_apps`` holds when every web app but the identity provider has an OAuth2/OpenID client;
``sso.dependencies`` holds when every app that logs in through the identity provider needs it in helmfile, i.e.
when the table's dependencies agree with "SSO for all web apps". Using the provider for login is wiring (an app
configured for OIDC starts without it), so the second is contradicted by design: the detail lists the apps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from hearth.verify.build.manifests import SAFE_LOADER
from hearth.verify.build.model import Build
from hearth.verify.statements.report import Statement

__all__ = ["sso_statements"]

BLUEPRINTS = "sso/blueprints"
MODES = {
    "authentik_providers_oauth2.oauth2provider": "oidc",
    "authentik_providers_proxy.proxyprovider": "forward-auth",
    "authentik_providers_ldap.ldapprovider": "ldap",
}
_HOST = re.compile(r"Host\(`([^`]+)`\)")


class _Ref:
    """A blueprint tag's argument (``!KeyOf provider-x``), kept to follow references between entries."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Loader(SAFE_LOADER):  # type: ignore[valid-type,misc]
    """Safe loading that keeps Authentik's blueprint tags as :class:`_Ref` instead of refusing them."""


def _tagged(loader: Any, suffix: str, node: yaml.Node) -> _Ref:
    if isinstance(node, yaml.SequenceNode):
        return _Ref(suffix, loader.construct_sequence(node, deep=True))
    if isinstance(node, yaml.MappingNode):
        return _Ref(suffix, loader.construct_mapping(node, deep=True))
    return _Ref(suffix, loader.construct_scalar(node))


_Loader.add_multi_constructor("!", _tagged)


def blueprint_modes(root: Path) -> dict[str, str] | None:
    """Host -> login mode of every application in the build's blueprints; None without ``sso/blueprints/``."""
    folder = root / BLUEPRINTS
    if not folder.is_dir():
        return None
    modes: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except (OSError, yaml.YAMLError):
            continue
        entries = [e for e in (doc or {}).get("entries") or [] if isinstance(e, dict)]
        ids = {str(e["id"]): str(e.get("model")) for e in entries if "id" in e}
        for entry in entries:
            attrs = entry.get("attrs") or {}
            if entry.get("model") != "authentik_core.application" or not isinstance(attrs, dict):
                continue
            provider = attrs.get("provider")
            model = ids.get(str(provider.value)) if isinstance(provider, _Ref) and provider.tag == "KeyOf" else None
            host = urlparse(str(attrs.get("meta_launch_url", ""))).hostname
            if host and model in MODES:
                modes[host] = MODES[model]
    return modes


def _forward_auth_middlewares(build: Build) -> set[tuple[str, str]]:
    return {
        (str(d.obj.get("metadata", {}).get("namespace")), str(d.obj.get("metadata", {}).get("name")))
        for d in build.of_kind("Middleware")
        if isinstance(d.obj.get("spec"), dict) and "forwardAuth" in d.obj["spec"]
    }


def web_apps(build: Build) -> dict[str, tuple[str, bool]]:
    """Component -> (host, whether a forwardAuth Middleware guards its route), from the IngressRoutes."""
    guards = _forward_auth_middlewares(build)
    apps: dict[str, tuple[str, bool]] = {}
    for doc in build.of_kind("IngressRoute"):
        meta = doc.obj.get("metadata", {})
        component = str((meta.get("labels") or {}).get("app.kubernetes.io/name", meta.get("name")))
        for route in (doc.obj.get("spec") or {}).get("routes") or []:
            hosts = _HOST.findall(str(route.get("match", "")))
            guarded = any(
                (str(m.get("namespace", meta.get("namespace"))), str(m.get("name"))) in guards
                for m in route.get("middlewares") or []
            )
            if hosts and component not in apps:
                apps[component] = (hosts[0], guarded)
    return apps


def _needs_of(build: Build, provider: str) -> set[str]:
    keys = {r.key for r in build.releases if r.component == provider}
    return {r.component for r in build.releases if keys & set(r.needs)}


def sso_statements(claims: Mapping[str, Any], build: Build) -> list[Statement]:
    """The two SSO statements (none when ``claims.yaml`` states none)."""
    stated = claims.get("sso") or {}
    if not stated:
        return []
    provider, claim = str(stated.get("provider")), str(stated.get("claim"))
    listed = sorted(str(n) for n in stated.get("listed_dependents") or [])
    modes = blueprint_modes(build.root)
    if modes is None:
        missing = f"no {BLUEPRINTS}/ in the build"
        return [
            Statement("sso", "sso.all_web_apps", claim, "every web app", "-", None, missing),
            Statement("sso", "sso.dependencies", "Authentik dependencies", ", ".join(listed), "-", None, missing),
        ]
    apps = {name: v for name, v in web_apps(build).items() if name != provider}
    by_app: dict[str, str] = {}
    unguarded: list[str] = []
    for name, (host, guarded) in sorted(apps.items()):
        mode = modes.get(host, "none")
        if mode == "forward-auth" and not guarded:
            unguarded.append(name)
        by_app[name] = mode
    counts = {m: sorted(n for n, v in by_app.items() if v == m) for m in ("oidc", "forward-auth", "ldap", "none")}
    computed = ", ".join(f"{len(v)} {m}" for m, v in counts.items())
    others = {m: v for m, v in counts.items() if m != "oidc" and v}
    detail = "; ".join(f"{m}: {', '.join(v)}" for m, v in others.items())
    if unguarded:
        detail += f"; forward-auth provider but no forwardAuth Middleware on the route: {', '.join(unguarded)}"
    items: list[dict[str, object]] = [{"app": n, "login": m} for n, m in by_app.items()]
    first = Statement(
        "sso", "sso.all_web_apps", claim, f"all {len(by_app)} web apps", computed, not others, detail.strip("; "), items
    )
    through = sorted(n for n, m in by_app.items() if m != "none")
    needing = _needs_of(build, provider)
    without = [n for n in through if n not in needing]
    second = Statement(
        "sso",
        "sso.dependencies",
        f"The service tables list {provider} as a dependency of only these",
        ", ".join(listed),
        f"{len(through)} apps log in through {provider}, {len(without)} without a deploy need on it",
        not without,
        (
            f"log in through {provider} without a need (SSO is wiring, not deploy order: they start without it and "
            f"log in once it is up): {', '.join(without)}"
            if without
            else ""
        ),
        [{"app": n, "needs_provider": n in needing} for n in through],
    )
    return [first, second]
