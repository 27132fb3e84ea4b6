"""Runs the MQTT.js (node:test) suite in js/ against a broker started by the harness."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).parent / "js"


def _ensure_node_modules() -> None:
    if (JS_DIR / "node_modules" / "mqtt" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: scripts/install-deps.sh --test installs it")
    r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True,
                       text=True, timeout=240)
    if r.returncode != 0:
        pytest.fail(f"npm ci failed (offline?): {r.stderr[-500:]}")


@pytest.mark.timeout(170)
@pytest.mark.broker_config("max_topic_alias 10")
def test_mqttjs_suite(broker):
    """MQTT 5 features from a real client library: user properties, request/response, topic
    aliases, subscription identifiers, shared subscriptions, message and session expiry."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: scripts/install-deps.sh --test installs it")
    _ensure_node_modules()
    files = sorted(str(p.name) for p in JS_DIR.glob("*.test.mjs"))
    env = dict(os.environ, TAPMQ_PORT=str(broker.port), TAPMQ_HOST="127.0.0.1")
    try:
        r = subprocess.run([node, "--test", "--test-reporter=spec", *files], cwd=JS_DIR, env=env,
                           capture_output=True, text=True, timeout=150)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"node --test did not finish in 150 s:\n{e.stdout}\n{e.stderr}")
    print(r.stdout)
    assert r.returncode == 0, f"MQTT.js tests failed:\n{r.stdout[-6000:]}\n{r.stderr[-2000:]}"
