"""Rules for ``credentials``: each names a credential the component has, in a delivery its install can take.

A source is ``app`` or the capability of a grant the component gets from one of its needs (a provider whose
capability has a ``grant`` other than its Vault role); a template names only that capability's
``credential_keys`` and the connection facts (``url`` only where the capability composes one). ``secret`` is for
upstream charts and needs a ``secret-sync`` provider in the catalog; the agent's deliveries are for pods hearth
renders, and ``env`` wraps the component's ``command``, which must then be stated; ``none`` (the application
cannot read the credential at all) fits either.
"""

from __future__ import annotations

from hearth.capabilities import CAPABILITIES, SSO_MODE_GRANT, takes_grant
from hearth.catalog.app_keys import webhook_key
from hearth.catalog.component import Component
from hearth.catalog.credentials import APP, FACTS, placeholders
from hearth.catalog.yamlsource import CatalogError, Located


def granted(component: Component, components: dict[str, Component], sso_provider: str | None = None) -> set[str]:
    """The capabilities whose grants the component holds (besides its Vault role): its credentials' sources.

    Those of its needs' providers, and the client its ``web.sso`` mode takes from the platform's identity provider
    ``sso_provider`` without a need (``hearth.resolve.sso``).
    """
    sso_mode = component.web.sso if component.web is not None else None
    kind = SSO_MODE_GRANT.get(sso_mode or "")
    out = set()
    for need in (n for n in component.needs if n not in component.order_only):
        provider = components.get(need)
        for capability in provider.capabilities() if provider is not None else set():
            grant = CAPABILITIES[capability].grant
            if grant is not None and grant != "vault-role" and takes_grant(grant, sso_mode):
                out.add(capability)
    idp = components.get(sso_provider) if sso_provider is not None else None
    if idp is not None and kind is not None and idp.name != component.name:
        out |= {c for c in idp.capabilities() if CAPABILITIES[c].grant == kind}
    return out


def _problems(
    component: Component, components: dict[str, Component], syncing: bool, sso_provider: str | None
) -> list[tuple[tuple[str | int, ...], str]]:
    """``syncing``: some component provides secret-sync (asked once per catalog, not once per component)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    sources = granted(component, components, sso_provider)
    seen: set[str] = set()
    secrets: set[str] = set()
    for i, credential in enumerate(component.credentials):
        loc: tuple[str | int, ...] = ("credentials", i)
        if credential.source != APP and credential.source not in sources:
            known = ", ".join(sorted({APP, *sources}))
            problems.append(((*loc, "source"), f"{credential.source!r} is not a credential it has (has: {known})"))
            continue
        if credential.source in seen:
            problems.append(((*loc, "source"), f"{credential.source!r} is delivered twice"))
        seen.add(credential.source)
        chart = component.install.method == "chart"
        if credential.delivery != "none" and chart != (credential.delivery == "secret"):
            where = (
                "an upstream chart takes only delivery secret" if chart else "delivery secret is for upstream charts"
            )
            problems.append(((*loc, "delivery"), where))
        if credential.delivery == "secret" and not syncing:
            problems.append(((*loc, "delivery"), "delivery secret needs a provider of secret-sync in the catalog"))
        if credential.secret is not None:
            if credential.secret in secrets:
                problems.append(((*loc, "secret"), f"Secret {credential.secret!r} is named twice"))
            secrets.add(credential.secret)
        if credential.delivery == "env" and not component.command:
            problems.append(((*loc, "delivery"), "delivery env wraps 'command': state the image's entrypoint there"))
        if credential.source == APP:
            problems += _app_key_problems(component, loc, credential.variables)
            continue
        spec = CAPABILITIES[credential.source]
        allowed = set(spec.credential_keys) | set(FACTS) - ({"url"} if spec.url is None else set())
        for name, template in credential.variables.items():
            unknown = [p for p in placeholders(template) if p not in allowed]
            if unknown:
                known = ", ".join(sorted(allowed))
                message = f"{{{unknown[0]}}} is neither a key of the credential nor a fact (has: {known})"
                problems.append(((*loc, "variables", name), message))
    return problems


def _app_key_problems(
    component: Component, loc: tuple[str | int, ...], variables: dict[str, str]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Every key an ``app`` credential reads is stated in ``app_keys`` (generated, or the operator's)."""
    if not variables and not component.app_keys:
        return [((*loc, "variables"), "an app credential with no variables reads every key: state them in app_keys")]
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for name, template in sorted(variables.items()):
        for key in placeholders(template):
            if key not in component.app_keys:
                message = (
                    f"{{{key}}} is a key of the app entry that app_keys does not state: say whether hearth bootstrap "
                    "generates it or the operator supplies it (hearth.catalog.app_keys)"
                )
                problems.append(((*loc, "variables", name), message))
    return problems


def webhook_key_errors(
    webhook_secret: str | None, components: dict[str, Component], docs: dict[str, Located]
) -> list[CatalogError]:
    """The alert webhook's key, when it is in the ``metrics`` provider's own entry, is stated in its app_keys."""
    errors = []
    for name in sorted(components):
        key = webhook_key(components[name], webhook_secret)
        if key is not None and key not in components[name].app_keys:
            errors.append(
                docs[name].error(
                    ("app_keys",),
                    f"platform alert_routing.webhook_secret reads key {key!r} of this component's app entry: state "
                    "it in app_keys (operator, with the reason)",
                )
            )
    return errors


def credential_errors(
    components: dict[str, Component], docs: dict[str, Located], sso_provider: str | None = None
) -> list[CatalogError]:
    """Every ``credentials`` entry that names a credential the component lacks or a delivery it cannot take;
    ``sso_provider``: the platform's identity provider (``platform.sso.provider``), when the platform loaded."""
    syncing = any("secret-sync" in c.capabilities() for c in components.values())
    return [
        docs[name].error(loc, message)
        for name in sorted(components)
        for loc, message in _problems(components[name], components, syncing, sso_provider)
    ]
