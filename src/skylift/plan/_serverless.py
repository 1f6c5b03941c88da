"""compute = "lambda": the resources, alarms, decisions and risks of the serverless design.

The app's own container image runs as a Lambda function with the AWS Lambda Web Adapter (the
HTTP server runs unchanged), behind an API Gateway HTTP API; a WebSocket API when the app uses
WebSockets; RDS Proxy between the function and the database when chosen; a NAT instance or
NAT gateways when the app calls the internet. Each resource names the Terraform it is built as
(render/templates/infra/lambda.tf.j2, apigw.tf.j2, rds_proxy.tf.j2, nat_instance.tf.j2), and
plan/_price_serverless.py prices the same settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from skylift.config import Config
from skylift.plan.blueprint import Blueprint, Decision, Resource
from skylift.scan.model import AppProfile

# The AWS Lambda Web Adapter: an extension that turns Lambda's events into HTTP requests to the
# app's port (https://github.com/awslabs/aws-lambda-web-adapter)
ADAPTER_IMAGE = "public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1"
TIMEOUT_S = 29  # API Gateway's integration timeout: a longer function never answers anyway
NAT_INSTANCE_TYPE = "t4g.nano"
NAT_ROOT_GB = 8


def websockets(profile: AppProfile) -> bool:
    return any(str(f.value) == "websockets" for f in profile.services)


def function(profile: AppProfile, cfg: Config, bp: Blueprint) -> Resource:
    from skylift.plan._compute import task_permissions

    s = cfg.sizes
    warm = s.lambda_provisioned_concurrency
    reserved = 20 if cfg.tier == "starter" else 100
    terraform = ["aws_lambda_function.app"]
    if warm:
        terraform.append("aws_lambda_provisioned_concurrency_config.main")
    return Resource(
        "lambda_function",
        "lambda",
        {
            "memory_mb": s.lambda_memory_mb,
            "arch": s.arch,
            "timeout_s": TIMEOUT_S,
            "package": "container image",
            "adapter_image": ADAPTER_IMAGE,
            "port": bp.port,
            "readiness_path": bp.health_path,
            "in_vpc": True,
            "subnets": "private",
            "reserved_concurrency": reserved,
            "provisioned_concurrency": warm,
            "db_via_proxy": s.rds_proxy and bp.database is not None,
            "task_permissions": task_permissions(profile, bp),
            # the image's CMD runs it: Lambda has no command of its own to override it with
            "start_command": str(profile.start_command.value) if profile.start_command else None,
            "build_command": str(profile.build_command.value) if profile.build_command else None,
        },
        Decision(
            f"AWS Lambda: the app's container image with the Lambda Web Adapter, "
            f"{s.lambda_memory_mb} MB, {s.arch}"
            + (f", {warm} environment(s) kept warm" if warm else ""),
            "billed per request and millisecond, nothing while idle; the adapter hands each "
            "request to the app's HTTP server unchanged, on its own port",
            {
                "ECS Fargate": "a task runs (and bills) all month even when idle; no cold "
                "starts, no 29 s limit, WebSockets on the load balancer",
                "functions per route (a rewrite)": "the seed's plan; the adapter gets the "
                "same result without touching the code",
            },
        ),
        terraform=terraform,
    )


def front_door(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    production = cfg.tier == "production"
    u = cfg.usage
    out = [
        Resource(
            "api_gateway",
            "apigateway",
            {
                "type": "HTTP",
                "custom_domain": bp.domain,
                "routes": ["$default"],
                "throttle_rps": 500 if production else 100,
                "throttle_burst": 1000 if production else 200,
                "access_logs": True,
            },
            Decision(
                "API Gateway HTTP API, one $default route to the function",
                "billed per request ($1 per million): no hourly charge and no public IPv4 "
                "addresses; stage throttling caps a flood before it reaches the function",
                {"ALB": "$16+ a month before the first request, plus 2 public IPv4 addresses"},
            ),
            terraform=["aws_apigatewayv2_api.main"],
        )
    ]
    records = u.requests_per_month
    if websockets(profile):
        records += u.ws_messages_per_month
        out.append(
            Resource(
                "websocket_api",
                "apigateway",
                {
                    "type": "WEBSOCKET",
                    "routes": ["$connect", "$disconnect", "$default"],
                    "messages_per_month": u.ws_messages_per_month,
                    "connection_minutes": u.ws_connection_minutes,
                    "throttle_rps": 100 if production else 50,
                    "throttle_burst": 200 if production else 100,
                },
                Decision(
                    "API Gateway WebSocket API ($connect, $disconnect, $default to the function)",
                    "the app uses WebSockets, which an HTTP API and the web adapter do not "
                    "carry; API Gateway holds the connections and invokes the function per "
                    "message (a code change: see the risks)",
                    {
                        "compute = fargate": "the app's WebSocket server runs unchanged behind "
                        "the load balancer"
                    },
                ),
                terraform=["aws_apigatewayv2_api.ws"],
            )
        )
    out.append(
        Resource(
            "apigw_logs",
            "logs",
            {
                "records_per_month": records,
                "kb_per_record": 0.5,
                "retention_days": cfg.sizes.log_retention_days,
            },
            terraform=["aws_cloudwatch_log_group.apigw"],
        )
    )
    return out


def proxy(cfg: Config, bp: Blueprint) -> Resource | None:
    if not (cfg.sizes.rds_proxy and bp.database):
        return None
    iam = cfg.sizes.db_proxy_iam_auth
    klass = bp.database["instance_class"]
    return Resource(
        "rds_proxy",
        "rds",
        {
            "engine_family": "POSTGRESQL",
            "auth": "iam" if iam else "secret",
            "secret": "the RDS-managed master secret (Secrets Manager)",
            "require_tls": True,
            "instance_class": klass,
            "vcpus": max(2, instance_vcpus(klass)),
            "idle_client_timeout_s": 1800,
            "max_connections_percent": 90,
        },
        Decision(
            "RDS Proxy between the function and PostgreSQL"
            + (" (IAM authentication)" if iam else " (the database's own secret)"),
            "every Lambda environment opens its own connections; the proxy pools them, so a "
            "burst of invocations never exhausts the database's connection limit, and it "
            "follows a Multi-AZ failover faster than DNS",
            {
                "direct connections": "cheaper (no proxy hours), fine while reserved "
                "concurrency stays below the database's max_connections",
            },
        ),
        terraform=["aws_db_proxy.main"],
    )


def instance_vcpus(instance_class: str) -> int:
    """vCPUs of an RDS class (db.t4g.small: 2, db.m7g.xlarge: 4): RDS Proxy bills per vCPU."""
    size = instance_class.rsplit(".", 1)[-1]
    if size.endswith("xlarge"):
        n = re.match(r"\d*", size).group() or "1"  # type: ignore[union-attr]
        return 4 * int(n)
    return 2


def nat_instance(cfg: Config, bp: Blueprint) -> Resource | None:
    if not cfg.sizes.nat_instance:
        return None
    return Resource(
        "nat_instance",
        "ec2",
        {
            "instance_type": NAT_INSTANCE_TYPE,
            "root_gb": NAT_ROOT_GB,
            "ami": "Amazon Linux 2023 (arm64), from its public SSM parameter",
            "subnet": "public",
            "public_ip": True,
        },
        Decision(
            f"one NAT instance ({NAT_INSTANCE_TYPE}) for the function's outbound calls",
            "the function runs in private subnets; the app calls the internet, and one "
            "t4g.nano costs about a fifth of one NAT gateway",
            {
                "NAT gateways": "managed, scale to 100 Gbps and survive an AZ; $0.045 an hour "
                "each plus $0.045 a GB (`skylift plan --nat gateway`)",
                "no NAT (VPC endpoints only)": "the function could reach AWS services through "
                "endpoints but not the internet the app calls (`--nat none`)",
                "trade-off": "one instance in one AZ: if it or its AZ fails, outbound calls "
                "stop until it is replaced (inbound requests keep working); you patch it "
                "(Amazon Linux 2023 updates on reboot)",
            },
        ),
        terraform=["aws_instance.nat"],
    )


# AWS services a function without NAT reaches through interface endpoints (service name at
# com.amazonaws.<region>.<name>): what scripts/skylift-env.sh reads the secrets from, and the
# APIs the app's own code calls. S3 (and ECR's layers, which Lambda pulls itself) go through the
# free gateway endpoint; Lambda ships the logs itself, outside the VPC.
ENDPOINT_GB = 0.1  # a few KB per cold start for the secrets, and the app's own calls


def vpc_endpoints(profile: AppProfile, cfg: Config, bp: Blueprint) -> Resource | None:
    """compute = "lambda" with no NAT: the interface endpoints the function needs, one per
    service in each AZ of the private subnets (billed per endpoint-AZ-hour and per GB)."""
    from skylift.plan._compute import _services

    s = cfg.sizes
    if cfg.compute != "lambda" or s.nat_gateways or s.nat_instance:
        return None
    services = []
    if bp.secrets or bp.cache:  # the app's SSM parameters, the cache's AUTH token
        services.append("ssm")
    if bp.database:  # RDS's own secret: the password
        services.append("secretsmanager")
    if "ses" in _services(profile):
        services.append("email")
    if not services:
        return None
    azs = bp.availability_zones
    return Resource(
        "vpc_endpoints",
        "vpc",
        {"services": services, "azs": azs, "gb_per_month": ENDPOINT_GB, "private_dns": True},
        Decision(
            f"no NAT: interface endpoints for {', '.join(services)} in the {azs} private subnets",
            "the function runs in private subnets with no way out; it reads its secrets "
            "when it starts (and calls the AWS APIs listed) through these endpoints, under "
            "the services' usual names (private DNS). S3 goes through the free gateway "
            "endpoint",
            {
                "a NAT instance (`--nat instance`)": "one t4g.nano: reaches the internet too, "
                "for less than one endpoint in two AZs costs",
                "NAT gateways": "$0.045 an hour each plus $0.045 a GB",
                "what endpoints cannot reach": "the internet (payment, mail and other APIs) "
                "and the WebSocket API's @connections callback",
            },
        ),
        count=len(services),
        terraform=["aws_vpc_endpoint.interface"],
    )


# --- alarms --------------------------------------------------------------------------------


def alarms(cfg: Config, bp: Blueprint, make: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors, throttles and duration of the function, and 5xx at the HTTP API."""
    lam = "AWS/Lambda"
    out = [
        make(
            "lambda_errors",
            "lambda-errors",
            "The function failed (error or timeout) on more than 5 invocations in 5 minutes",
            "function",
            lam,
            "Errors",
            threshold=5,
            statistic="Sum",
            missing="notBreaching",
        ),
        make(
            "lambda_throttles",
            "lambda-throttles",
            "Invocations throttled (reserved concurrency reached) in 5 minutes",
            "function",
            lam,
            "Throttles",
            threshold=0,
            statistic="Sum",
            missing="notBreaching",
        ),
        make(
            "lambda_duration_p95",
            "lambda-duration-p95",
            f"p95 duration above 80% of the {TIMEOUT_S} s timeout for 15 minutes",
            "function",
            lam,
            "Duration",
            threshold=TIMEOUT_S * 800,
            statistic="p95",
            periods=3,
            missing="notBreaching",
        ),
        make(
            "api_5xx",
            "api-5xx",
            "The HTTP API answered 5xx more than 10 times in 5 minutes",
            "api_gw_stage",
            "AWS/ApiGateway",
            "5xx",
            threshold=10,
            statistic="Sum",
            missing="notBreaching",
        ),
    ]
    if bp.has("nat_instance"):
        out.append(
            make(
                "nat_instance_status",
                "nat-instance-status",
                "The NAT instance fails its status checks: outbound calls are down",
                "nat_instance",
                "AWS/EC2",
                "StatusCheckFailed",
                threshold=0,
                statistic="Maximum",
                period=60,
                periods=2,
            )
        )
    return out


# --- decisions and risks -------------------------------------------------------------------


def tier_decision(cfg: Config) -> Decision:
    if cfg.tier == "starter":
        return Decision(
            "starter",
            "the cheapest sane serverless setup: the function scales with requests across two "
            "AZs, a single-AZ database, a NAT instance when the app calls the internet; an "
            "AZ failure takes the database (and the NAT instance) down for minutes",
            {
                "production": "Multi-AZ database, RDS Proxy, NAT gateways per AZ; switch with "
                "`skylift plan --tier production`"
            },
        )
    return Decision(
        "production",
        "survives the loss of an availability zone: the function runs in two AZs, Multi-AZ RDS "
        "with automatic failover behind RDS Proxy, one NAT gateway per AZ",
        {
            "starter": "cheaper, but one database instance and one NAT instance are single points "
            "of failure"
        },
    )


def decisions(cfg: Config, bp: Blueprint) -> dict[str, Decision]:
    if cfg.compute != "lambda":
        return {}
    out = {
        "tier": tier_decision(cfg),
        "waf": Decision(
            "no WAF on the HTTP API",
            "AWS WAF cannot be associated with an API Gateway HTTP API (only with REST "
            "APIs, load balancers, CloudFront and a few others): nothing is planned that AWS "
            "would refuse; the stage's throttling limits floods",
            {
                "CloudFront with a WAF web ACL in front of the API": "managed rules and a "
                "rate limit at the edge, for about $6 a month more plus CloudFront's requests",
                "compute = fargate": "the load balancer takes a regional web ACL",
            },
        ),
    }
    out["secrets"] = Decision(
        "SSM Parameter Store (SecureString, standard tier), read by the image's entrypoint "
        "when Lambda starts an environment and exported as the variables the app reads",
        f"{len(bp.secrets)} secret(s); standard parameters are free. Lambda has no injection "
        "like ECS's, so scripts/skylift-env.sh runs skylift-secrets (built into the image) "
        "in the init phase: it reads the parameters and RDS's password with the function's "
        "role (SKYLIFT_SECRETS names them by ARN), exports them, then starts the app "
        "unchanged. A rotation of the password publishes a new version, whose new "
        "environments read the new one",
        {
            "secret values in the function's environment": "they would be in Terraform's "
            "state and visible to anyone who may read the function's configuration",
            "Secrets Manager": "$0.40 per secret per month; kept for the RDS password, which "
            "RDS rotates itself",
        },
    )
    s = cfg.sizes
    if bp.database and not s.rds_proxy:
        out["rds_proxy"] = Decision(
            "the function connects to PostgreSQL directly",
            f"reserved concurrency caps the function at "
            f"{20 if cfg.tier == 'starter' else 100} environments, each with its own "
            "connections: within a small database's limit",
            {
                "RDS Proxy (sizes.rds_proxy = true)": "pools connections; billed for at least "
                "2 vCPU around the clock"
            },
        )
    return out


ENV_LIMIT = 4096  # bytes of a function's environment variables, names and values together


def secrets_size(bp: Blueprint) -> int:
    """About how long SKYLIFT_SECRETS is: `NAME=arn:aws:ssm:<region>:<account>:parameter/
    <app>/<env>/NAME` for each secret, and the RDS secret's ARN with its key."""
    ssm = len(f"arn:aws:ssm:{bp.region}:123456789012:parameter/{bp.app}/staging/") + 2
    out = sum(2 * len(n) + ssm for n in bp.secrets)
    return out + (120 if bp.database else 0)


def risks(profile: AppProfile, cfg: Config, bp: Blueprint, add: Callable[..., None]) -> None:
    """What the move to Lambda needs changed, said plainly."""
    if websockets(profile):
        add(
            "WebSockets: the web adapter does not carry WebSocket connections, so the app's "
            "WebSocket handler (gorilla/websocket, ws, socket.io...) never sees a connection "
            "on Lambda",
            "code change: handle the WebSocket API's $connect/$disconnect/$default events "
            "(the connection id is in requestContext.connectionId; keep it in the database or "
            "cache) and send to clients with the API Gateway Management API "
            "(PostToConnection on the @connections endpoint, the ws_callback_url output); or "
            "stay on compute = fargate, where the WebSocket server runs unchanged",
            ", ".join(
                str(e)
                for f in profile.services
                if str(f.value) == "websockets"
                for e in f.evidence[:2]
            ),
        )
    where = secrets_size(bp)
    if where + sum(len(k) + len(v) for k, v in bp.config_env.items()) > ENV_LIMIT * 3 // 4:
        add(
            f"the function's environment nears Lambda's 4 KB limit: SKYLIFT_SECRETS alone, "
            f"the ARN of each of {len(bp.secrets)} secrets, takes about {where:,} bytes",
            "move plain settings into SSM too, or join related secrets into one JSON "
            "parameter; an update beyond 4 KB is refused by Lambda",
        )
    if cfg.sizes.db_proxy_iam_auth:
        add(
            "the RDS Proxy requires IAM authentication",
            "code change: connect with a token from the AWS SDK's RDS auth token generator "
            "(rds-db:connect is granted) instead of a password",
        )
    workers = [j for j in bp.jobs if j["kind"] == "worker"]
    if workers:
        add(
            f"{len(workers)} long-running worker process(es) have no place on Lambda",
            "use compute = fargate, or turn the worker into a queue-triggered function",
        )
    crons = [j for j in bp.jobs if j["kind"] == "cron" and not j["in_process"]]
    if crons:
        add(
            f"{len(crons)} scheduled job(s) with commands are not scheduled on Lambda",
            "run them from your machine or CI (`skylift task`), or use compute = fargate",
        )
    if bp.jobs and any(j["kind"] in ("release",) for j in bp.jobs):
        add(
            "the deploy workflow does not run the release (migration) command on Lambda",
            "run it against the database before a deploy that needs it",
        )
