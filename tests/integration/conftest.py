"""pytest harness for the tapmqd integration suite.

Fixtures
  broker          a started broker (config lines from ``@pytest.mark.broker_config(...)``)
  broker_factory  ``broker_factory(extra_lines=[...], env={...})`` starts more brokers
  client          ``client(version=5, **connect_kwargs)`` -> connected RawClient on ``broker``
  raw             ``raw(version=5)`` -> RawClient not yet connected, on ``broker``

Each broker is stopped with SIGTERM at teardown; the fixture asserts exit status 0
and that its output has no sanitizer report.  Set BROKER_KIND=mosquitto to run the
suite against the reference broker.  Every test gets a wall-clock limit
(``@pytest.mark.timeout(seconds)``, default 30 s) so the suite is always bounded.
"""

from __future__ import annotations

import itertools
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import broker_proc  # noqa: E402
from broker_proc import Broker, is_mosquitto  # noqa: E402
from raw_client import RawClient  # noqa: E402

DEFAULT_TEST_TIMEOUT = 30


def pytest_configure(config):
    config.addinivalue_line("markers", "broker_config(*lines): extra config lines for the broker fixture")
    config.addinivalue_line("markers", "timeout(seconds): wall-clock limit of the test")
    config.addinivalue_line("markers", "mosquitto_differs(reason): expected to fail against Mosquitto")
    config.addinivalue_line("markers", "mosquitto_skip(reason): not applicable to Mosquitto (config it rejects)")


def pytest_report_header(config):
    return f"broker: {broker_proc.broker_kind()} ({broker_proc.broker_binary()})"


def pytest_collection_modifyitems(config, items):
    for item in items:
        mk = item.get_closest_marker("mosquitto_differs")
        if mk is not None and is_mosquitto():
            reason = mk.args[0] if mk.args else "Mosquitto behaves differently"
            item.add_marker(pytest.mark.xfail(reason=f"Mosquitto: {reason}", strict=False))
        mk = item.get_closest_marker("mosquitto_skip")
        if mk is not None and is_mosquitto():
            item.add_marker(pytest.mark.skip(reason=f"Mosquitto: {mk.args[0] if mk.args else ''}"))


class _TestTimeout(BaseException):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    mk = item.get_closest_marker("timeout")
    limit = int(mk.args[0]) if mk else DEFAULT_TEST_TIMEOUT

    def _alarm(signum, frame):
        raise _TestTimeout(f"test exceeded its {limit}s limit")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for b in getattr(item, "_brokers", []):
            tail = "".join(b.log[-60:])
            rep.sections.append((f"{b.name} log tail (port {b.port})", tail))
        if call.excinfo is not None and call.excinfo.errisinstance(_TestTimeout):
            rep.longrepr = f"TIMEOUT: {call.excinfo.value}"


@pytest.fixture
def broker_factory(request, tmp_path):
    brokers: list[Broker] = []
    request.node._brokers = brokers
    counter = itertools.count()

    def start(extra_lines=(), env=None, verbose=True) -> Broker:
        b = Broker(tmp_path, list(extra_lines), env=env, verbose=verbose,
                   name=f"broker{next(counter)}")
        brokers.append(b)
        return b.start()

    yield start

    problems = []
    for b in brokers:
        if b.proc is None:
            continue
        already = b.returncode is not None or not b.running()
        try:
            rc = b.stop()
        except AssertionError as e:
            problems.append(f"{b.name}: {e}")
            continue
        if not already and rc != 0:
            problems.append(f"{b.name}: exit status {rc} after SIGTERM (expected 0)")
        san = b.sanitizer_errors()
        if san:
            problems.append(f"{b.name}: sanitizer report in output: {san}")
    if problems:
        tails = "\n".join("".join(b.log[-40:]) for b in brokers)
        pytest.fail("broker teardown: " + "; ".join(problems) + "\n" + tails, pytrace=False)


@pytest.fixture
def broker(request, broker_factory) -> Broker:
    lines = []
    for mk in request.node.iter_markers("broker_config"):
        lines = list(mk.args) + lines
    return broker_factory(lines)


@pytest.fixture
def raw(broker):
    clients: list[RawClient] = []

    def make(version: int = 5, target: Broker | None = None, **kw) -> RawClient:
        c = RawClient((target or broker).port, version, **kw)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def client(raw):
    """``client(client_id, version=5, **connect_kwargs)`` -> connected RawClient."""

    def make(client_id="", version: int = 5, target=None, **kw) -> RawClient:
        c = raw(version, target=target)
        c.connect(client_id, **kw)
        return c

    return make
