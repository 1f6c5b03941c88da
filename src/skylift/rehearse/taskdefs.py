"""What ECS would run, read back from the embedded AWS: the services and schedules Terraform
registered, each with its task definition's container (command, entryPoint, user, memory,
port, read-only root, environment, secrets) and, for the web service, its target group's
health check. The one source of every container's environment: nothing here is derived
from the Blueprint, so the rehearsal cannot drift from what Terraform wrote."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from skylift.errors import InfraError


@dataclass
class HealthCheck:
    path: str = "/"
    matcher: str = "200"
    interval: int = 30
    timeout: int = 5
    healthy: int = 5
    unhealthy: int = 2


@dataclass
class Container:
    """One task to run: a service's, a schedule's or the release step's."""

    name: str  # the service or schedule name, as ECS knows it
    kind: str  # web | worker | schedule | release
    family: str
    entrypoint: list[str] | None
    command: list[str] | None
    user: str
    memory_mib: int | None
    port: int | None
    read_only: bool
    environment: dict[str, str]
    secrets: dict[str, str]  # name -> valueFrom (ARN), resolved by resolve_secrets
    health: HealthCheck | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    image: str = ""  # the task definition's: the app's ECR repository, or another (a pg_dump job)

    def runs_app_image(self) -> bool:
        """Whether the task runs the app's own image (an ECR repository, where CI pushes it)."""
        return not self.image or ".dkr.ecr." in self.image


def _container(td: dict[str, Any], name: str, kind: str) -> Container:
    defs = td.get("containerDefinitions") or []
    if not defs:
        raise InfraError(f"task definition {td.get('family')} has no container", "", "rerun up")
    c = defs[0]
    ports = [p.get("containerPort") for p in c.get("portMappings") or [] if p.get("containerPort")]
    memory = c.get("memory") or td.get("memory")
    return Container(
        name=name,
        kind=kind,
        family=str(td.get("family")),
        entrypoint=list(c["entryPoint"]) if c.get("entryPoint") else None,
        command=list(c["command"]) if c.get("command") else None,
        user=str(c.get("user") or ""),
        memory_mib=int(memory) if memory else None,
        port=int(ports[0]) if ports else None,
        read_only=bool(c.get("readonlyRootFilesystem")),
        environment={e["name"]: str(e.get("value", "")) for e in c.get("environment") or []},
        secrets={s["name"]: str(s["valueFrom"]) for s in c.get("secrets") or []},
        extra={"container_name": c.get("name")},
        image=str(c.get("image") or ""),
    )


def services(ecs: Any, elbv2: Any, cluster: str) -> list[Container]:
    """The cluster's services: the one behind a target group is the web service."""
    arns = ecs.list_services(cluster=cluster).get("serviceArns") or []
    out = []
    for i in range(0, len(arns), 10):
        for svc in ecs.describe_services(cluster=cluster, services=arns[i : i + 10])["services"]:
            td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])
            lbs = svc.get("loadBalancers") or []
            c = _container(td["taskDefinition"], svc["serviceName"], "web" if lbs else "worker")
            if lbs:
                c.health = health_check(elbv2, lbs[0]["targetGroupArn"])
                c.extra["grace"] = svc.get("healthCheckGracePeriodSeconds")
                c.port = int(lbs[0].get("containerPort") or c.port or 0) or c.port
            out.append(c)
    out.sort(key=lambda c: (c.kind != "web", c.name))
    return out


# What Lambda sets in every execution environment besides the function's own variables
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
# and the unprivileged user it runs a container image as, whatever the image's USER says
LAMBDA_USER = "993:990"


def lambda_function(lam: Any, name: str, region: str) -> Container:
    """The function as Lambda runs it: the image's entrypoint and command (or the function's
    image config), its environment and memory, a read-only root with /tmp writable, and the
    web adapter's readiness check as the health check: the adapter calls the app ready on the
    first answer below AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS (500)."""
    cfg = lam.get_function_configuration(FunctionName=name)
    env = {k: str(v) for k, v in ((cfg.get("Environment") or {}).get("Variables") or {}).items()}
    image = (cfg.get("ImageConfigResponse") or {}).get("ImageConfig") or {}
    memory = int(cfg.get("MemorySize") or 128)
    unhealthy = int(env.get("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS") or 500)
    runtime = {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": str(cfg.get("Version") or "$LATEST"),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": "/var/task",
        "TZ": ":UTC",
    }
    return Container(
        name=name,
        kind="web",
        family=name,
        entrypoint=list(image["EntryPoint"]) if image.get("EntryPoint") else None,
        command=list(image["Command"]) if image.get("Command") else None,
        user=LAMBDA_USER,
        memory_mib=memory,
        port=int(env.get("AWS_LWA_PORT") or env.get("PORT") or 8080),
        read_only=True,
        environment={**env, **runtime},
        secrets={},  # the image reads them itself (SKYLIFT_SECRETS, scripts/skylift-env.sh)
        health=HealthCheck(
            path=env.get("AWS_LWA_READINESS_CHECK_PATH") or "/",
            matcher=f"100-{unhealthy - 1}",
            interval=10,
            timeout=5,
            healthy=1,
            unhealthy=3,
        ),
        # Lambda's init phase (10 s), then a first request's own timeout, as the adapter waits
        extra={"lambda": True, "grace": 10 + int(cfg.get("Timeout") or 3)},
    )


def health_check(elbv2: Any, arn: str) -> HealthCheck:
    tg = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    return HealthCheck(
        path=str(tg.get("HealthCheckPath") or "/"),
        matcher=str((tg.get("Matcher") or {}).get("HttpCode") or "200"),
        interval=int(tg.get("HealthCheckIntervalSeconds") or 30),
        timeout=int(tg.get("HealthCheckTimeoutSeconds") or 5),
        healthy=int(tg.get("HealthyThresholdCount") or 5),
        unhealthy=int(tg.get("UnhealthyThresholdCount") or 2),
    )


def schedules(scheduler: Any, ecs: Any, prefix: str) -> list[Container]:
    """EventBridge Scheduler schedules that start an ECS task (the app's cron jobs)."""
    out = []
    try:
        listed = scheduler.list_schedules().get("Schedules") or []
    except Exception:  # an endpoint without EventBridge Scheduler: no schedules to run
        return []
    for item in listed:
        if not str(item.get("Name", "")).startswith(prefix):
            continue
        sched = scheduler.get_schedule(
            Name=item["Name"], GroupName=item.get("GroupName") or "default"
        )
        target = sched.get("Target") or {}
        params = target.get("EcsParameters") or {}
        if not params.get("TaskDefinitionArn"):
            continue
        td = ecs.describe_task_definition(taskDefinition=_family(params["TaskDefinitionArn"]))
        c = _container(td["taskDefinition"], item["Name"], "schedule")
        _override(c, target.get("Input"))
        c.extra["expression"] = sched.get("ScheduleExpression")
        out.append(c)
    return out


def release(ecs: Any, family: str, command: str | list[str]) -> Container:
    """The release step as the workflow runs it: RunTask of the app's family (its -migrate
    family when the image has a migrate stage) with the command overridden — the workflow's
    own argv (exec form, `sh -c` only for shell syntax) when given as a list."""
    try:
        td = ecs.describe_task_definition(taskDefinition=family + "-migrate")
    except Exception:  # no migrate family: the workflow registers it only for our Dockerfile
        td = ecs.describe_task_definition(taskDefinition=family)
    c = _container(td["taskDefinition"], "release", "release")
    c.command = list(command) if isinstance(command, list) else ["sh", "-c", command]
    return c


def _family(arn: str) -> str:
    """`...:task-definition/name` or `.../name:3`: what describe_task_definition takes."""
    return arn.rsplit("/", 1)[-1]


def _override(c: Container, raw: str | None) -> None:
    """A RunTask input's containerOverrides (command, environment) applied to `c`."""
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return
    for o in data.get("containerOverrides") or []:
        if o.get("name") not in (None, c.extra.get("container_name")):
            continue
        if o.get("command"):
            c.command = list(o["command"])
        for e in o.get("environment") or []:
            c.environment[e["name"]] = str(e.get("value", ""))


def resolve_secrets(c: Container, ssm: Any, secretsmanager: Any) -> dict[str, str]:
    """The secrets' values as ECS injects them: SSM parameters (decrypted) and Secrets Manager
    secrets, with the `:json-key::` suffix ECS supports. Never logged."""
    out: dict[str, str] = {}
    missing = []
    for name, ref in c.secrets.items():
        try:
            out[name] = _value(ref, ssm, secretsmanager)
        except Exception:  # a missing parameter: ECS would refuse to start the task
            missing.append(name)
    if missing:
        from skylift.errors import AppDidNotRun

        raise AppDidNotRun(
            f"{c.name}: ECS could not start the task: secret(s) {', '.join(missing)} not found",
            "the task definition refers to parameters that are not in the embedded AWS",
            "add them to .env (or answer the prompt) and rerun skylift up",
        )
    return out


_SM = re.compile(
    r"^(arn:[^:]+:secretsmanager:[^:]+:\d+:secret:[^:]+)(?::([^:]*):([^:]*):([^:]*))?$"
)


def _value(ref: str, ssm: Any, secretsmanager: Any) -> str:
    if ":ssm:" in ref or not ref.startswith("arn:"):
        name = ref.split(":parameter", 1)[1] if ":parameter" in ref else ref
        return str(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    m = _SM.match(ref)
    if not m:
        raise ValueError("not a secret reference")
    value = str(secretsmanager.get_secret_value(SecretId=m.group(1))["SecretString"])
    key = m.group(2)
    return str(json.loads(value)[key]) if key else value
