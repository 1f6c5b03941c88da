"""After a `terraform apply` cut off on `--target aws` (Terraform itself killed, the machine
lost): its lock is left in the remote state and the account holds resources the state never
recorded. The rerun releases the lock (this machine's own) and adopts them: a plain apply
afterwards creates nothing twice. Real Terraform against moto's server as the account."""

from __future__ import annotations

import getpass
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from skylift.cloud import moto_server
from skylift.cloud.terraform import Terraform
from skylift.run import adopt

pytestmark = [pytest.mark.terraform, pytest.mark.slow]
TAGS = {"App": "shop", "Environment": "prod"}
CONFIG = """
terraform {
  backend "s3" {}
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { App = "shop", Environment = "prod" }
  }
}

resource "aws_iam_role" "task" {
  name               = "shop-prod-task"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }] })
}

resource "aws_cloudwatch_log_group" "app" {
  name = "/ecs/shop-prod"
}

resource "aws_ecr_repository" "app" {
  name = "shop-prod"
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags       = { Name = "shop-prod" }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.40.1.0/24"
  tags       = { Name = "shop-prod-a" }
}

resource "aws_security_group" "app" {
  name   = "shop-prod-app"
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  security_group_id = aws_security_group.app.id
  ip_protocol       = "tcp"
  from_port         = 8080
  to_port           = 8080
  cidr_ipv4         = "10.40.0.0/16"
}
"""


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = moto_server.start(tmp_path / "moto")
    for key, value in server.env("us-east-1").items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    boto3.client("s3", endpoint_url=server.url).create_bucket(Bucket="shop-terraform-state")
    yield server.url
    moto_server.stop(tmp_path / "moto")


def _terraform(tmp_path: Path, name: str) -> Terraform:
    infra = tmp_path / "infra"
    infra.mkdir(exist_ok=True)
    (infra / "versions.tf").write_text(CONFIG)
    tf = Terraform(infra, tmp_path / name, {})
    tf.sync(None)
    tf.init(["bucket=shop-terraform-state", "key=shop/prod.tfstate", "region=us-east-1",
             "use_lockfile=true", "use_path_style=true"])  # fmt: skip
    return tf


def test_a_cut_off_apply_is_unlocked_and_adopted(account: str, tmp_path: Path) -> None:
    # what a cut-off apply leaves: the resources made, no state, the lock still held
    made = _terraform(tmp_path, "made")
    made.apply([], {})
    s3 = boto3.client("s3", endpoint_url=account)
    s3.delete_object(Bucket="shop-terraform-state", Key="shop/prod.tfstate")
    lock = {"ID": "0f1e2d3c-aaaa-bbbb-cccc-000000000001", "Operation": "OperationTypeApply",
            "Info": "", "Who": f"{getpass.getuser()}@{socket.gethostname()}", "Version": "1.11.4",
            "Created": "2026-12-02T14:00:00Z", "Path": "shop-terraform-state/shop/prod.tfstate"}  # fmt: skip
    s3.put_object(Bucket="shop-terraform-state", Key="shop/prod.tfstate.tflock",
                  Body=json.dumps(lock).encode())  # fmt: skip

    tf = _terraform(tmp_path, "rerun")
    said: list[str] = []
    client = lambda service: boto3.client(service, endpoint_url=account)  # noqa: E731
    adopted = adopt.recover(tf, client, TAGS, [], {}, said.append)
    assert adopted == sorted(["aws_iam_role.task", "aws_cloudwatch_log_group.app",
                              "aws_ecr_repository.app", "aws_vpc.main", "aws_subnet.a",
                              "aws_security_group.app",
                              "aws_vpc_security_group_ingress_rule.http"])  # fmt: skip
    assert "released the state lock" in said[0] and "adopted 7 resource(s)" in said[-1]
    applied = tf.apply([], {})
    assert applied.added == 0  # nothing made twice
    assert len(boto3.client("ec2", endpoint_url=account).describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": ["shop-prod"]}])["Vpcs"]) == 1  # fmt: skip


def test_someone_elses_lock_is_left_alone(account: str, tmp_path: Path) -> None:
    s3 = boto3.client("s3", endpoint_url=account)
    lock = {"ID": "0f1e2d3c-aaaa-bbbb-cccc-000000000002", "Operation": "OperationTypeApply",
            "Info": "", "Who": "ci@build-runner-7", "Version": "1.11.4",
            "Created": "2026-12-02T14:00:00Z", "Path": "shop-terraform-state/shop/prod.tfstate"}  # fmt: skip
    s3.put_object(Bucket="shop-terraform-state", Key="shop/prod.tfstate.tflock",
                  Body=json.dumps(lock).encode())  # fmt: skip
    tf = _terraform(tmp_path, "rerun")
    client = lambda service: boto3.client(service, endpoint_url=account)  # noqa: E731
    from skylift.errors import InfraError

    with pytest.raises(InfraError) as info:
        adopt.recover(tf, client, TAGS, [], {}, lambda _m: None)
    assert "locked by ci@build-runner-7" in info.value.what
    assert "terraform force-unlock 0f1e2d3c-aaaa-bbbb-cccc-000000000002" in info.value.fix
