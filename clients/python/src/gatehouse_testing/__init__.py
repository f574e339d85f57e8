"""gatehouse-testing: a real, enforcing gatehouse for your tests.

The pytest plugin (loaded by the `pytest11` entry point) provides the `gatehouse` fixture; outside
pytest, `Gatehouse(world=...)` is a context manager that starts and stops the server."""
from .assertions import DENIAL_CODES, assert_allowed, assert_denied
from .server import Explanation, Gatehouse, GatehouseError, GatehouseSession, find_binary

__all__ = ["Gatehouse", "GatehouseError", "GatehouseSession", "Explanation", "find_binary",
           "assert_allowed", "assert_denied", "DENIAL_CODES"]
__version__ = "0.1.0"
