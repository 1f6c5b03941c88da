"""Where `up` and `down` act: the embedded AWS (local) or a real account (aws). Only endpoints,
credentials and where Terraform keeps its state differ; every step is the same code."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift.cloud import moto_server
from skylift.cloud.terraform import override_text
from skylift.errors import UsageError

TARGETS = ("local", "aws")
# What moto cannot emulate, switched off by `local_rehearsal = true` (see variables.tf).
UNEMULATED = {
    "aws_budgets_budget": "budget alert (moto lacks DescribeSubscribersForNotification)",
    "aws_elasticache_replication_group": "Valkey cache (moto's replication groups have no member clusters)",
    "aws_appautoscaling_target": "service autoscaling (moto lacks ListTagsForResource for it)",
    "performance_insights": "RDS Performance Insights (moto does not keep the setting)",
    "aws_lambda_provisioned_concurrency_config": "with compute = lambda: provisioned "
    "concurrency (moto lacks PutProvisionedConcurrencyConfig) and the function's environment "
    "encrypted with the app's KMS key (moto does not keep KMSKeyArn)",
    "aws_cloudfront_distribution": "CloudFront distribution with its cache and response headers "
    "policies, when the plan has one (moto has no CloudFront policies): the domain points at the "
    "load balancer",
    "aws_sesv2_email_identity": "SES: the domain identity, DKIM, MAIL FROM, DMARC and the "
    "configuration set with its notifications, when the plan has SES (moto's SES v2 answers "
    "in shapes Terraform cannot read)",
    "aws_sfn_state_machine": "with compute = lambda and a database: the workflow that "
    "publishes a new version after the password rotates (moto cannot validate a state "
    "machine's definition; the rotation's event rule is off as well)",
    "lambda_app": "with compute = lambda: the Lambda runtime and API Gateway themselves — the "
    "function's image runs as a container with the function's environment, as Lambda's user, "
    "its web adapter's readiness check behind the load balancer stand-in; invocation events, "
    "cold starts and API Gateway's limits (30 s, 10 MB) are not rehearsed",
}


@dataclass
class Target:
    name: str
    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)  # for Terraform and boto3
    override: str | None = None  # local-only Terraform override file
    variables: dict[str, Any] = field(default_factory=dict)
    backend_config: list[str] = field(default_factory=list)
    fresh: bool = False  # a new embedded AWS: earlier Terraform state describes nothing
    endpoint: str | None = None

    def session(self, region: str) -> Any:
        import boto3

        if self.name == "local":
            return boto3.session.Session(
                aws_access_key_id=moto_server.CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=moto_server.CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                region_name=region,
            )
        return boto3.session.Session(region_name=region)

    def client(self, session: Any, service: str) -> Any:
        return (
            session.client(service, endpoint_url=self.endpoint)
            if self.endpoint
            else session.client(service)
        )


def state_dir(root: Path, target: str) -> Path:
    return root / ".skylift" / "up" / target


def open_target(root: Path, name: str, app: str, env: str, region: str) -> Target:
    if name not in TARGETS:
        raise UsageError(
            f"unknown target {name!r}",
            "targets are local and aws",
            "use --target local (a rehearsal on this machine) or --target aws",
        )
    sdir = state_dir(root, name)
    if name == "local":
        server = moto_server.start(sdir)
        return Target(
            name,
            sdir,
            env=server.env(region),
            override=override_text(server.url),
            variables={
                "local_rehearsal": True,
                "certificate_validated": True,
                "db_performance_insights": False,
            },
            fresh=server.fresh,
            endpoint=server.url,
        )
    # aws: the user's credentials and real endpoints (AWS_ENDPOINT_URL is honoured when set,
    # which is how the tests point this very path at moto)
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    backend = ["backend.hcl", f"key={app}/{env}.tfstate"]
    if endpoint:
        backend.append("use_path_style=true")
    return Target(name, sdir, env={}, backend_config=backend, endpoint=endpoint)
