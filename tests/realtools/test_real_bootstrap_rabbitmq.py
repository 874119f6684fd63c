"""``hearth bootstrap``'s RabbitMQ step against real servers on loopback: OpenBao (raft, static seal) and Debian's
rabbitmq-server with the management plugin, each started once for the module.

The plan runs twice from an uninitialized OpenBao with the broker's admin login in a 0600 file and its management
API as the rabbitmq endpoint: the first run creates each consumer's vhost and user, the second reports every step
unchanged. Then the consumer's user, with the password Vault holds, publishes on its vhost over AMQP (pika) and is
refused another; a user drifted by hand (another password, another vhost) is planned back by ``--dry-run`` without
being touched, and restored by the next run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import hvac
import pika  # type: ignore[import-untyped]
import pika.exceptions  # type: ignore[import-untyped]
import pytest
import requests
from realtools_bao import real_bao
from realtools_runs import admin_file, build_files, by_name, operator_options, run_twice
from realtools_servers import LOOPBACK, RABBITMQ_ADMIN, RABBITMQ_ADMIN_PW, RabbitMQ, rabbitmq_server

from hearth.bootstrap import Options, StepResult, bootstrap, plan_steps
from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform

SEED = load_catalog(None)
STEP = "rabbitmq-vhosts"
CONSUMER, SECRET = "stoat", "social/stoat/amqp"


class Broker:
    """The test's view of the run: OpenBao's root client, the broker, options, files and both runs' results."""

    def __init__(self, vault: hvac.Client, mq: RabbitMQ, options: Options, files: dict[str, str]) -> None:
        self.vault, self.mq, self.options, self.files = vault, mq, options, files
        self.runs: list[list[StepResult]] = []

    def api(self, method: str, path: str, body: Any = None) -> requests.Response:
        """The management API as the admin (the test's own changes)."""
        url = f"http://{LOOPBACK}:{self.mq.management_port}/api/{path}"
        return requests.request(method, url, json=body, auth=(RABBITMQ_ADMIN, RABBITMQ_ADMIN_PW), timeout=10)

    def creds(self) -> dict[str, str]:
        """The consumer's KV entry as the bootstrap wrote it."""
        kv = self.vault.secrets.kv.v2
        answer = kv.read_secret_version(path=SECRET, mount_point="kv", raise_on_deleted_version=True)
        return dict(answer["data"]["data"])

    def amqp(self, vhost: str, username: str, password: str) -> pika.BlockingConnection:
        params = pika.ConnectionParameters(
            host=LOOPBACK,
            port=self.mq.port,
            virtual_host=vhost,
            credentials=pika.PlainCredentials(username, password),
            connection_attempts=1,
            socket_timeout=5,
        )
        return pika.BlockingConnection(params)


@pytest.fixture(scope="module")
def broker(rendered_seed: RenderedPlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """The seed's Vault steps and RabbitMQ grants bootstrapped twice against real servers."""
    # The other providers' grants have their own servers in test_real_bootstrap_grants.py.
    files = build_files(rendered_seed, SEED, keep=("grants/rabbitmq.json",))
    work = tmp_path_factory.mktemp("operator")
    admins = work / "admins"
    admins.mkdir()
    admin_file(admins, "rabbitmq", RABBITMQ_ADMIN, RABBITMQ_ADMIN_PW)
    with real_bao("static") as bao, rabbitmq_server(management=True) as mq:
        options = operator_options(bao, work, {"rabbitmq": f"{LOOPBACK}:{mq.management_port}"}, admins)
        state = Broker(hvac.Client(url=bao.address, verify=str(bao.ca)), mq, options, files)
        state.runs, state.vault.token = run_twice(SEED, files, options)
        yield state


def test_first_run_creates_the_vhost_the_user_and_its_permissions(broker: Broker) -> None:
    first = by_name(broker.runs[0])
    assert all(r.status != "failed" for r in first.values()), [r.error for r in first.values() if r.error]
    assert first[STEP].status == "created"
    assert first[STEP].changes == [
        f"vhost {CONSUMER}",
        f"user {CONSUMER}: create, password: generate into Vault kv/{SECRET}",
        f"user {CONSUMER}: permissions on vhost {CONSUMER} only",
    ]


def test_second_run_reports_every_step_unchanged(broker: Broker) -> None:
    second = broker.runs[1]
    assert {r.name: str(r.status) for r in second} == {r.name: "unchanged" for r in second}, [
        r.changes for r in second if r.changes
    ]


def test_the_consumer_publishes_on_its_vhost_and_is_refused_another(broker: Broker) -> None:
    creds = broker.creds()
    assert creds["username"] == CONSUMER and len(creds["password"]) >= 32
    assert broker.api("PUT", "vhosts/other").status_code in (201, 204)
    conn = broker.amqp(CONSUMER, creds["username"], creds["password"])
    try:
        channel = conn.channel()
        channel.queue_declare("hearth-test")
        channel.basic_publish(exchange="", routing_key="hearth-test", body=b"hello")
        _, _, body = channel.basic_get("hearth-test", auto_ack=True)
        assert body == b"hello"
    finally:
        conn.close()
    with pytest.raises(pika.exceptions.AMQPConnectionError, match="access to vhost 'other' refused"):
        broker.amqp("other", creds["username"], creds["password"])
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        broker.amqp(CONSUMER, creds["username"], "not-the-password")


def test_a_drifted_user_is_planned_by_a_dry_run_and_restored_by_a_run(broker: Broker) -> None:
    broker.api("PUT", "vhosts/other")
    assert broker.api("PUT", f"users/{CONSUMER}", {"password": "changed-by-hand", "tags": ""}).status_code == 204
    grant = {"configure": ".*", "write": ".*", "read": ".*"}
    assert broker.api("PUT", f"permissions/other/{CONSUMER}", grant).status_code in (201, 204)
    planned = by_name(bootstrap(SEED, broker.files, broker.options, only=[STEP], dry_run=True))[STEP]
    assert planned.status == "planned"
    assert planned.changes == [
        f"user {CONSUMER}: reset, password: take from Vault kv/{SECRET}",
        f"user {CONSUMER}: permissions on vhost {CONSUMER} only (remove other)",
    ]
    assert broker.api("GET", f"permissions/other/{CONSUMER}").status_code == 200  # the dry run changed nothing
    restored = by_name(bootstrap(SEED, broker.files, broker.options, only=[STEP]))[STEP]
    assert restored.status == "created" and restored.changes == planned.changes
    assert broker.api("GET", f"permissions/other/{CONSUMER}").status_code == 404
    creds = broker.creds()
    broker.amqp(CONSUMER, creds["username"], creds["password"]).close()
    assert by_name(bootstrap(SEED, broker.files, broker.options, only=[STEP]))[STEP].status == "unchanged"


@pytest.mark.parametrize("applied", [0, 1, 2])
def test_a_run_killed_after_any_change_converges(broker: Broker, applied: int) -> None:
    """From no vhost, user or Vault entry: the step's first ``applied`` changes made, then killed; the next run
    makes the rest, and the one after changes nothing."""
    broker.api("DELETE", f"vhosts/{CONSUMER}")
    broker.api("DELETE", f"users/{CONSUMER}")
    broker.vault.secrets.kv.v2.delete_metadata_and_all_versions(path=SECRET, mount_point="kv")
    step = next(s for s in plan_steps(SEED, broker.files, broker.options) if s.name == STEP)
    changes = step.changes()
    assert len(changes) == 3
    for change in changes[:applied]:
        change.apply()
    rerun = by_name(bootstrap(SEED, broker.files, broker.options, only=[STEP]))[STEP]
    assert rerun.status == "created" and rerun.changes == [c.description for c in changes[applied:]]
    assert by_name(bootstrap(SEED, broker.files, broker.options, only=[STEP]))[STEP].status == "unchanged"
    creds = broker.creds()
    broker.amqp(CONSUMER, creds["username"], creds["password"]).close()


def test_no_password_reaches_the_report(broker: Broker) -> None:
    text = json.dumps([r.as_json() for run in broker.runs for r in run])
    assert RABBITMQ_ADMIN_PW not in text and broker.creds()["password"] not in text
