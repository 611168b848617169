"""Test-wide isolation of the Celery broker.

Tests that commit (transactional tests, the live server of browser tests) send tasks on
commit. With the embedded filesystem broker those messages go to a folder of the test
session's own, never to `var/broker`, where a running `make demo` worker would pick them up.
With Redis (CI), the real-worker tests purge the queues before they start.
"""
import pytest


def reset_broker_connections(app):
    """Drop pooled broker connections so the next ones use the current transport options."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture(scope="session", autouse=True)
def isolated_broker(tmp_path_factory):
    from config.celery import app

    if not app.conf.broker_url.startswith("filesystem://"):
        yield None
        return
    original = app.conf.broker_transport_options
    folder = tmp_path_factory.mktemp("broker")
    app.conf.broker_transport_options = {
        "data_folder_in": str(folder), "data_folder_out": str(folder),
        "control_folder": str(folder), "store_processed": False,
    }
    reset_broker_connections(app)
    yield folder
    app.conf.broker_transport_options = original
    reset_broker_connections(app)
