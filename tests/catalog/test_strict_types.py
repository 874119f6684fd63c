"""Strict catalog types: nothing is coerced into another meaning; quantities and cron schedules are refused
exactly where Kubernetes refuses them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from invalid_cases import BASE, InvalidCase

from hearth.catalog.cron import CronError, parse_schedule
from hearth.catalog.loader import load_catalog
from hearth.catalog.yamlsource import CatalogError
from hearth.quantity import QuantityError, parse_quantity

# robfig/cron/v3 parser_test.go (TestRange, TestField, TestStandardSpecSchedule) and the CronJob docs
# (kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax).
ACCEPTED_SCHEDULES = [
    "0 2 * * *",
    "*/15 * * * *",
    "5/15 * * * *",
    "0 0-23/2 * * *",
    "0 9 * * mon-fri",
    "0 9 * * MON,WED,FRI",
    "0 0 1 jan,jul ?",
    "0 0 31 12 6",
    "59 23 1-31 1-12 0-6",
    "0  3  *  *  *",
    "@hourly",
    "@daily",
    "@midnight",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
    "@every 1h30m",
]
REFUSED_SCHEDULES = [
    ("61 2 * * *", "minute '61': 61 is above the maximum 59"),
    ("0 24 * * *", "hour '24': 24 is above the maximum 23"),
    ("0 0 0 * *", "day of month '0': 0 is below the minimum 1"),
    ("0 0 * 13 *", "month '13': 13 is above the maximum 12"),
    ("0 0 * * 7", "day of week '7': 7 is above the maximum 6"),
    ("0 0 * * sun-mon-tue", "too many hyphens"),
    ("*/0 * * * *", "the step must be a positive number"),
    ("*/5/2 * * * *", "too many slashes"),
    ("30-10 * * * *", "the range starts after it ends"),
    ("0 0 * * funday", "'funday' is not a number or a name"),
    ("0 0 * jan-foo *", "'foo' is not a number or a name"),
    ("0 2 * *", "is not a five-field cron schedule (found 4 fields)"),
    ("0 0 2 * * *", "(found 6 fields)"),
    ("@fortnightly", "unknown descriptor"),
    ("@every often", "not a duration"),
    ("CRON_TZ=UTC 0 2 * * *", "TZ or CRON_TZ cannot be part of a CronJob schedule"),
    ("", "an empty schedule"),
]


@pytest.mark.parametrize("schedule", ACCEPTED_SCHEDULES)
def test_schedules_the_cronjob_controller_accepts(schedule: str) -> None:
    parse_schedule(schedule)


@pytest.mark.parametrize(("schedule", "message"), REFUSED_SCHEDULES, ids=[s or "empty" for s, _ in REFUSED_SCHEDULES])
def test_schedules_the_cronjob_controller_refuses(schedule: str, message: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_schedule(schedule)
    assert message in str(caught.value)


# k8s.io/apimachinery/pkg/api/resource/quantity_test.go (TestQuantityParse): what parses and what does not.
@pytest.mark.parametrize(
    ("text", "value"),
    [("0", "0"), ("1", "1"), ("1.", "1"), (".5", "0.5"), ("+2", "2"), ("-1", "-1"), ("1e3", "1000"),
     ("2E-2", "0.02"), ("250m", "0.25"), ("100n", "1E-7"), ("8Gi", "8589934592"), ("1.5k", "1500")],
)  # fmt: skip
def test_quantities_kubernetes_accepts(text: str, value: str) -> None:
    assert parse_quantity(text) == parse_quantity(value) or str(parse_quantity(text)) == value


@pytest.mark.parametrize("text", ["", " 1", "1 ", "8 GB", "1GiB", "1Kb", "e3", ".", "1.5.5", "1e", "--1", "1Ki1",
                                  "True", "0x10", "1e1234"])  # fmt: skip
def test_quantities_kubernetes_refuses(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_a_boolean_is_not_a_quantity() -> None:
    with pytest.raises(QuantityError):
        parse_quantity(True)


def _app_with(tmp_path: Path, path: tuple[str | int, ...], value: Any) -> Path:
    """The base catalog with one value of the app replaced (YAML written by a dumper, so types are exact)."""
    root = InvalidCase("x", tmp_path / "none", {"expect": []}).materialize(tmp_path / "catalog")
    app = root / "services/apps/app.yaml"
    data = yaml.safe_load(app.read_text(encoding="utf-8"))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    app.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (("ports", 0, "port"), True, "ports[0].port", "Input should be a valid integer"),
        (("replicas",), False, "replicas", "Input should be a valid integer"),
        (("resources", "requests", "cpu"), True, "resources.requests.cpu", "Input should be a valid string"),
        (("resources", "requests", "cpu"), "-100m", "resources.requests.cpu", "is negative"),
        (("resources", "requests", "memory"), 128, "resources.requests.memory", "Input should be a valid string"),
        (("version",), 1.2, "version", "Input should be a valid string"),
        (("display_name",), True, "display_name", "Input should be a valid string"),
        (("security", ), {"api_access": "yes"}, "security.api_access", "Input should be a valid boolean"),
        (("backup", "schedule"), "61 2 * * *", "backup.schedule", "minute '61': 61 is above the maximum 59"),
        (("backup", "schedule"), "0 2 * * 7", "backup.schedule", "day of week '7'"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_kind_are_catalog_errors(
    tmp_path: Path, path: tuple[str | int, ...], value: Any, field: str, message: str
) -> None:
    root = _app_with(tmp_path, path, value)
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    (error,) = caught.value.errors
    assert (Path(error.file), error.field) == (root / "services/apps/app.yaml", field)
    assert message in error.message
    assert error.line > 1  # the line of the field, not of the document


def test_an_address_is_text_not_a_number(tmp_path: Path) -> None:
    root = InvalidCase("x", tmp_path / "none", {"expect": []}).materialize(tmp_path / "catalog")
    platform = root / "platform.yaml"
    platform.write_text(platform.read_text(encoding="utf-8").replace("lan_ip: 192.168.1.10", "lan_ip: 3232235786"))
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    assert [(e.line, e.field) for e in caught.value.errors] == [(24, "nodes[0].lan_ip")]
    assert "written as text" in caught.value.message


def test_the_base_catalog_still_loads() -> None:
    assert load_catalog(BASE).components["app"].backup is not None
