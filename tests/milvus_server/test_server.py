"""The harness itself: the server runs only where loopback is the sole interface, answers on 127.0.0.1:19530, and
a SIGKILL by process id ends every process it started; a restart on the same data dir serves the same data."""

from __future__ import annotations

import os

import numpy as np
import pytest
from pymilvus import DataType, MilvusClient

from .server import _alive, descendants, interfaces, why_not_here

pytestmark = pytest.mark.milvus_server


def test_the_server_runs_only_in_a_loopback_only_namespace(server):
    assert interfaces() == ["lo"] and why_not_here() is None
    assert server.wrapper is not None and len(server.pids) >= 2  # the wrapper and the milvus binary it runs
    assert all(_alive(pid) for pid in server.pids)


def test_a_sigkill_by_pid_ends_every_process_and_flushed_data_survives_a_restart(server, collection):
    client = MilvusClient(uri=server.uri, timeout=30)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=4)
    index = client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="IP")
    name = collection + "_probe"
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")
    rows = [{"id": i, "vec": np.eye(4, dtype=np.float32)[i % 4].tolist()} for i in range(10)]
    client.upsert(name, rows)
    client.flush(name)
    client.close()

    pids = set(server.pids)
    server.kill()
    assert not [pid for pid in pids if _alive(pid)]
    assert not [pid for pid in descendants(os.getpid()) if pid in pids]
    server.start()
    assert all(_alive(pid) for pid in server.pids)

    client = MilvusClient(uri=server.uri, timeout=30)
    client.load_collection(name)
    (count,) = client.query(name, filter="", output_fields=["count(*)"], consistency_level="Strong")
    assert count["count(*)"] == 10
    client.drop_collection(name)
    client.close()
