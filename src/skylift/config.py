"""skylift.toml: what the owner *decided* (tier, compute, region, domain, sizes, usage).

`skylift plan` writes the file on its first run and re-reads it on every run. Which source wins
when several set the same value:

    1. an option given on the command line (`--tier production`), which is then written back
       into skylift.toml so the next run remembers it;
    2. the value in skylift.toml, when the owner changed it;
    3. the default skylift derives from the app and the tier.

A value in the file that still equals the default skylift wrote for the *previous* tier is not
an owner's decision: when the tier or compute changes, it follows the new default. Every other
value is the owner's and is never overwritten; a later run only adds keys that are missing.
The file is edited with tomlkit, so the owner's comments and layout survive.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import tomlkit
from tomlkit.exceptions import ParseError
from tomlkit.items import Table

from skylift.errors import ConfigError

CONFIG_FILE = "skylift.toml"
Origin = Literal["cli", "file", "default"]

TIERS = ("starter", "production")
COMPUTES = ("fargate", "lambda")
ARCHES = ("arm64", "x86_64")

# Valid Fargate task sizes: vCPU -> allowed memory in MiB (AWS ECS task size table).
FARGATE_SIZES: dict[float, tuple[int, ...]] = {
    0.25: (512, 1024, 2048),
    0.5: tuple(range(1024, 4097, 1024)),
    1.0: tuple(range(2048, 8193, 1024)),
    2.0: tuple(range(4096, 16385, 1024)),
    4.0: tuple(range(8192, 30721, 1024)),
}


@dataclass
class Sizes:
    cpu: float = 0.25  # vCPU per Fargate task
    memory: int = 512  # MiB per Fargate task
    desired_count: int = 1
    min_count: int = 1
    max_count: int = 2
    arch: str = "arm64"
    spot: bool = False
    spot_non_production: bool = False  # dev and staging on Fargate Spot (prod as `spot` says)
    lambda_memory_mb: int = 512
    db_instance_class: str = "db.t4g.micro"
    db_storage_gb: int = 20
    db_multi_az: bool = False
    db_backup_retention_days: int = 7
    cache_node_type: str = "cache.t4g.micro"
    nat_gateways: int = 0
    # --- compute = "lambda" (plan/_serverless.py) ---
    nat_instance: bool = False  # one t4g.nano NAT instance instead of NAT gateways
    rds_proxy: bool = False  # the function reaches the database through RDS Proxy
    db_proxy_iam_auth: bool = False  # the proxy requires IAM tokens instead of the password
    lambda_provisioned_concurrency: int = 0  # environments kept warm (billed by the hour)
    # ---
    log_retention_days: int = 30
    backup_keep_days: int = 35  # the daily pg_dump's life in the backups bucket
    budget_monthly_usd: int = 0  # 0: skylift sets it from the estimate


@dataclass
class Usage:
    """The assumptions behind every variable cost line (per month)."""

    requests_per_month: int = 1_000_000
    avg_response_kb: int = 20
    log_gb: float = 1.0
    nat_gb: float = 10.0
    s3_backup_gb: float = 5.0
    s3_uploads_gb: float = 5.0  # only when the app writes files to local disk
    ecr_gb: float = 1.0
    db_backup_extra_gb: float = 0.0
    cross_az_gb: float = 0.0  # traffic between tasks and a database/cache in another AZ
    lambda_avg_ms: int = 120
    ws_messages_per_month: int = 1_000_000  # WebSocket API messages (only with WebSockets)
    ws_connection_minutes: int = 500_000  # WebSocket connection-minutes a month
    emails_per_month: int = 1000  # messages sent through SES, when the plan has it


@dataclass
class Current:
    monthly_cost: float = 0.0  # what the current host costs per month; 0 = unknown
    heroku_dyno: str = "basic"
    heroku_dyno_count: int = 1
    heroku_postgres: str = "essential-0"
    heroku_redis: str = "mini"


@dataclass
class Config:
    name: str
    tier: str = "starter"
    compute: str = "fargate"
    region: str = "us-east-1"
    domain: str = ""
    route53_zone_id: str = ""  # the domain's hosted zone, when it is already in this account
    dns_delegated: bool = False  # the zone skylift created answers for the domain (NS records)
    # --- the edge and e-mail (plan/_edge.py, plan/_email.py) ---
    cdn: str = "auto"  # auto | cloudfront | none: CloudFront + WAF in front of the load balancer
    email: str = "auto"  # auto | ses | none: SES for the domain when the app sends e-mail
    staging: bool = False  # CI deploys staging on every push to main, then prod after approval
    sizes: Sizes = field(default_factory=Sizes)
    usage: Usage = field(default_factory=Usage)
    current: Current = field(default_factory=Current)
    # [env]: values the owner gives the app's config variables (NAME = "value"); wins over
    # every value skylift derives. Secrets never go here: they stay in .env and go to SSM.
    env: dict[str, str] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)  # "sizes.cpu" -> where it came from

    def flat(self) -> dict[str, Any]:
        """Every setting as "section.key" -> value (the shape of skylift.toml)."""
        out: dict[str, Any] = {f"app.{k}": getattr(self, k) for k in APP_KEYS}
        for section in ("sizes", "usage", "current"):
            obj = getattr(self, section)
            out.update({f"{section}.{f.name}": getattr(obj, f.name) for f in fields(obj)})
        out.update({f"env.{k}": v for k, v in sorted(self.env.items())})
        return out


APP_KEYS = (
    "name",
    "tier",
    "compute",
    "region",
    "domain",
    "route53_zone_id",
    "dns_delegated",
    "cdn",
    "email",
    "staging",
)
CDNS = ("auto", "cloudfront", "none")
EMAILS = ("auto", "ses", "none")
SECTIONS: dict[str, type] = {"sizes": Sizes, "usage": Usage, "current": Current}

HELP: dict[str, str] = {
    "app.tier": "starter | production",
    "app.compute": "fargate (ECS behind a load balancer) | lambda (API Gateway + Lambda)",
    "app.region": "a region with a price file (skylift/plan/prices/)",
    "app.domain": 'e.g. "api.example.com"; empty: the load balancer\'s own DNS name',
    "app.route53_zone_id": "the domain's Route 53 zone if it is in this account; empty: "
    "skylift creates a zone and prints its name servers",
    "app.dns_delegated": "true once those name servers are NS records for the domain: the "
    "next apply validates the certificate and serves HTTPS",
    "app.cdn": "auto: CloudFront + WAF for an app with static assets at the production tier with "
    "a domain | cloudfront | none",
    "app.email": "auto: SES for the domain when the app sends e-mail | ses | none",
    "app.staging": "true: the pipeline deploys staging on every push to main, then prod after "
    "a reviewer approves; false: prod alone (still after an approval)",
    "sizes.cpu": "vCPU per task: 0.25 | 0.5 | 1 | 2 | 4",
    "sizes.memory": "MiB per task (Fargate allows set pairs with cpu)",
    "sizes.arch": "arm64 (Graviton, ~20% cheaper) | x86_64",
    "sizes.spot": "run service tasks on Fargate Spot (can be stopped with 2 minutes' notice)",
    "sizes.spot_non_production": "dev and staging run every task on Fargate Spot (prod follows "
    "spot); not priced: the plan prices prod",
    "sizes.nat_gateways": "0: tasks in public subnets with public IPs; 1 per AZ for production",
    "sizes.budget_monthly_usd": "0: skylift sets the AWS Budgets alert from the estimate; "
    "an estimate above it is a warning in the plan",
    "sizes.nat_instance": "lambda: one t4g.nano NAT instance instead of NAT gateways "
    "(`skylift plan --nat instance`)",
    "sizes.rds_proxy": "lambda: connect through RDS Proxy (pools connections; min 2 vCPU billed)",
    "sizes.db_proxy_iam_auth": "lambda: the proxy requires IAM auth tokens (a code change)",
    "sizes.lambda_provisioned_concurrency": "lambda: execution environments kept warm; 0 = none",
    "usage.ws_messages_per_month": "WebSocket messages a month (WebSocket API, when used)",
    "usage.ws_connection_minutes": "WebSocket connection-minutes a month",
    "sizes.backup_keep_days": "days each daily pg_dump stays in the backups bucket",
    "usage.requests_per_month": "HTTP requests per month (ALB LCU, WAF, Lambda)",
    "usage.avg_response_kb": "average response size: egress = requests x size",
    "usage.log_gb": "GB of logs written per month (CloudWatch ingestion)",
    "usage.nat_gb": "GB through the NAT gateway(s) per month",
    "usage.db_backup_extra_gb": "RDS backup storage beyond the free 100% of allocated storage",
    "usage.emails_per_month": "messages a month sent through SES (when the app sends e-mail)",
    "usage.cross_az_gb": "GB a month between AZs (tasks in AZ b talking to the database in AZ a)",
    "current.monthly_cost": "what the current host costs per month in USD; 0 = unknown",
}


# Keys of the serverless design: skylift.toml and the plan show them only when compute =
# "lambda" (or when the owner wrote one).
LAMBDA_ONLY = frozenset(
    {
        "sizes.nat_instance",
        "sizes.rds_proxy",
        "sizes.db_proxy_iam_auth",
        "sizes.lambda_provisioned_concurrency",
        "usage.ws_messages_per_month",
        "usage.ws_connection_minutes",
    }
)


def shown(cfg: Config, key: str, file_values: Mapping[str, Any] | None = None) -> bool:
    """Is this key part of this design's skylift.toml (lambda keys only for lambda)?"""
    if cfg.compute == "lambda" or key not in LAMBDA_ONLY:
        return True
    return key in (file_values or {}) or cfg.origins.get(key) in ("file", "cli")


def load_file(path: Path) -> dict[str, Any]:
    """Read skylift.toml into "section.key" -> value, validating names and types."""
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    except ParseError as exc:
        raise ConfigError(
            f"{path} is not valid TOML", str(exc), f"fix the line it names, or delete {path}"
        ) from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path} is not UTF-8 text",
            f"byte {exc.object[exc.start : exc.start + 1]!r} on line {line} is not UTF-8 "
            "(TOML files are UTF-8)",
            "save the file as UTF-8 in your editor, or fix that line",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}", str(exc), "check the file's permissions") from exc
    values: dict[str, Any] = {}
    known = set(default_flat("app").keys())
    for section, table in doc.unwrap().items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{path}: '{section}' must be a table like [{section}]",
                "skylift.toml holds the tables [app], [sizes], [usage], [current] and [env]",
                "move the key under one of those tables",
            )
        if section == "env":
            values.update(_env_table(path, table))
            continue
        for key, value in table.items():
            name = f"{section}.{key}"
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "remove it"
                raise ConfigError(
                    f"{path}: unknown setting '{name}'", "skylift ignores no key", hint
                )
            values[name] = _check_type(path, name, value)
    for key, choices in (
        ("app.tier", TIERS),
        ("app.compute", COMPUTES),
        ("sizes.arch", ARCHES),
        ("app.cdn", CDNS),
        ("app.email", EMAILS),
    ):
        if key in values:
            _choice(key, values[key], choices)
    return values


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _env_table(path: Path, table: Mapping[str, Any]) -> dict[str, str]:
    from skylift.scan._names import classify

    out: dict[str, str] = {}
    for key, value in table.items():
        if not _ENV_NAME.fullmatch(key):
            raise ConfigError(
                f"{path}: [env] '{key}' is not an environment variable name",
                "names are letters, digits and underscores",
                "rename it",
            )
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ConfigError(
                f"{path}: [env] {key} must be a string, not {value!r}",
                "the task gets every variable as text",
                f'write {key} = "{value}"',
            )
        if classify(key) == "secret":
            raise ConfigError(
                f"{path}: [env] {key} looks like a secret",
                "skylift.toml is committed; a secret in it is a leaked secret",
                f"remove it from skylift.toml and put {key} in the app's .env: `skylift up` stores "
                "it in SSM",
            )
        out[f"env.{key}"] = str(value)
    return out


def default_flat(name: str) -> dict[str, Any]:
    return Config(name=name).flat()


def _check_type(path: Path, name: str, value: Any) -> Any:
    expected = type(default_flat("x")[name])
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        return value
    raise ConfigError(
        f"{path}: '{name}' must be {_type_word(expected)}, not {value!r}",
        HELP.get(name, ""),
        f"write for example {name.split('.')[1]} = {default_flat('x')[name]!r}".replace("'", '"'),
    )


def _type_word(t: type) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}[t]


def resolve(
    name: str,
    cli: Mapping[str, Any],
    file_values: Mapping[str, Any],
    derived: Callable[[str, str], Mapping[str, Any]],
) -> Config:
    """Combine CLI options, skylift.toml and derived defaults (CLI > file > default).

    `derived(tier, compute)` gives the defaults skylift derives from the app for that tier.
    """
    tier = _pick("app.tier", cli, file_values, "starter")
    compute = _pick("app.compute", cli, file_values, "fargate")
    new_defaults = {**default_flat(name), **derived(tier, compute)}
    old_defaults = {
        **default_flat(name),
        **derived(file_values.get("app.tier", tier), file_values.get("app.compute", compute)),
    }
    values: dict[str, Any] = {k: v for k, v in file_values.items() if k.startswith("env.")}
    origins: dict[str, Origin] = dict.fromkeys(values, "file")
    for key, default in new_defaults.items():
        if key in cli and cli[key] is not None:
            values[key], origins[key] = cli[key], "cli"
        elif key in file_values and file_values[key] != old_defaults.get(key):
            values[key], origins[key] = file_values[key], "file"
        else:
            values[key], origins[key] = default, "default"
    return _build(values, origins)


def _pick(key: str, cli: Mapping[str, Any], file_values: Mapping[str, Any], default: str) -> str:
    value = cli.get(key) or file_values.get(key) or default
    return str(value)


def _build(values: dict[str, Any], origins: dict[str, Origin]) -> Config:
    env = {k.removeprefix("env."): str(v) for k, v in values.items() if k.startswith("env.")}
    cfg = Config(**{k: values[f"app.{k}"] for k in APP_KEYS}, env=env, origins=origins)
    for section, cls in SECTIONS.items():
        kwargs = {f.name: values[f"{section}.{f.name}"] for f in fields(cls)}
        setattr(cfg, section, cls(**kwargs))
    validate(cfg)
    return cfg


def validate(cfg: Config) -> None:
    """Raise ConfigError for a decision AWS would refuse or skylift cannot price."""
    s = cfg.sizes
    _choice("app.tier", cfg.tier, TIERS)
    _choice("app.compute", cfg.compute, COMPUTES)
    _choice("sizes.arch", s.arch, ARCHES)
    _choice("app.cdn", cfg.cdn, CDNS)
    _choice("app.email", cfg.email, EMAILS)
    if not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d", cfg.region):
        _bad("app.region", cfg.region, "an AWS region name such as us-east-1")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,17}", cfg.name):
        _bad(
            "app.name",
            cfg.name,
            "at most 18 lower-case letters, digits and dashes: AWS names are built from it "
            "(a load balancer's name holds 32 characters, a bucket prefix 37)",
        )
    if cfg.domain and not re.fullmatch(r"([a-z0-9-]+\.)+[a-z]{2,}", cfg.domain.lower()):
        _bad("app.domain", cfg.domain, "a host name such as api.example.com, or empty")
    if cfg.route53_zone_id and not re.fullmatch(r"Z[A-Z0-9]{4,31}", cfg.route53_zone_id):
        _bad("app.route53_zone_id", cfg.route53_zone_id, "a hosted zone id such as Z0123456789ABC")
    if s.cpu not in FARGATE_SIZES:
        _bad("sizes.cpu", s.cpu, "one of 0.25, 0.5, 1, 2, 4 vCPU")
    elif s.memory not in FARGATE_SIZES[s.cpu]:
        allowed = ", ".join(str(m) for m in FARGATE_SIZES[s.cpu])
        _bad("sizes.memory", s.memory, f"with cpu = {s.cpu}, Fargate allows {allowed} MiB")
    if not 1 <= s.min_count <= s.desired_count <= s.max_count:
        _bad(
            "sizes.desired_count",
            s.desired_count,
            f"1 <= min_count ({s.min_count}) <= desired_count <= max_count ({s.max_count})",
        )
    if not 128 <= s.lambda_memory_mb <= 10240:
        _bad("sizes.lambda_memory_mb", s.lambda_memory_mb, "128 to 10240 MiB")
    if not re.fullmatch(r"db\.[a-z0-9]+\.[a-z0-9]+", s.db_instance_class):
        _bad("sizes.db_instance_class", s.db_instance_class, "an RDS class such as db.t4g.micro")
    if not re.fullmatch(r"cache\.[a-z0-9]+\.[a-z0-9]+", s.cache_node_type):
        _bad("sizes.cache_node_type", s.cache_node_type, "a node type such as cache.t4g.micro")
    if not 20 <= s.db_storage_gb <= 65536:
        _bad("sizes.db_storage_gb", s.db_storage_gb, "20 to 65536 GB (gp3 minimum is 20)")
    if not 1 <= s.db_backup_retention_days <= 35:
        _bad("sizes.db_backup_retention_days", s.db_backup_retention_days, "1 to 35 days")
    if not 0 <= s.nat_gateways <= 3:
        _bad("sizes.nat_gateways", s.nat_gateways, "0 to 3 (one per availability zone at most)")
    _validate_serverless(cfg)
    if not 1 <= s.backup_keep_days <= 3650:
        _bad("sizes.backup_keep_days", s.backup_keep_days, "1 to 3650 days")
    if s.log_retention_days not in LOG_RETENTION_DAYS:
        _bad(
            "sizes.log_retention_days",
            s.log_retention_days,
            "a CloudWatch retention: 7, 14, 30, 90, ...",
        )
    for f in fields(cfg.usage):
        if getattr(cfg.usage, f.name) < 0:
            _bad(f"usage.{f.name}", getattr(cfg.usage, f.name), "zero or more")
    if cfg.current.monthly_cost < 0:
        _bad("current.monthly_cost", cfg.current.monthly_cost, "zero (unknown) or more")


def _validate_serverless(cfg: Config) -> None:
    s = cfg.sizes
    if s.nat_instance and s.nat_gateways:
        _bad("sizes.nat_instance", True, "false while nat_gateways > 0: one way out, not two")
    lambda_only = ("nat_instance", "rds_proxy", "db_proxy_iam_auth")
    for key in lambda_only:
        if getattr(s, key) and cfg.compute != "lambda":
            _bad(f"sizes.{key}", True, 'false unless compute = "lambda"')
    if s.lambda_provisioned_concurrency and cfg.compute != "lambda":
        _bad(
            "sizes.lambda_provisioned_concurrency",
            s.lambda_provisioned_concurrency,
            '0 unless compute = "lambda"',
        )
    if s.db_proxy_iam_auth and not s.rds_proxy:
        _bad("sizes.db_proxy_iam_auth", True, "false unless rds_proxy = true")
    if not 0 <= s.lambda_provisioned_concurrency <= 100:
        _bad("sizes.lambda_provisioned_concurrency", s.lambda_provisioned_concurrency, "0 to 100")


LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _bad(key, value, " | ".join(choices))


def _bad(key: str, value: Any, expected: str) -> None:
    raise ConfigError(
        f"invalid {key} = {value!r}",
        f"expected {expected}",
        f"change '{key.split('.')[1]}' under [{key.split('.')[0]}] in {CONFIG_FILE}, "
        "or pass the matching option",
    )


# --- writing -------------------------------------------------------------------------------

HEADER = """\
skylift.toml: the decisions for moving this app to AWS.
Written by `skylift plan`; edit it freely: every run re-reads it and only adds missing keys.
Which value wins: a command-line option (written back here) > this file > skylift's default."""


def write(path: Path, cfg: Config, file_values: Mapping[str, Any] | None) -> list[str]:
    """Create skylift.toml, or update it in place. Returns the "section.key" names it changed.

    In an existing file only missing keys, values given on the command line and values that
    still follow a default (see module docstring) change; comments and layout are kept.
    """
    flat = {k: v for k, v in cfg.flat().items() if shown(cfg, k, file_values)}
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_values is None or not path.exists():
        path.write_text(_fresh_document(flat), encoding="utf-8")
        return sorted(flat)
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    changed: list[str] = []
    for key, value in flat.items():
        if key in file_values and (file_values[key] == value or cfg.origins.get(key) == "file"):
            continue
        section, name = key.split(".")
        table = doc.get(section)
        if not isinstance(table, Table):
            table = tomlkit.table()
            doc[section] = table
        table[name] = value
        changed.append(key)
    if changed:
        path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return changed


def _fresh_document(flat: Mapping[str, Any]) -> str:
    doc = tomlkit.document()
    for line in HEADER.splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    for section in ("app", *SECTIONS, "env"):
        table = tomlkit.table()
        for key, value in flat.items():
            if key.startswith(section + "."):
                item = tomlkit.item(value)
                if key in HELP:
                    item.comment(HELP[key])
                table.add(key.split(".", 1)[1], item)
        if section == "env":
            table.add(
                tomlkit.comment('NAME = "value" for the app\'s config variables skylift asks about')
            )
            table.add(
                tomlkit.comment(
                    "(MIGRATION.md's risks list them); secrets stay in .env, never here"
                )
            )
        doc.add(section, table)
    return tomlkit.dumps(doc)
