"""compute = "lambda": which files are generated, the values lambda.tf, apigw.tf, rds_proxy.tf
and nat_instance.tf read, and the web adapter in the image. A translation of the Blueprint
(plan/_serverless.py decides), like _context.py for the Fargate design."""

from __future__ import annotations

import re
from typing import Any

from skylift.plan._serverless import NAT_INSTANCE_TYPE, NAT_ROOT_GB
from skylift.plan.blueprint import Blueprint
from skylift.render import _context as ctxs

# Files of the Fargate design that Lambda replaces, and the ones it adds
FARGATE_ONLY = ("alb", "ecs", "rotation", "jobs", "workers")
LAMBDA_FILES = ("lambda", "apigw")
PROXY_HOST = "aws_db_proxy.main.endpoint"
WS_CALLBACK = (
    '"https://${aws_apigatewayv2_api.ws.id}.execute-api.${var.region}.amazonaws.com/'
    '${var.environment}"'
)


def _settings(bp: Blueprint, key: str) -> dict[str, Any] | None:
    r = bp.resource(key)
    return dict(r.settings) if r else None


def is_lambda(bp: Blueprint) -> bool:
    return bp.compute == "lambda" and bp.has("lambda_function")


def infra_files(bp: Blueprint, names: tuple[str, ...]) -> list[str]:
    """The infra/*.tf files of this design, in order."""
    if not is_lambda(bp):
        return list(names)
    out = [n for n in names if n not in FARGATE_ONLY] + list(LAMBDA_FILES)
    if bp.has("rds_proxy"):
        out.append("rds_proxy")
    if bp.has("nat_instance") or bp.has("nat_gateway"):
        out.append("nat_instance")  # non-prod environments take the instance (envs/*.tfvars)
    return out


def context(bp: Blueprint) -> dict[str, Any]:
    """What the templates read about the serverless design (empty switches for Fargate)."""
    fn = _settings(bp, "lambda_function") if is_lambda(bp) else None
    out: dict[str, Any] = {
        "compute": bp.compute,
        "lambda_fn": fn,
        "apigw": _settings(bp, "api_gateway") if fn else None,
        "websocket": _settings(bp, "websocket_api") if fn else None,
        "proxy": _settings(bp, "rds_proxy") if fn else None,
        "nat_instance": bool(fn) and bp.has("nat_instance"),
        "nat_instance_file": bool(fn) and "nat_instance" in infra_files(bp, ()),
        "nat_instance_type": NAT_INSTANCE_TYPE,
        "nat_instance_root_gb": NAT_ROOT_GB,
        "vpc_endpoints": _settings(bp, "vpc_endpoints") if fn else None,
    }
    if fn:
        fn["architecture"] = "arm64" if fn["arch"] == "arm64" else "x86_64"
        out["lambda_env"] = function_environment(bp, bool(out["proxy"]))
        out["lambda_secrets"] = secrets(bp)
        out["task_permissions"] = fn["task_permissions"]
    return out


def function_environment(bp: Blueprint, proxy: bool) -> list[tuple[str, str]]:
    """(name, HCL expression) for the function's environment: the app's config, the parts of
    the new endpoints (the database's host is the proxy's when there is one), the adapter's
    settings, and where the secrets are (their values are never in Terraform)."""
    out = [(k, _hcl_str(v)) for k, v in ctxs.terraform_context(bp, "")["config_env"]]
    out.append(("PORT", "tostring(var.container_port)"))
    for name, expr in ctxs.wired_environment(bp):
        if proxy and expr == ctxs.PART_VALUES[("db", "host")]:
            expr = PROXY_HOST
        out.append((name, expr))
    out += [
        ("AWS_LWA_PORT", "tostring(var.container_port)"),
        ("AWS_LWA_READINESS_CHECK_PATH", "var.health_check_path"),
    ]
    if secrets(bp):  # where each secret is (scripts/skylift-env.sh reads them at init)
        out.append(("SKYLIFT_SECRETS", 'join(" ", local.function_secrets)'))
    if bp.has("websocket_api"):  # where the app answers WebSocket clients (@connections)
        out.append(("SKYLIFT_WS_CALLBACK_URL", WS_CALLBACK))
    if (uploads := bp.resource("s3_uploads")) is not None:
        for name in uploads.settings.get("env_vars") or ["UPLOADS_BUCKET"]:
            out.append((name, "aws_s3_bucket.uploads.id"))
    pairs = sorted(dict(out).items())
    width = max(len(n) for n, _ in pairs)
    return [(n.ljust(width), e) for n, e in pairs]  # aligned as `terraform fmt` aligns them


def secrets(bp: Blueprint) -> list[tuple[str, str]]:
    """(name, valueFrom) of every secret the app reads: what an ECS task definition's `secrets`
    would inject (the app's SSM parameters, RDS's password, the cache token)."""
    ssm = (
        "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${local.ssm_prefix}/"
    )
    out = [(n, ssm + n) for n in ctxs.ssm_secret_names(bp)] + ctxs.wired_secrets(bp)
    return sorted(out)


def _hcl_str(value: str) -> str:
    from skylift.render._jinja import hcl_string

    return hcl_string(value)


def env_settings(bp: Blueprint, env_name: str) -> dict[str, Any]:
    """One environment's Lambda values: prod is the Blueprint; dev and staging keep no warm
    environments and take the NAT instance when prod has any way out."""
    fn = _settings(bp, "lambda_function")
    if not is_lambda(bp) or fn is None:
        return {}
    api = _settings(bp, "api_gateway") or {}
    prod = env_name == "prod"
    any_nat = bp.has("nat_instance") or bp.has("nat_gateway")
    return {
        "lambda_memory_mb": fn["memory_mb"],
        "lambda_reserved_concurrency": fn["reserved_concurrency"] if prod else 10,
        "lambda_provisioned_concurrency": fn["provisioned_concurrency"] if prod else 0,
        "nat_instance": bp.has("nat_instance") if prod else any_nat,
        "api_throttle_rps": api.get("throttle_rps", 100),
        "api_throttle_burst": api.get("throttle_burst", 200),
    }


_FROM = re.compile(r"^FROM\s", re.M | re.I)


def with_adapter(dockerfile: str, bp: Blueprint) -> str:
    """The Dockerfile with the Lambda Web Adapter copied into its final stage."""
    fn = _settings(bp, "lambda_function")
    if fn is None or "aws-lambda-adapter" in dockerfile:
        return dockerfile
    starts = [m.start() for m in _FROM.finditer(dockerfile)]
    if not starts:
        return dockerfile
    end = dockerfile.index("\n", starts[-1]) + 1
    final = "".join(line + "\n" for line in adapter_lines(bp) + secrets_copy_lines(bp))
    stage = "".join(line + "\n" for line in secrets_stage_lines(bp)) if secrets(bp) else ""
    head = dockerfile[: starts[-1]]
    return head + stage + dockerfile[starts[-1] : end] + final + dockerfile[end:]


def adapter_lines(bp: Blueprint) -> list[str]:
    fn = _settings(bp, "lambda_function") or {}
    return [
        '# compute = "lambda": the AWS Lambda Web Adapter turns each invocation into an HTTP',
        "# request to the app's port (the same image still runs anywhere else)",
        f"COPY --from={fn.get('adapter_image')} /lambda-adapter /opt/extensions/lambda-adapter",
        f"ENV AWS_LWA_PORT={bp.port} AWS_LWA_READINESS_CHECK_PATH={bp.health_path}",
    ]


SECRETS_BUILDER = "golang:1.23-alpine"


def secrets_stage_lines(bp: Blueprint) -> list[str]:
    """The stage that builds skylift-secrets (scripts/skylift-secrets.go, standard library
    only) for the target platform, with the CA bundle it trusts in any base image."""
    return [
        '# compute = "lambda": skylift-secrets reads the app\'s secrets when Lambda starts the',
        "# function (scripts/skylift-env.sh runs it); a static binary, for any base image",
        f"FROM --platform=$BUILDPLATFORM {SECRETS_BUILDER} AS skylift-secrets",
        "ARG TARGETOS TARGETARCH",
        "WORKDIR /src",
        "COPY scripts/skylift-secrets.go ./",
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -tags skylift -trimpath "
        '-ldflags="-s -w" -o /out/skylift-secrets skylift-secrets.go',
        "",
    ]


def secrets_copy_lines(bp: Blueprint) -> list[str]:
    if not secrets(bp):
        return []
    return [
        "COPY --from=skylift-secrets /out/skylift-secrets /usr/local/bin/skylift-secrets",
        "COPY --from=skylift-secrets /etc/ssl/certs/ca-certificates.crt "
        "/usr/local/share/skylift/ca-certificates.crt",
    ]


def notes(bp: Blueprint, dockerfile_is_ours: bool) -> list[str]:
    if not is_lambda(bp):
        return []
    out = []
    if not dockerfile_is_ours:
        out.append(
            "compute = lambda: add the Lambda Web Adapter to your Dockerfile's final stage "
            "(the function's environment already sets AWS_LWA_PORT and the readiness path): "
            + adapter_lines(bp)[2]
        )
        if secrets(bp):
            out.append(
                "compute = lambda: the function's secrets are read when it starts by "
                "scripts/skylift-secrets.go, run by scripts/skylift-env.sh: build it in your "
                "Dockerfile as the generated ones do (a `skylift-secrets` stage: "
                + secrets_stage_lines(bp)[-2]
                + ") and start the app through skylift-env"
            )
    out.append(
        "compute = lambda: the first `terraform apply` needs the image in ECR (Lambda checks "
        "it): push it once (the deploy workflow's build step), then apply"
    )
    return out
