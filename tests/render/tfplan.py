"""`terraform plan` of many generated apps at once, against moto, as `terraform show -json`.

Each app's infra/ becomes a child module of one root (its prod.tfvars are the module's
arguments, which have the same syntax), so one provider process plans them all: a matrix of
ten apps costs one plan instead of ten. The module drops what only a root may hold (the S3
backend and the provider block); the root gives the provider moto's endpoints.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skylift.cloud import moto_server
from skylift.cloud.terraform import Terraform, override_text
from skylift.plan.blueprint import Blueprint
from skylift.render import render_files

ROOT_ONLY = (
    re.compile(r'\n  # Remote state in S3[^\n]*\n  backend "s3" \{\}\n'),
    re.compile(r'\nprovider "aws" \{.*?\n\}\n', re.S),
)


@dataclass
class Planned:
    """One app's resources in the plan, addresses without the module prefix."""

    instances: list[dict[str, Any]]  # resource_changes entries that create something

    def of(self, address: str) -> list[dict[str, Any]]:
        """Instances of `type.name` (any index)."""
        return [i for i in self.instances if _base(i["address"]) == address]

    def by_type(self, rtype: str) -> list[dict[str, Any]]:
        return [i for i in self.instances if i["type"] == rtype]


def _base(address: str) -> str:
    return re.sub(r"\[[^\]]*\]$", "", address)


def module_name(name: str) -> str:
    return "m_" + re.sub(r"\W", "_", name)


def write_root(root: Path, blueprints: dict[str, Blueprint]) -> dict[str, dict[str, str]]:
    """The combined root module; returns each app's generated files."""
    modules, generated = [], {}
    for name, bp in blueprints.items():
        mod = module_name(name)
        files, _ = render_files(root / mod, bp, budget_usd=100, github_repository="acme/app")
        generated[name] = files
        for rel, text in files.items():
            if not rel.startswith("infra/"):
                continue
            if rel == "infra/versions.tf":
                for pattern in ROOT_ONLY:
                    text = pattern.sub("\n", text)
            path = root / mod / rel.removeprefix("infra/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        tfvars = files["infra/envs/prod.tfvars"]
        modules.append(f'module "{mod}" {{\n  source = "./{mod}"\n\n{tfvars}}}\n')
    (root / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n\n'
        + "\n".join(modules)
    )
    return generated


def plan_all(work: Path, blueprints: dict[str, Blueprint]) -> dict[str, Planned]:
    """Plan every app against a moto server of its own; name -> what Terraform would create."""
    root = work / "root"
    write_root(root, blueprints)
    server = moto_server.start(work / "moto")
    try:
        region = next(iter(blueprints.values())).region
        tf = Terraform(root, work / "tf", server.env(region))
        # no backend at all (init -backend=false), and the region the modules' provider had
        override = re.sub(
            r"^terraform \{.*?\n\}\n", "", override_text(server.url), flags=re.S | re.M
        )
        override = override.replace('provider "aws" {', f'provider "aws" {{\n  region = "{region}"')
        tf.sync(override)
        tf.run("init", "-input=false", "-backend=false")
        tf.run("plan", "-input=false", "-refresh=false", "-out=matrix.plan")
        doc = json.loads(tf.run("show", "-json", "matrix.plan"))
    finally:
        moto_server.stop(work / "moto")
    out: dict[str, Planned] = {name: Planned([]) for name in blueprints}
    by_module = {module_name(n): n for n in blueprints}
    for change in doc["resource_changes"]:
        if change["mode"] != "managed" or "create" not in change["change"]["actions"]:
            continue
        m = re.match(r"module\.(\w+)\.(.+)$", change["address"])
        assert m, change["address"]
        mod, address = m.groups()
        out[by_module[mod]].instances.append(
            {**change, "address": address, "values": change["change"]["after"] or {}}
        )
    return out
