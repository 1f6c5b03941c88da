"""`skylift task run "<cmd>"`: a one-off command in a new task of the app (what `heroku run`
did), with the app's image, secrets and network, started through the ECS API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skylift.cloud.terraform import Terraform
from skylift.errors import InfraError
from skylift.run._targets import open_target
from skylift.run.up import load_plan


@dataclass
class TaskRun:
    task_arn: str
    cluster: str
    command: str


def run_task(
    root: Path, command: str, *, target: str = "local", environment: str = "prod"
) -> TaskRun:
    root = root.resolve()
    bp = load_plan(root).blueprint
    tgt = open_target(root, target, bp.app, environment, bp.region)
    tf = Terraform(root / "infra", tgt.state_dir / "tf", tgt.env)
    out = tf.outputs()
    if "ecs_cluster" not in out:
        raise InfraError(
            "the app is not provisioned on this target",
            "no Terraform outputs in " + str(tf.workdir),
            "run `skylift up` first",
        )
    ecs = tgt.client(tgt.session(bp.region), "ecs")
    resp = ecs.run_task(
        cluster=out["ecs_cluster"],
        taskDefinition=out["task_family"],
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(out["task_subnets"]),
                "securityGroups": [out["task_security_group"]],
                "assignPublicIp": "ENABLED" if out.get("assign_public_ip") else "DISABLED",
            }
        },
        overrides={
            "containerOverrides": [
                {"name": out["container_name"], "command": ["sh", "-c", command]}
            ]
        },
    )
    tasks = resp.get("tasks") or []
    if not tasks:
        raise InfraError(
            "ECS did not start the task",
            str(resp.get("failures"))[:300],
            "check the cluster's capacity and the task definition",
        )
    return TaskRun(tasks[0]["taskArn"], out["ecs_cluster"], command)
