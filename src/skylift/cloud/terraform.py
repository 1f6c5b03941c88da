"""Running Terraform on the generated infra/, for `skylift up` and `skylift down`.

Terraform runs in a working copy (<state_dir>/tf) of infra/, never in infra/ itself, so the
local-only override file (endpoints of the embedded AWS, local state) can never be committed
or used for `--target aws`. The AWS provider comes from the registry, or from a local
filesystem mirror (/opt/tf-plugins or $SKYLIFT_TF_PLUGIN_DIR) when there is one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skylift.cloud import tf_detached
from skylift.errors import InfraError, MissingToolError

OVERRIDE_FILE = "skylift_local_override.tf"
# another apply of the same state (a cut-off run's, still finishing) holds the lock: wait for it
LOCK_WAIT = "-lock-timeout=10m"
MIRROR_DIRS = ("/opt/tf-plugins", "~/.terraform.d/plugins")
# Services the generated Terraform calls; each gets the embedded AWS's endpoint.
SERVICES = (
    "acm", "appautoscaling", "budgets", "cloudwatch", "ec2", "ecr", "ecs", "elasticache", "elbv2",
    "iam", "kms", "logs", "rds", "route53", "s3", "scheduler", "secretsmanager", "sns", "ssm",
    "sts", "wafv2",
)  # fmt: skip


# Attributes moto does not read back as written: without these, every rehearsal would "change"
# them again. Local-only (override file), never in the generated Terraform.
# (An override replaces a whole ignore_changes list: keep the generated entries in it.)
MOTO_DRIFT = (
    ("aws_db_parameter_group", "main", "parameter"),
    (
        "aws_ecs_service",
        "app",
        "task_definition, desired_count, health_check_grace_period_seconds, availability_zone_rebalancing",
    ),
    *(
        (
            "aws_vpc_security_group_egress_rule"
            if "_to_" in rule
            else "aws_vpc_security_group_ingress_rule",
            rule,
            "description",
        )
        for rule in (
            "alb_to_app",
            "app_to_db",
            "app_to_cache",
            "app_from_alb",
            "db_from_app",
            "cache_from_app",
            "alb_from_cloudfront",  # cdn.tf
        )
    ),
)


@dataclass
class ApplyResult:
    added: int
    changed: int
    destroyed: int
    outputs: dict[str, Any] = field(default_factory=dict)
    resources: int = 0  # managed resources in the state after the apply


def terraform_bin() -> str:
    found = shutil.which("terraform")
    if not found:
        raise MissingToolError(
            "terraform is not installed",
            "skylift up and down run the generated Terraform",
            "install Terraform >= 1.6 (https://developer.hashicorp.com/terraform/install)",
        )
    return found


def _mirror() -> Path | None:
    for candidate in (os.environ.get("SKYLIFT_TF_PLUGIN_DIR"), *MIRROR_DIRS):
        if candidate and (Path(candidate).expanduser() / "registry.terraform.io").is_dir():
            return Path(candidate).expanduser()
    return None


def _cli_config(workdir: Path) -> Path | None:
    """A CLI config preferring the local mirror for hashicorp providers, if one exists."""
    mirror = _mirror()
    if mirror is None:
        return None
    path = workdir / "skylift.tfrc"
    path.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n'
    )
    return path


def override_text(endpoint: str) -> str:
    """The local-only override: local state, the embedded AWS's endpoints, fake credentials."""
    width = max(len(s) for s in SERVICES)
    lines = "\n".join(f'    {s.ljust(width)} = "{endpoint}"' for s in SERVICES)
    return (
        "# Written by `skylift up --target local` into its working copy only.\n"
        'terraform {\n  backend "local" {\n    path = "terraform.tfstate"\n  }\n}\n\n'
        'provider "aws" {\n'
        '  access_key                  = "testing"\n'
        '  secret_key                  = "testing"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  s3_use_path_style           = true\n\n"
        f"  endpoints {{\n{lines}\n  }}\n}}\n"
    )


# The worker and cron services (workers.tf): moto drops their zone rebalancing too, and CI
# owns their revision (the generated ignore_changes, kept).
WORKER_DRIFT = "task_definition, availability_zone_rebalancing"


def drift_blocks(config: str) -> str:
    """lifecycle overrides for the MOTO_DRIFT resources this configuration declares."""
    workers = [
        ("aws_ecs_service", name, WORKER_DRIFT)
        for name in re.findall(r'^resource "aws_ecs_service" "(\w+)"', config, re.M)
        if name != "app"
    ]
    return "".join(
        f'\nresource "{kind}" "{name}" {{\n  lifecycle {{\n    ignore_changes = [{attr}]\n  }}\n}}\n'
        for kind, name, attr in (*MOTO_DRIFT, *workers)
        if f'resource "{kind}" "{name}"' in config
    )


class Terraform:
    """One working copy of infra/ and the environment Terraform runs with."""

    def __init__(self, infra: Path, workdir: Path, env: dict[str, str]) -> None:
        if not (infra / "versions.tf").exists():
            raise InfraError(
                f"no generated Terraform in {infra}",
                "skylift up applies the files `skylift generate` writes",
                "run `skylift generate` first",
            )
        self.infra, self.workdir = infra, workdir
        self.bin = terraform_bin()
        self.env = {**os.environ, **env, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
        workdir.mkdir(parents=True, exist_ok=True)
        config = _cli_config(workdir)
        if config:
            self.env["TF_CLI_CONFIG_FILE"] = str(config)

    def sync(self, override: str | None) -> None:
        """Copy infra/ into the working copy (keeping .terraform/ and the state)."""
        for old in self.workdir.glob("*.tf"):
            old.unlink()
        for src in self.infra.rglob("*"):
            if (
                src.is_file()
                and ".terraform" not in src.parts
                and src.suffix in (".tf", ".hcl", ".tfvars")
            ):
                dst = self.workdir / src.relative_to(self.infra)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
        if override is not None:
            config = "".join(p.read_text() for p in self.workdir.glob("*.tf"))
            (self.workdir / OVERRIDE_FILE).write_text(override + drift_blocks(config))

    def run(self, *args: str, log: Callable[[str], None] | None = None,
            detach: bool = False) -> str:  # fmt: skip
        """Terraform `args`; `detach`: in its own session, so that skylift's death does not
        cut it off (apply, destroy: see tf_detached)."""
        cmd = [self.bin, args[0], "-no-color", *args[1:]]  # before an import's ADDRESS ID
        if detach:
            code, lines = tf_detached.run(cmd, self.workdir, self.env, log)
        else:
            code, lines = self._attached(cmd, log)
        if code != 0:
            errors = [ln for ln in lines if ln.startswith(("Error", "│ Error"))] or lines[-15:]
            raise InfraError(
                f"terraform {args[0]} failed in {self.workdir}",
                "".join(errors).strip()[-1500:],
                "fix the cause above and rerun; the working copy and its state are kept",
            )
        return "".join(lines)

    def try_run(self, *args: str) -> str:
        """Terraform `args`, its whole output whether it succeeds or not."""
        return "".join(self._attached([self.bin, args[0], "-no-color", *args[1:]], None)[1])

    def declared_variables(self) -> set[str]:
        text = "".join(
            p.read_text(errors="replace")
            for d in (self.workdir, self.infra)
            for p in d.glob("*.tf")
        )
        return set(re.findall(r'^\s*variable\s+"([^"]+)"', text, re.M))

    def var_args(self, var_files: list[str], variables: dict[str, Any]) -> list[str]:
        return self._vars(var_files, variables)

    def _attached(self, cmd: list[str], log: Callable[[str], None] | None) -> tuple[int, list[str]]:
        proc = subprocess.Popen(cmd, cwd=self.workdir, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)  # fmt: skip
        lines: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if log:
                log(line.rstrip())
        return proc.wait(), lines

    def init(self, backend_config: list[str] | None = None) -> None:
        args = ["init", "-input=false", "-upgrade=false"]
        args += [f"-backend-config={c}" for c in backend_config or []]
        try:
            self.run(*args)
        except InfraError as exc:
            if "provider" in exc.why.lower() and ("registry" in exc.why or "query" in exc.why):
                raise MissingToolError(
                    "the AWS provider for Terraform cannot be installed",
                    exc.why[-600:],
                    "allow access to registry.terraform.io, or make a local mirror with "
                    "`terraform providers mirror DIR` and set SKYLIFT_TF_PLUGIN_DIR=DIR",
                ) from None
            raise

    def apply(
        self,
        var_files: list[str],
        variables: dict[str, Any],
        log: Callable[[str], None] | None = None,
    ) -> ApplyResult:
        args = [
            "apply",
            "-auto-approve",
            "-input=false",
            LOCK_WAIT,
            *self._vars(var_files, variables),
        ]
        text = self.run(*args, log=log, detach=True)
        added = changed = destroyed = 0
        for line in text.splitlines():
            if line.startswith("Apply complete!"):
                nums = [int(w) for w in line.replace(",", " ").split() if w.isdigit()]
                added, changed, destroyed = ([*nums, 0, 0, 0])[:3]
        return ApplyResult(added, changed, destroyed, self.outputs(), self.resource_count())

    def plan_changes(self, var_files: list[str], variables: dict[str, Any]) -> int:
        """Number of pending changes (0: the infrastructure matches the code)."""
        args = ["plan", "-input=false", "-detailed-exitcode", *self._vars(var_files, variables)]
        cmd = [self.bin, *args, "-no-color"]
        proc = subprocess.run(cmd, cwd=self.workdir, env=self.env, capture_output=True, text=True)
        if proc.returncode == 0:
            return 0
        if proc.returncode == 2:
            return sum(1 for ln in proc.stdout.splitlines() if ln.strip().startswith("# "))
        raise InfraError("terraform plan failed", proc.stdout[-1500:] + proc.stderr[-500:], "")

    def destroy(
        self,
        var_files: list[str],
        variables: dict[str, Any],
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.run("destroy", "-auto-approve", "-input=false", LOCK_WAIT,
                 *self._vars(var_files, variables), log=log, detach=True)  # fmt: skip

    def outputs(self) -> dict[str, Any]:
        text = self.run("output", "-json")
        return {k: v.get("value") for k, v in json.loads(text or "{}").items()}

    def resource_count(self) -> int:
        proc = subprocess.run(
            [self.bin, "state", "list"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
        )
        return sum(1 for ln in proc.stdout.splitlines() if ln and not ln.startswith("data."))

    def _vars(self, var_files: list[str], variables: dict[str, Any]) -> list[str]:
        args = [f"-var-file={f}" for f in var_files]
        # Terraform refuses a -var the module does not declare ("Value for undeclared
        # variable"): an app without a database has no db_performance_insights to switch off
        declared = self.declared_variables()
        for key, value in variables.items():
            if key not in declared:
                continue
            text = json.dumps(value) if not isinstance(value, str) else value
            args.append(f"-var={key}={text}")
        return args
