"""The Jinja environment every template is rendered with (StrictUndefined: a missing value is
an error, never an empty string) and the HCL filters the Terraform templates use."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2


def hcl(value: Any) -> str:
    """A Python value as an HCL literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return hcl_list(value)
    return hcl_string(str(value))


def hcl_string(value: str) -> str:
    # JSON string escapes are HCL's; `${` and `%{` would start an interpolation or a directive
    return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def hcl_list(values: Any) -> str:
    return "[" + ", ".join(hcl(v) for v in values) + "]"


def gh_expression(value: str) -> str:
    """A GitHub Actions expression, `${{ value }}` (no {% raw %} block in the workflows)."""
    return "${{ " + value + " }}"


def yaml_string(value: str) -> str:
    # JSON strings are valid YAML double-quoted scalars
    return json.dumps(value, ensure_ascii=False)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("skylift.render", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(
        hcl=hcl, hcl_string=hcl_string, hcl_list=hcl_list, yaml=yaml_string, expr=gh_expression
    )
    return env


def render(template: str, context: dict[str, Any]) -> str:
    return environment().get_template(template).render(**context)
