"""The Terraform runner: clear errors, and a local-only override that never reaches infra/."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.cloud import terraform
from skylift.errors import InfraError, MissingToolError


def test_missing_terraform_is_a_missing_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(MissingToolError) as info:
        terraform.terraform_bin()
    assert info.value.exit_code == 5 and "install Terraform" in info.value.fix


def test_no_generated_infra_says_generate_first(tmp_path: Path) -> None:
    with pytest.raises(InfraError) as info:
        terraform.Terraform(tmp_path / "infra", tmp_path / "work", {})
    assert "skylift generate" in info.value.fix


def test_override_stays_in_the_working_copy(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    (infra / "envs").mkdir(parents=True)
    (infra / "versions.tf").write_text('resource "aws_db_parameter_group" "main" {}\n')
    (infra / "envs" / "prod.tfvars").write_text('environment = "prod"\n')
    tf = terraform.Terraform(infra, tmp_path / "work", {})
    tf.sync(terraform.override_text("http://127.0.0.1:5000"))
    override = (tmp_path / "work" / terraform.OVERRIDE_FILE).read_text()
    assert 'ecs            = "http://127.0.0.1:5000"' in override
    assert 'resource "aws_db_parameter_group" "main"' in override  # declared: drift ignored
    assert 'resource "aws_ecs_service"' not in override  # not declared: no override block
    assert (tmp_path / "work" / "envs" / "prod.tfvars").exists()
    assert not (infra / terraform.OVERRIDE_FILE).exists()
    tf.sync(None)  # the aws target: no override at all
    assert not (tmp_path / "work" / terraform.OVERRIDE_FILE).exists()


def test_worker_services_get_the_drift_override_too() -> None:
    config = 'resource "aws_ecs_service" "app" {}\nresource "aws_ecs_service" "worker_mail" {}\n'
    blocks = terraform.drift_blocks(config)
    assert 'resource "aws_ecs_service" "worker_mail"' in blocks
    assert "ignore_changes = [task_definition, availability_zone_rebalancing]" in blocks
    assert blocks.count('resource "aws_ecs_service" "app"') == 1
