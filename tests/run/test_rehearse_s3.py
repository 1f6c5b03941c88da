"""The rehearsal's tasks reach the uploads bucket (django-storages' or UPLOADS_BUCKET) on the
embedded AWS: the environment a container gets holds moto's endpoint, the throwaway keys that
stand in for the task role's, and the region, so an SDK with no settings of its own writes
and reads the bucket Terraform created there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skylift.cloud import moto_server
from skylift.rehearse import _wiring, taskdefs
from skylift.run._targets import open_target
from tests.plan.test_django_storages import FILES
from tests.plan.test_env_wiring import plan

# what django-storages does with the settings above: boto3 with no endpoint and no keys given
PUT_AND_GET = """
import os, boto3
s3 = boto3.client("s3", region_name=os.environ.get("AWS_S3_REGION_NAME"))
bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
s3.put_object(Bucket=bucket, Key="media/avatar.txt", Body=b"hello")
print(s3.get_object(Bucket=bucket, Key="media/avatar.txt")["Body"].read().decode())
"""


def test_a_task_writes_the_bucket_on_the_embedded_aws(tmp_path: Path) -> None:
    bp = plan(tmp_path, FILES)
    root = tmp_path / "app"
    tgt = open_target(root, "local", bp.app, "prod", bp.region)
    try:
        s3 = tgt.client(tgt.session(bp.region), "s3")
        bucket = "app-uploads-123"  # as Terraform names it from bucket_prefix
        s3.create_bucket(Bucket=bucket)
        web = taskdefs.Container(
            "web", "web", "app", None, None, "", None, 8000, False,
            {"AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_REGION_NAME": bp.region}, {},
        )  # fmt: skip
        env, _ = _wiring._environments(root, tgt, bp, {}, web, lambda _: None)
        environment, changed = env.for_container(web, {})
        assert "AWS_ENDPOINT_URL" in changed and "AWS_ACCESS_KEY_ID" in changed
        out = subprocess.run(
            [sys.executable, "-c", PUT_AND_GET],
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **environment},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "hello"
        got = s3.get_object(Bucket=bucket, Key="media/avatar.txt")["Body"].read()
        assert got == b"hello"
    finally:
        moto_server.stop(tgt.state_dir)
