"""Blueprint: the target architecture, derived from AppProfile + skylift.toml.

The plan document, the cost table and the generated Terraform all read the same Blueprint, so
they cannot disagree. Each decision carries its reason (and the alternatives rejected).

This module holds the data shape; `plan/derive.py` builds it, `plan/cost.py` prices it and
`render/` turns it into files. Renderers hold no decisions: anything they need is a field here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Tier = Literal["starter", "production"]
Compute = Literal["fargate", "lambda"]


@dataclass
class Decision:
    choice: str
    reason: str
    rejected: dict[str, str] = field(default_factory=dict)  # alternative -> why not


@dataclass
class Resource:
    """One billable or structural piece of the target (maps to Terraform resources)."""

    key: str  # stable id: "alb", "nat_gateway", "rds", "fargate_service", "public_ipv4", ...
    kind: str  # AWS service: "elb", "ecs", "rds", "elasticache", "vpc", "logs", "s3", ...
    settings: dict[str, Any] = field(default_factory=dict)
    decision: Decision | None = None
    count: int = 1
    # False for cost-only lines that no Terraform resource creates (internet egress, public
    # IPv4 addresses, SSM parameters that `skylift up` writes)
    provisioned: bool = True
    # The Terraform resources (type.name) this resource is built as, or, for a cost-only line,
    # the ones whose use it bills: render/_ledger.py checks them against the generated files
    terraform: list[str] = field(default_factory=list)


@dataclass
class Blueprint:
    app: str  # slug used in resource names
    region: str
    tier: Tier
    compute: Compute
    runtime: str  # "node", "go", "python"
    port: int
    health_path: str
    domain: str | None = None
    cpu_arch: Literal["arm64", "x86_64"] = "arm64"
    resources: list[Resource] = field(default_factory=list)
    secrets: list[str] = field(
        default_factory=list
    )  # env var names stored in SSM / Secrets Manager
    config_env: dict[str, str] = field(default_factory=dict)  # non-secret env vars
    # name -> where its production value comes from: {"source": "db"|"cache"|"app",
    # "part": "host"|"port"|"url"|..., and for URLs "scheme", "path", "query"} (plan/_env.py)
    env_wiring: dict[str, dict[str, str]] = field(default_factory=dict)
    env_questions: list[dict[str, str]] = field(default_factory=list)  # {"name", "why"}: ask
    env_unset: list[dict[str, str]] = field(default_factory=list)  # {"name", "why"}: left unset
    runtime_version: str = ""  # "20", "3.11", "1.22": the version the app declares
    # the GitHub environments the pipeline deploys, in order (prod last, after an approval)
    environments: list[str] = field(default_factory=lambda: ["prod"])
    app_dir: str = ""  # in a monorepo, the app's folder ("backend"): the image's build context
    # the production image's Dockerfile, its build context and stage, relative to app_dir
    # (scan/image.py: `Dockerfile.prod`, or what docker-compose.prod.yml builds)
    dockerfile: str = "Dockerfile"
    docker_context: str = "."
    docker_target: str = ""
    # what the load balancer checks: the path, the statuses counted healthy, and why that path
    health_matcher: str = "200-399"
    health_reason: str = ""
    jobs: list[dict[str, Any]] = field(default_factory=list)  # cron / one-off, with commands
    database: dict[str, Any] | None = None  # engine, version, instance class, storage, extensions
    cache: dict[str, Any] | None = None  # engine, node type, when the app uses Redis
    assumptions: dict[str, Any] = field(default_factory=dict)  # usage assumptions behind costs
    availability_zones: int = 2  # an ALB needs subnets in two AZs even for one task
    vpc_cidr: str = "10.0.0.0/16"
    # cross-cutting choices not tied to one resource: "compute", "cpu_arch", "secrets", "cron"...
    decisions: dict[str, Decision] = field(default_factory=dict)
    risks: list[dict[str, str]] = field(default_factory=list)  # {"risk", "mitigation", "source"}
    tags: dict[str, str] = field(default_factory=dict)  # applied to every resource
    # where the app runs today: {"host": "heroku", "monthly_cost": 32.0 | None, "heroku": {...}}
    current: dict[str, Any] | None = None

    def resource(self, key: str) -> Resource | None:
        return next((r for r in self.resources if r.key == key), None)

    def has(self, key: str) -> bool:
        return self.resource(key) is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
