"""Load a catalog directory: ``platform.yaml`` plus ``services/<namespace>/<name>.yaml``, one per component, and
``claims.yaml`` (a design document's statements) when the catalog has one.

Each file is validated by its pydantic model, each problem at the key path pydantic reports it; then
``hearth.catalog.checks`` checks the rules between values. Every problem of the catalog is reported at once, as
one ``CatalogErrors`` whose lines each name file, line and field, ordered by file and line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hearth.catalog.checks import catalog_errors
from hearth.catalog.claims import CLAIMS_FILE, Claims, claims_problems
from hearth.catalog.models import Catalog, Component, Platform
from hearth.catalog.yamlsource import CatalogError, CatalogErrors, Loc, Located, read_yaml

M = TypeVar("M", bound=BaseModel)


@dataclass
class Sources:
    """Where each part of a loaded catalog came from, for errors found after loading."""

    platform: Located
    components: dict[str, Located] = field(default_factory=dict)
    claims: Located | None = None


def default_catalog_dir() -> Path:
    """The packaged default platform (the seed architecture, as data)."""
    return Path(__file__).parent / "defaults"


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


def _document_errors(
    doc: Located, model: type[M], moved: frozenset[str] = frozenset()
) -> tuple[M | None, list[CatalogError]]:
    """Validate one located YAML document against ``model``: the model, or every problem pydantic found, each at
    the key path pydantic gives it (one problem per path: a union reports each of its members at one place).

    ``moved`` names top-level keys that belong in ``claims.yaml``: found here, they say so instead of "unknown key".
    """
    if not isinstance(doc.data, dict):
        got = {type(None): "an empty document", list: "a list"}.get(type(doc.data), "a single value")
        return None, [doc.error((), f"expected a mapping of keys for a {model.__name__.lower()}, got {got}")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        found: dict[Loc, CatalogError] = {}
        for error in exc.errors(include_url=False):
            loc = _clean_loc(tuple(error.get("loc", ())))
            message = _message(dict(error))
            if len(loc) == 1 and loc[0] in moved and error.get("type") == "extra_forbidden":
                message = f"a claim, not a setting: it belongs in {CLAIMS_FILE} beside platform.yaml"
            found.setdefault(loc, doc.error(loc, message))
        return None, list(found.values())


def validate_document(doc: Located, model: type[M]) -> M:
    """Validate one located YAML document against ``model``; its problems become one CatalogError."""
    value, errors = _document_errors(doc, model)
    if value is None:
        raise CatalogErrors(errors)
    return value


def _component_files(services: Path, errors: list[CatalogError]) -> list[Path]:
    """Every ``.yaml``/``.yml`` file under ``services/``, walked without following links to directories.

    What the walk cannot read, and files it will not read (another suffix, a link to a directory), are errors
    naming them, never skipped without a word; names starting with a dot (``.gitkeep``, editors' files) are
    ignored. Whether a component file is a regular file is checked when it is read, before it is opened.
    """
    if not services.exists() and not services.is_symlink():
        return []
    if not services.is_dir():
        errors.append(CatalogError(services, 1, "(directory)", "not a directory"))
        return []
    found: list[Path] = []
    pending = [services]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            errors.append(CatalogError(directory, 1, "(directory)", f"cannot read: {exc.strerror or exc}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif entry.is_symlink() and path.is_dir():
                errors.append(CatalogError(path, 1, "(directory)", "a link to a directory: not followed"))
            elif entry.name.endswith((".yaml", ".yml")):
                found.append(path)
            else:
                errors.append(
                    CatalogError(path, 1, "(file)", "not read: a component is a .yaml or .yml file under services/")
                )
    return sorted(found)


def _fallback_name(doc: Located | None, path: Path) -> str:
    """The name a component that did not load would have had, so references to it are not called unknown."""
    if doc is not None and isinstance(doc.data, dict) and isinstance(doc.data.get("name"), str):
        return str(doc.data["name"])
    return path.stem


def load_catalog_with_sources(directory: Path | None = None) -> tuple[Catalog, Sources]:
    """Load and check a catalog directory, returning it with the source map used for its errors.

    Every problem of the catalog is collected and raised at once as CatalogErrors, ordered by file and line.
    """
    root = directory if directory is not None else default_catalog_dir()
    if str(root) == "":
        raise CatalogError("(empty path)", 1, "(directory)", "no catalog directory given")
    if not root.exists():
        raise CatalogError(root, 1, "(directory)", "no such directory")
    if not root.is_dir():
        raise CatalogError(root, 1, "(directory)", "not a directory")
    try:
        empty = not any(os.scandir(root))
    except OSError as exc:
        raise CatalogError(root, 1, "(directory)", f"cannot read: {exc.strerror or exc}") from exc
    if empty:
        raise CatalogError(root, 1, "(directory)", "empty: a catalog is platform.yaml and services/<namespace>/")
    errors: list[CatalogError] = []
    platform: Platform | None = None
    platform_doc: Located | None = None
    platform_file = root / "platform.yaml"
    if not platform_file.exists() and not platform_file.is_symlink():
        errors.append(CatalogError(platform_file, 1, "(file)", "missing: a catalog needs platform.yaml"))
    else:
        try:
            platform_doc = read_yaml(platform_file)
        except CatalogError as exc:
            errors.append(exc)
        else:
            platform, found = _document_errors(platform_doc, Platform, frozenset(Claims.model_fields))
            errors += found
    claims, claims_doc = _load_claims(root / CLAIMS_FILE, errors)

    components: dict[str, Component] = {}
    docs: dict[str, Located] = {}
    broken: set[str] = set()
    services = root / "services"
    files = _component_files(services, errors)
    for path in files:
        doc: Located | None = None
        try:
            doc = read_yaml(path)
        except CatalogError as exc:
            errors.append(exc)
            broken.add(_fallback_name(doc, path))
            continue
        component, found = _document_errors(doc, Component)
        if component is None:
            errors += found
            broken.add(_fallback_name(doc, path))
            continue
        if component.name in components:
            first = docs[component.name].path
            errors.append(doc.error(("name",), f"duplicate component {component.name!r} (also in {first})"))
            continue
        if path.stem != component.name:
            errors.append(doc.error(("name",), f"component {component.name!r} must live in {component.name}.yaml"))
        if path.parent.name != component.namespace:
            errors.append(
                doc.error(
                    ("namespace",),
                    f"namespace {component.namespace!r} does not match the folder services/{path.parent.name}/",
                )
            )
        components[component.name] = component
        docs[component.name] = doc
    if not files and (services.is_dir() or not services.exists()):
        errors.append(CatalogError(services, 1, "(directory)", "no components: add services/<namespace>/<name>.yaml"))
    unloaded = frozenset(broken - set(components))
    errors += catalog_errors(platform, platform_doc, components, docs, unloaded)
    if claims is not None and claims_doc is not None:
        errors += [claims_doc.error(loc, message) for loc, message in claims_problems(claims, components, unloaded)]
    if errors or platform is None or platform_doc is None or claims is None:
        raise CatalogErrors(errors)
    catalog = Catalog(platform=platform, components=components, claims=claims)
    return catalog, Sources(platform=platform_doc, components=docs, claims=claims_doc)


def _load_claims(path: Path, errors: list[CatalogError]) -> tuple[Claims | None, Located | None]:
    """``claims.yaml`` when the catalog has one (no claims when it has none); its problems go to ``errors``."""
    if not path.exists() and not path.is_symlink():
        return Claims(), None
    try:
        doc = read_yaml(path)
    except CatalogError as exc:
        errors.append(exc)
        return None, None
    claims, found = _document_errors(doc, Claims)
    errors += found
    return claims, doc


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and check a catalog directory (the packaged default when ``directory`` is None)."""
    return load_catalog_with_sources(directory)[0]
