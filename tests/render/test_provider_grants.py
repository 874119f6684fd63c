"""``grants/<provider>.json`` says which API a bucket provider's users are made through, as its ``provides`` entry
states it (the bootstrap reads that file, never the catalog)."""

from __future__ import annotations

import json

import pytest

from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Catalog
from hearth.render.provider_grants import render_provider_grants
from hearth.resolve import resolve

SEED = load_catalog(None)


def _with_user_api(catalog: Catalog, provider: str, api: str) -> Catalog:
    component = catalog.components[provider]
    provides = [p.model_copy(update={"user_api": api}) if p.capability == "s3" else p for p in component.provides]
    changed = component.model_copy(update={"provides": provides})
    return catalog.model_copy(update={"components": {**catalog.components, provider: changed}})


@pytest.mark.parametrize("api", [None, "iam", "minio-admin"])
def test_the_grants_file_names_the_providers_user_api(api: str | None) -> None:
    catalog = SEED if api is None else _with_user_api(SEED, "minio", api)
    grants = {path: json.loads(text) for path, text in render_provider_grants(resolve(catalog)).items()}
    assert grants["grants/minio.json"]["user_api"] == (api or "minio-admin")  # the seed's MinIO states minio-admin
    assert all("user_api" not in body for path, body in grants.items() if body["grant"] != "bucket")


def _without_velero_grant(catalog: Catalog) -> Catalog:
    velero = catalog.components["velero"]
    changed = velero.model_copy(update={"needs": [n for n in velero.needs if n != "minio"]})
    return catalog.model_copy(update={"components": {**catalog.components, "velero": changed}})


def test_each_bucket_has_one_user_and_velero_reads_its_own_grant() -> None:
    """Velero's ``bucket`` grant names the velero bucket, so no second (unread) backups user is made for it; the
    dumps' bucket, which no grant names, keeps its backups user."""
    consumers = json.loads(render_provider_grants(resolve(SEED))["grants/minio.json"])["consumers"]
    names = [c["name"] for c in consumers]
    assert len(names) == len(set(names))
    by_name = {c["name"]: c["consumer"] for c in consumers}
    assert by_name["velero"] == "velero"
    assert by_name["backups"] == "backup-backups"


def test_a_backups_bucket_no_grant_names_gets_its_own_user() -> None:
    catalog = _without_velero_grant(SEED)
    consumers = json.loads(render_provider_grants(resolve(catalog))["grants/minio.json"])["consumers"]
    assert {"consumer": "backup-velero", "name": "velero", "secret": "kv/db/minio/backup-velero"} in consumers
