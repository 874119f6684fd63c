"""Load a catalog directory: ``platform.yaml`` plus ``services/<namespace>/<name>.yaml``, one per component.

Each file is validated by its pydantic model; then ``hearth.catalog.checks`` checks what only the whole catalog
can show. Every failure is a single ``CatalogError`` naming file, line and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hearth.catalog.checks import check_catalog
from hearth.catalog.models import Catalog, Component, Platform
from hearth.catalog.yamlsource import CatalogError, Loc, Located, read_yaml

M = TypeVar("M", bound=BaseModel)


@dataclass
class Sources:
    """Where each part of a loaded catalog came from, for errors found after loading."""

    platform: Located
    components: dict[str, Located] = field(default_factory=dict)


def default_catalog_dir() -> Path:
    """The packaged default platform (the seed architecture, as data)."""
    return Path(str(resources.files("hearth.catalog") / "defaults"))


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    msg = str(error.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _clean_loc(loc: tuple[Any, ...]) -> Loc:
    # pydantic adds union/function markers such as 'function-after[...]' or 'int'; they are not YAML keys.
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and ("[" in part or part in {"int", "str", "float", "bool"}):
            continue
        out.append(part)
    return tuple(out)


_DUPLICATE_PORT_NAME = re.compile(r"^port name '(.*)' is declared twice")
_DUPLICATE_PORT = re.compile(r"^port ([0-9]+)/([A-Z]+) is declared twice")
_NAMES_UNDECLARED = re.compile(r"^([a-z_.0-9-]+) names (?:port|pod) '(.*)', which")
# A whole-model check may start its message with the dotted path it is about: "install.pods.x.field: problem".
_PATH_PREFIX = re.compile(r"^([a-z_][a-z_0-9-]*(?:\.[a-z_0-9-]+)+): (.+)$")


def _follow(data: Any, where: list[str], target: str) -> Loc:
    """The YAML path a dotted message path such as ``install.pods.server.ports`` names, as far as it exists."""
    loc: list[str | int] = []
    for part in where:
        if isinstance(data, dict) and part in data:
            loc.append(part)
            data = data[part]
            continue
        if not isinstance(data, list):
            break
        items = [item if isinstance(item, dict) else {} for item in data]
        by_name = [i for i, item in enumerate(items) if part in (item.get("name"), item.get("capability"))]
        by_value = [i for i, item in enumerate(items) if item.get(part) == target]
        if by_name:
            loc.append(by_name[0])
            data = data[by_name[0]]
        elif by_value:
            loc += [by_value[0], part]
            data = target
        else:
            break
    if isinstance(data, list) and target in data:
        loc.append(data.index(target))
    return tuple(loc)


def _whole_model_loc(data: dict[str, Any], message: str) -> Loc:
    """Where a check of the whole component points; pydantic gives such errors no location of their own."""
    ports = [p if isinstance(p, dict) else {} for p in data.get("ports") or []]
    if match := _DUPLICATE_PORT_NAME.match(message):
        names = [p.get("name") for p in ports]
        return ("ports", names.index(match[1], names.index(match[1]) + 1), "name")
    if match := _DUPLICATE_PORT.match(message):
        numbers = [(str(p.get("port")), p.get("protocol", "TCP")) for p in ports]
        first = numbers.index((match[1], match[2]))
        return ("ports", numbers.index((match[1], match[2]), first + 1), "port")
    if match := _NAMES_UNDECLARED.match(message):
        return _follow(data, match[1].split("."), match[2])
    if message.startswith("a component cannot need itself"):
        return ("needs", list(data.get("needs") or []).index(data.get("name")))
    if message.startswith("a workload rendered by hearth needs resources"):
        return ("resources",)
    return ()


def validate_document(doc: Located, model: type[M]) -> M:
    """Validate one located YAML document against ``model``; the first problem becomes a CatalogError."""
    if not isinstance(doc.data, dict):
        got = {type(None): "an empty document", list: "a list"}.get(type(doc.data), "a single value")
        raise doc.error((), f"expected a mapping of keys for a {model.__name__.lower()}, got {got}")
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = _clean_loc(tuple(first.get("loc", ())))
        message = _message(dict(first))
        if not loc and (prefixed := _PATH_PREFIX.match(message)):
            loc, message = _follow(doc.data, prefixed[1].split("."), ""), prefixed[2]
        elif not loc:
            try:
                loc = _whole_model_loc(doc.data, message)
            except ValueError:  # the data does not show what the message names: keep the document
                loc = ()
        raise doc.error(loc, message) from exc


def load_catalog_with_sources(directory: Path | None = None) -> tuple[Catalog, Sources]:
    """Load and check a catalog directory, returning it with the source map used for its errors."""
    root = directory if directory is not None else default_catalog_dir()
    if not root.is_dir():
        raise CatalogError(root, 1, "(directory)", "not a directory")
    platform_file = root / "platform.yaml"
    if not platform_file.is_file():
        raise CatalogError(platform_file, 1, "(file)", "missing: a catalog needs platform.yaml")
    platform_doc = read_yaml(platform_file)
    platform = validate_document(platform_doc, Platform)
    sources = Sources(platform=platform_doc)

    components: dict[str, Component] = {}
    services = root / "services"
    files = sorted(services.rglob("*.yaml")) + sorted(services.rglob("*.yml")) if services.is_dir() else []
    for path in sorted(files):
        doc = read_yaml(path)
        component = validate_document(doc, Component)
        if component.name in components:
            first = sources.components[component.name].path
            raise doc.error(("name",), f"duplicate component {component.name!r} (also in {first})")
        if path.stem != component.name:
            raise doc.error(("name",), f"component {component.name!r} must live in {component.name}.yaml")
        if path.parent.name != component.namespace:
            raise doc.error(
                ("namespace",),
                f"namespace {component.namespace!r} does not match the folder services/{path.parent.name}/",
            )
        components[component.name] = component
        sources.components[component.name] = doc
    if not components:
        raise CatalogError(services, 1, "(directory)", "no components: add services/<namespace>/<name>.yaml")
    catalog = Catalog(platform=platform, components=components)
    check_catalog(catalog, sources.platform, sources.components)
    return catalog, sources


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and check a catalog directory (the packaged default when ``directory`` is None)."""
    return load_catalog_with_sources(directory)[0]
