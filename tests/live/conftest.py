"""Live single-node cluster tests (issues 7 and 10): see tests/support/live_cluster.py."""
from support.live_cluster import clean_live_cluster, live_cluster, pytest_runtest_makereport  # noqa: F401


def pytest_collection_modifyitems(session, config, items):
    """Tests that start a cluster of their own (module flag OWN_CLUSTER) run first of the session.

    Only one cluster can run on the machine, and the session's cluster, once started by any test
    (of any area), runs until the session ends.
    """
    own = [item for item in items if getattr(getattr(item, "module", None), "OWN_CLUSTER", False)]
    if own:
        rest = [item for item in items if item not in own]
        items[:] = own + rest
