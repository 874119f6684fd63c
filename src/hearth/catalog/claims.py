"""The catalog's claims (``claims.yaml`` beside ``platform.yaml``): what a design document states about the
platform, kept as data so that ``hearth check`` can compare each statement with what it measures.

Claims are not settings: nothing is rendered from them but the build's own ``claims.yaml`` for the auditor. They
live in a file of their own so that a catalog without a document to hold to (``hearth init --blank``, or the seed
resized) simply has none, and nothing warns about statements it never made. The seed's claims are those of its
``architecture.md``.
"""

from __future__ import annotations

from pydantic import Field

from hearth.catalog.component import Component
from hearth.catalog.fields import Name, Strict

CLAIMS_FILE = "claims.yaml"


class StatedOrder(Strict):
    """An order the document states in prose (e.g. its 'dependency chain'); checked against the component graph.

    Each step names components or tags (``databases``, ``apps``); a step stands for every component it names.
    """

    name: str = Field(description="a short name for the order, used in warnings and the audit")
    source: str = Field(description="where the document states it (document, section)")
    steps: list[list[Name]] = Field(
        description="the stated sequence: each step a list of components, namespaces or tags that come together"
    )


class StatedFigure(Strict):
    """A figure the document claims; ``hearth check`` computes the real one and compares."""

    key: str = Field(
        description="which measured figure it is, e.g. services.total, nodes.cpu_total, utilization.<node>, "
        "storage.pvc_total"
    )
    claim: str = Field(description="the document's words, quoted")
    value: float | int | str = Field(description="the stated value: a number, or a quantity such as 40Gi")


class StatedTool(Strict):
    """A tool the document says does a job; ``hearth check`` compares ``value`` with the image of the pods the
    build gives that role."""

    role: str = Field(description="the contract role of the pod doing the job (hearth.dev/role), e.g. log-collector")
    claim: str = Field(description="the document's words, quoted")
    value: str = Field(description="the tool's name as it appears in the image repository, e.g. promtail")


class StatedSso(Strict):
    """The document's SSO statement ("OAuth2 integration for all web apps"); ``hearth check`` compares it with how
    each web app logs in, and the components whose ``needs`` name the identity provider (the document's tables)
    with the apps that log in through it."""

    claim: str = Field(description="the document's words, quoted")
    source: str = Field(description="where the document states it (document, section)")


class Claims(Strict):
    """Everything a design document states that hearth can measure: its tables, orders, figures and tools."""

    database_allocation: dict[Name, list[Name]] = Field(
        default={}, description="the document's database table: provider component to the components it serves"
    )
    stated_orders: list[StatedOrder] = Field(default=[], description="deploy orders the document states")
    stated_figures: list[StatedFigure] = Field(default=[], description="figures the document claims")
    stated_tools: list[StatedTool] = Field(default=[], description="tools the document names for a job")
    stated_sso: StatedSso | None = Field(default=None, description="the document's SSO statement")


def claims_problems(
    claims: Claims, components: dict[str, Component], broken: frozenset[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Names in ``claims.yaml`` that must be components (or, in stated orders, their namespaces and tags)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []

    def unknown(name: str) -> bool:
        return name not in components and name not in broken

    for provider, consumers in claims.database_allocation.items():
        if unknown(provider):
            problems.append((("database_allocation", provider), f"unknown component {provider!r}"))
        for j, name in enumerate(consumers):
            if unknown(name):
                problems.append((("database_allocation", provider, j), f"unknown component {name!r}"))
    known = set(components) | broken | {t for c in components.values() for t in (c.namespace, *c.tags)}
    for i, order in enumerate(claims.stated_orders):
        for j, step in enumerate(order.steps):
            for k, name in enumerate(step):
                if name not in known:
                    problems.append((("stated_orders", i, "steps", j, k), f"unknown component or tag {name!r}"))
    return problems
