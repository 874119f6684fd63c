"""Load a catalog directory: ``platform.yaml`` plus ``services/<namespace>/<name>.yaml``, one per component.

Each file is validated by its pydantic model; then ``hearth.catalog.checks`` checks what only the whole catalog
can show. Every failure is a single ``CatalogError`` naming file, line and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hearth.catalog.checks import check_catalog
from hearth.catalog.models import Catalog, Component, Platform
from hearth.catalog.yamlsource import CatalogError, Located, Loc, read_yaml

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


def validate_document(doc: Located, model: type[M]) -> M:
    """Validate one located YAML document against ``model``; the first problem becomes a CatalogError."""
    if not isinstance(doc.data, dict):
        raise doc.error((), f"expected a mapping of keys for a {model.__name__.lower()}")
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = _clean_loc(tuple(first.get("loc", ())))
        raise doc.error(loc, _message(dict(first))) from exc


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
