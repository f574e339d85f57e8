"""The pytest plugin (entry point `pytest11`): the session fixture `gatehouse`, a reset of the
world before every test that uses it, and the `gatehouse_world` marker."""
import os

import pytest

from .assertions import set_active
from .server import Gatehouse, find_binary


def pytest_addoption(parser):
    group = parser.getgroup("gatehouse", "gatehouse fixture server")
    group.addoption("--gatehouse-bin", default=None,
                    help="the gatehouse binary (default: $GATEHOUSE_BIN, the gatehouse_bin ini option, PATH)")
    group.addoption("--gatehouse-world", default=None,
                    help="the world file the gatehouse fixture serves (default: the gatehouse_world ini option)")
    group.addoption("--gatehouse-clock", default=None,
                    help="the time the server's clock starts at, ISO 8601 (default: now)")
    parser.addini("gatehouse_bin", "the gatehouse binary, relative to the ini file", default=None)
    parser.addini("gatehouse_world", "the world file of the gatehouse fixture, relative to the ini file", default=None)
    parser.addini("gatehouse_clock", "the time the server's clock starts at, ISO 8601", default=None)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gatehouse_world(path, clock=None): serve this world file (relative to the test's file) to "
                   "the test, module or class, from its own gatehouse server")


def _ini_path(config, name):
    value = config.getini(name)
    if not value:
        return None
    base = os.path.dirname(str(config.inipath)) if config.inipath else str(config.rootpath)
    return os.path.join(base, value)


def _option_path(config, name):
    value = config.getoption(name)
    if not value:
        return None
    return os.path.join(str(config.invocation_params.dir), value)


class _Pool:
    """One server per (world, clock), started when first needed, all stopped at the session's end."""

    def __init__(self, config):
        self.binary = _option_path(config, "--gatehouse-bin") or os.environ.get("GATEHOUSE_BIN") \
            or _ini_path(config, "gatehouse_bin")
        world = _option_path(config, "--gatehouse-world") or _ini_path(config, "gatehouse_world")
        clock = config.getoption("--gatehouse-clock") or config.getini("gatehouse_clock") or None
        self.default_key = (os.path.abspath(world) if world else None, clock)
        self.selected = None
        self.servers = {}

    def server(self, key):
        if key not in self.servers:
            server = Gatehouse(binary=find_binary(self.binary), world=key[0], clock=key[1])
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            self.servers[key] = server
        return self.servers[key]

    def current(self):
        return self.server(self.selected or self.default_key)

    def key_for(self, marker, node):
        if not marker.args:
            raise pytest.UsageError("gatehouse_world needs a path: @pytest.mark.gatehouse_world('world.json')")
        path = os.path.join(os.path.dirname(str(node.path)), marker.args[0])
        return (os.path.abspath(path), marker.kwargs.get("clock", self.default_key[1]))

    def stop(self):
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


class GatehouseFixture:
    """What the `gatehouse` fixture yields: the server of the running test (the session's world,
    or the one its `gatehouse_world` marker names). Every attribute of a Gatehouse: endpoint,
    region, accounts, session(), client(), credentials(), reset(), clock, explain(),
    assert_allowed(), assert_denied()."""

    def __init__(self, pool):
        self._pool = pool

    @property
    def server(self):
        """The Gatehouse (server process) of the running test."""
        return self._pool.current()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._pool.current(), name)

    def __repr__(self):
        return "<gatehouse fixture %s>" % (self._pool.current().endpoint,)


@pytest.fixture(scope="session")
def _gatehouse_pool(request):
    pool = _Pool(request.config)
    yield pool
    pool.stop()


@pytest.fixture(scope="session")
def gatehouse(_gatehouse_pool):
    """A real, enforcing gatehouse serving the world file (--gatehouse-world, the gatehouse_world
    ini option, or a test's gatehouse_world marker). Reset to that world before every test."""
    return GatehouseFixture(_gatehouse_pool)


@pytest.fixture(autouse=True)
def _gatehouse_reset(request):
    """Before each test that uses `gatehouse` (or has a gatehouse_world marker): its server, back
    to the world file's state and clock."""
    marker = request.node.get_closest_marker("gatehouse_world")
    if marker is None and "gatehouse" not in request.fixturenames:
        yield
        return
    pool = request.getfixturevalue("_gatehouse_pool")
    key = pool.key_for(marker, request.node) if marker is not None else pool.default_key
    server = pool.server(key)
    server.reset()
    pool.selected = key
    set_active(server)
    try:
        yield
    finally:
        pool.selected = None
        set_active(None)
