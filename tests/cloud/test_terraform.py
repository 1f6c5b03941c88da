"""The Terraform runner: clear errors, and a local-only override that never reaches infra/."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
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


SLOW_APPLY = """
resource "terraform_data" "slow" {
  count = 3
  provisioner "local-exec" {
    command = "sleep 2"
  }
}
"""


def _apply_in_child(infra: Path, work: Path) -> subprocess.Popen[str]:
    code = (
        "import sys; from pathlib import Path; from skylift.cloud.terraform import Terraform\n"
        f"tf = Terraform(Path({str(infra)!r}), Path({str(work)!r}), {{}})\n"
        "tf.sync(None); tf.init()\n"
        "print('applying', flush=True); tf.apply([], {})\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


@pytest.mark.terraform
def test_an_apply_outlives_a_killed_skylift_and_the_rerun_waits_for_it(tmp_path: Path) -> None:
    """kill -9 of skylift's whole process group in the middle of an apply: Terraform, in its
    own session, finishes and saves its state; the next run waits for it, then finds it
    finished (nothing outside the state). Terraform killed itself is a cut."""
    from skylift.cloud import tf_detached

    infra, work = tmp_path / "infra", tmp_path / "work"
    infra.mkdir()
    (infra / "versions.tf").write_text(SLOW_APPLY)
    child = _apply_in_child(infra, work)
    assert child.stdout is not None and child.stdout.readline() == "applying\n"
    time.sleep(1.5)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    said: list[str] = []
    assert tf_detached.previous(work, said.append) == "finished"
    assert said and "still going" in said[0]  # it waited for the apply
    state = json.loads((work / "terraform.tfstate").read_text())
    assert len(state["resources"][0]["instances"]) == 3  # every resource recorded

    (infra / "versions.tf").write_text(SLOW_APPLY.replace("count = 3", "count = 6"))
    child = _apply_in_child(infra, work)
    assert child.stdout is not None and child.stdout.readline() == "applying\n"
    time.sleep(1.5)
    running = json.loads((work / tf_detached.RUNNING).read_text())
    os.kill(running["pid"], signal.SIGKILL)  # Terraform itself, as power loss would
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    assert tf_detached.previous(work, said.append) == "cut"
    assert tf_detached.previous(work, said.append) is None  # said once


@pytest.mark.terraform
def test_a_rehearsal_variable_the_module_lacks_is_not_passed(tmp_path: Path) -> None:
    """An app without a database has no db_performance_insights: Terraform refused the whole
    apply ("Value for undeclared variable") when the rehearsal switched it off anyway."""
    infra, work = tmp_path / "infra", tmp_path / "work"
    infra.mkdir()
    (infra / "versions.tf").write_text(
        'variable "local_rehearsal" {\n  type = bool\n}\n'
        'output "rehearsal" {\n  value = var.local_rehearsal\n}\n'
    )
    tf = terraform.Terraform(infra, work, {})
    tf.sync(None)
    tf.init()
    result = tf.apply([], {"local_rehearsal": True, "db_performance_insights": False})
    assert result.outputs == {"rehearsal": True}
