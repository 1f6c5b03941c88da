"""compute = "lambda": the plan prices what the Terraform builds (the function with its web
adapter, the HTTP API, a WebSocket API for an app with WebSockets, RDS Proxy, a NAT instance),
never plans WAF on an HTTP API, and names the code changes Lambda needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import ConfigError
from skylift.plan import make_plan
from tests.plan import profiles
from tests.render.matrix import E, Fact


def _pos(**values: object):  # type: ignore[no-untyped-def]
    profile = profiles.pos_api()
    profile.services = [Fact("websockets", [E("go.mod", 8)])]
    profile.outbound_apis = [Fact("stripe", [E("go.mod", 12)])]
    return make_plan(profile, {}, {"app.compute": "lambda", **values})


def _items(plan, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [ln.item for ln in plan.estimate.lines if ln.resource == key]


def test_lambda_starter_prices_the_function_the_apis_and_a_nat_instance() -> None:
    p = _pos()
    keys = [r.key for r in p.blueprint.resources]
    assert "alb" not in keys and "ecs_service" not in keys and "waf" not in keys
    assert {"lambda_function", "api_gateway", "websocket_api", "apigw_logs", "nat_instance"} <= set(
        keys
    )
    # an app that calls the internet gets the NAT instance at the starter tier, not a gateway
    assert not p.blueprint.has("nat_gateway")
    assert _items(p, "nat_instance") == [
        "NAT instance (t4g.nano)",
        "NAT instance root volume (gp3)",
    ]
    ip = p.blueprint.resource("public_ipv4")
    assert ip is not None and ip.count == 1 and ip.terraform == ["aws_eip.nat_instance"]
    assert _items(p, "websocket_api")[:2] == [
        "WebSocket API messages",
        "WebSocket API connection minutes",
    ]
    fn = p.blueprint.resource("lambda_function")
    assert fn is not None and fn.settings["adapter_image"].startswith(
        "public.ecr.aws/awsguru/aws-lambda-adapter:"
    )
    # RDS Proxy is a choice at the starter tier
    assert not p.blueprint.has("rds_proxy")
    assert "rds_proxy" in p.blueprint.decisions


def test_every_lambda_line_recomputes_by_hand() -> None:
    p = _pos(**{"sizes.rds_proxy": True, "sizes.lambda_provisioned_concurrency": 2})
    for line in p.estimate.lines:
        assert line.monthly == round(line.quantity * line.unit_price, 2), line
    assert p.estimate.total == round(sum(ln.monthly for ln in p.estimate.lines), 2)
    (proxy,) = [ln for ln in p.estimate.lines if ln.resource == "rds_proxy"]
    assert proxy.quantity == 2 * 730  # db.t4g.micro: the 2-vCPU minimum
    warm = [ln for ln in p.estimate.lines if "provisioned concurrency" in ln.item]
    assert warm[0].quantity == 2 * 0.5 * 730 * 3600


def test_production_never_plans_waf_on_an_http_api_and_says_so() -> None:
    p = _pos(**{"app.tier": "production"})
    assert not p.blueprint.has("waf") and not p.blueprint.has("waf_logs")
    waf = p.blueprint.decisions["waf"]
    assert "cannot be associated with an API Gateway HTTP API" in waf.reason
    assert any("CloudFront" in alt for alt in waf.rejected)
    assert p.blueprint.has("rds_proxy") and p.blueprint.resource("nat_gateway").count == 2  # type: ignore[union-attr]


def test_the_websocket_code_change_is_said_plainly() -> None:
    risks = " ".join(r["risk"] + " " + r["mitigation"] for r in _pos().blueprint.risks)
    assert "does not carry WebSocket connections" in risks
    assert "@connections" in risks and "PostToConnection" in risks


def test_lambda_only_keys_are_refused_elsewhere() -> None:
    with pytest.raises(ConfigError, match=r"sizes\.nat_instance"):
        make_plan(profiles.pos_api(), {}, {"sizes.nat_instance": True})
    with pytest.raises(ConfigError, match=r"sizes\.nat_instance"):
        _pos(**{"sizes.nat_instance": True, "sizes.nat_gateways": 1})


def test_plan_writes_a_lambda_plan(tmp_path: Path) -> None:
    from skylift.cli._app import main

    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text('{"name": "x", "dependencies": {"express": "4.19.2"}}')
    (app / "index.js").write_text("require('express')().listen(3000)\n")
    (app / "skylift.toml").write_text('[app]\ncompute = "lambda"\n')
    assert main(["plan", str(app)]) == 0
    assert "API Gateway HTTP API" in (app / "MIGRATION.md").read_text()


def test_secrets_are_no_code_change_but_many_near_the_environment_limit() -> None:
    import dataclasses

    from skylift.plan import _serverless

    p = _pos()
    risks = " ".join(r["risk"] for r in p.blueprint.risks)
    assert "secret" not in risks.lower()  # read at init by the entrypoint: nothing to change
    said: list[str] = []
    many = dataclasses.replace(
        p.blueprint, secrets=[f"PAYMENT_PROVIDER_SECRET_{i}" for i in range(40)]
    )
    _serverless.risks(p.profile, p.config, many, lambda risk, fix, *_a: said.append(risk))
    assert any("4 KB" in r for r in said), said
