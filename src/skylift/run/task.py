"""`skylift task run "<cmd>"`: a one-off command in a new task of the app (what `heroku run`
did), with the app's image, secrets and network, started through the ECS API.

On the local target moto cannot run a task: once `skylift up` has built the app's image, the
command runs in a new container of it with the task definition's environment (as the
rehearsal runs its release step); before that, the request is built and shown, not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skylift.cloud.terraform import Terraform
from skylift.errors import InfraError
from skylift.run._targets import open_target
from skylift.run.up import load_plan


@dataclass
class TaskRun:
    request: dict[str, Any]  # the ecs:RunTask request (no secret in it: the task reads SSM)
    task_arn: str | None  # None on the local target: nothing was started on AWS
    exit_code: int | None = None  # local: the command's, when the rehearsal ran it
    log: list[str] | None = None  # local: what it printed


def run_task(
    root: Path, command: str, *, target: str = "local", environment: str = "prod"
) -> TaskRun:
    root = root.resolve()
    bp = load_plan(root, reports=False).blueprint
    tgt = open_target(root, target, bp.app, environment, bp.region)
    tf = Terraform(root / "infra", tgt.state_dir / "tf", tgt.env)
    out = tf.outputs() if (tf.workdir / ".terraform").is_dir() else {}
    if "ecs_cluster" not in out:
        raise InfraError(
            f"the app is not provisioned on the {target} target",
            f"no Terraform outputs in {tf.workdir}",
            "run `skylift up` first",
        )
    request = {
        "cluster": out["ecs_cluster"],
        "taskDefinition": out["task_family"],
        "launchType": "FARGATE",
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": list(out["task_subnets"]),
                "securityGroups": [out["task_security_group"]],
                "assignPublicIp": "ENABLED" if out.get("assign_public_ip") else "DISABLED",
            }
        },
        "overrides": {
            "containerOverrides": [
                {"name": out["container_name"], "command": ["sh", "-c", command]}
            ]
        },
    }
    if target == "local":
        from skylift import rehearse

        ran = rehearse.one_off(root, tgt, bp, environment, out, command)
        if ran is None:
            return TaskRun(request, None)
        return TaskRun(request, None, ran[0], ran[1])
    ecs = tgt.client(tgt.session(bp.region), "ecs")
    try:
        resp = ecs.run_task(**request)
    except Exception as exc:  # botocore errors: one message, no traceback
        raise InfraError(
            "ECS did not start the task", str(exc)[:300], "check the cluster"
        ) from None
    tasks = resp.get("tasks") or []
    if not tasks:
        raise InfraError(
            "ECS did not start the task",
            str(resp.get("failures"))[:300],
            "check the cluster's capacity and the task definition",
        )
    return TaskRun(request, tasks[0]["taskArn"])
