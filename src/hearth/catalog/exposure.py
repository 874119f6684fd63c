"""How a component is reached and what it reaches outside the cluster: its web front (Traefik and the SSO mode),
its admission webhooks, its egress, and TLS on its own listener from the bootstrap CA.

Models here check the shape of one value; rules between values are in ``hearth.catalog.checks``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hearth.catalog.fields import Name, PortName, PortNumber, Protocol, Strict


class Webhook(Strict):
    """An admission webhook the component serves; the API server must reach it on this port."""

    port: PortName
    """the port (by name) the webhook is served on."""
    pod: Name | None = None
    """for an upstream chart: the pod that serves it."""


class ExternalPort(Strict):
    """A port outside the cluster, by number and protocol."""

    port: PortNumber
    """the port number."""
    protocol: Protocol = "TCP"
    """TCP, UDP or SCTP."""


class Egress(Strict):
    """A connection a component opens to something outside the cluster.

    ``internet``: any public address (the pod, service, LAN and tunnel ranges excepted); ``gateway``: the gateway
    VPS's public address. ``pod`` limits it to one pod of an upstream chart (default: every pod).
    """

    to: Literal["internet", "gateway"]
    """internet (any public address) or gateway (the gateway VPS)."""
    ports: list[ExternalPort] = Field(min_length=1)
    """the ports it connects to."""
    pod: Name | None = None
    """for an upstream chart: the one pod that connects (default: every pod)."""
    reason: str = Field(min_length=10)
    """why it reaches outside."""


class Web(Strict):
    """A component reached by people through Traefik, and how they log in to it through the platform's SSO.

    ``sso``: ``oidc`` (the app's own OpenID Connect client, registered in the identity provider), ``forward-auth``
    (the router asks the identity provider's outpost before every request), ``ldap`` (the app binds to the identity
    provider's LDAP outpost) or ``none`` (with ``sso_reason``, a reason about the app itself). Using the identity
    provider for login is wiring, not deploy order: it adds no ``needs`` (an app configured for OIDC starts without
    the provider and logs in through it once it is up). ``sso_skip_paths``: regular expressions of paths the
    forward-auth outpost lets through unauthenticated (webhooks, tracking endpoints, APIs with their own tokens).
    ``sso_pod``: the chart pod that exchanges the code for tokens when it is not the one serving ``port``.
    """

    host: Name
    """the hostname under platform.domain."""
    port: PortName
    """the port (by name) Traefik routes to."""
    sso: Literal["oidc", "forward-auth", "ldap", "none"]
    """oidc (native client), forward-auth (Traefik asks the identity provider), ldap (binds to its LDAP outpost) or
    none."""
    internal_service: str | None = Field(
        default=None,
        description="route to a service the router serves itself (Traefik's api@internal), not to the port's Service",
    )
    sso_reason: str = ""
    """why this SSO mode, when it is not the obvious one."""
    sso_skip_paths: list[str] = Field(default_factory=list)
    """regular expressions of paths the forward-auth outpost lets through unauthenticated."""
    sso_pod: Name | None = Field(
        default=None,
        description="the pod that calls the identity provider's OIDC back channel (default: the pod serving port)",
    )


class ListenerTls(Strict):
    """TLS on a component's own listener, from a certificate of the platform's bootstrap CA.

    The bootstrap CA is cert-manager's ``selfSigned`` -> ``ca`` issuer chain (``hearth.render.bootstrap_tls``),
    for a listener that must serve TLS before the platform's own PKI can sign: Vault's, since the Vault
    ClusterIssuer needs Vault running. Consumers of the component trust the bootstrap CA.
    """

    secret: Name
    """the Secret cert-manager writes the certificate into (tls.crt, tls.key, ca.crt), which the chart mounts."""
    ports: list[PortName] = Field(min_length=1, description="the ports the listener serves TLS on")
    names: list[str] = Field(default=[], description="DNS names beyond the pods' Services (peers, wildcards)")
    reason: str = Field(min_length=20)
    """why the listener's certificate comes from the bootstrap CA: the order that makes it necessary."""
