"""The embedded AWS: started on a free port, reused while it runs, stopped by `down`."""

from __future__ import annotations

from pathlib import Path

import boto3

from skylift.cloud import moto_server


def test_start_reuse_stop(tmp_path: Path) -> None:
    first = moto_server.start(tmp_path)
    try:
        assert first.fresh and first.url.startswith("http://127.0.0.1:")
        again = moto_server.start(tmp_path)
        assert (again.url, again.pid, again.fresh) == (first.url, first.pid, False)
        sts = boto3.client(
            "sts",
            endpoint_url=first.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert sts.get_caller_identity()["Account"] == moto_server.ACCOUNT_ID
    finally:
        assert moto_server.stop(tmp_path)
    assert moto_server.running(tmp_path) is None
    assert not moto_server.stop(tmp_path)
