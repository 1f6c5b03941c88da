"""The cost table: its arithmetic checks out by hand, and it counts what hand-written plans
forget (NAT hours and GB, every public IPv4 address, logs, Multi-AZ doubling, ...)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skylift.plan import make_plan
from skylift.plan.cost import alb_lcu, runs_per_month
from skylift.plan.prices import load, regions
from tests.plan import profiles

CASES = [(name, tier, "fargate") for name in profiles.ALL for tier in ("starter", "production")]


def plan_for(name: str, **cli: object):  # type: ignore[no-untyped-def]
    return make_plan(profiles.ALL[name](), {f"app.{k}": v for k, v in cli.items()})


def lines(p, resource: str) -> list:  # type: ignore[no-untyped-def]
    return [line for line in p.estimate.lines if line.resource == resource]


@pytest.mark.parametrize(("name", "tier", "compute"), CASES)
def test_every_line_and_the_total_recompute_by_hand(name: str, tier: str, compute: str) -> None:
    est = plan_for(name, tier=tier, compute=compute).estimate
    doc = json.loads(json.dumps(est.as_dict()))  # what --json prints
    for line in doc["lines"]:
        assert line["monthly"] == round(line["quantity"] * line["unit_price"], 2), line
        assert line["source"].startswith("https://")
    assert doc["total"] == round(sum(line["monthly"] for line in doc["lines"]), 2)


def test_starter_fargate_has_no_nat_and_pays_for_three_public_ips() -> None:
    p = plan_for("pantrypal")
    assert not p.blueprint.has("nat_gateway")
    (ip,) = lines(p, "public_ipv4")
    # two for the ALB (one per AZ) and one for the task in a public subnet
    assert ip.quantity == 3 * 730 and ip.unit_price == 0.005 and ip.monthly == 10.95
    assert p.blueprint.resource("ecs_service").settings["assign_public_ip"] is True


def test_production_counts_nat_hours_gb_and_their_elastic_ips() -> None:
    p = plan_for("pantrypal", tier="production")
    hours, gb = lines(p, "nat_gateway")
    assert hours.quantity == 2 * 730 and hours.monthly == round(1460 * 0.045, 2)
    assert gb.unit == "GB processed" and gb.quantity > 0
    ip = p.blueprint.resource("public_ipv4")
    assert ip.settings == {"alb": 2, "tasks": 0, "nat_gateways": 2}


def test_multi_az_doubles_instance_and_storage() -> None:
    single = {line.item.split(" (")[0]: line for line in lines(plan_for("gengar"), "rds")}
    multi = {
        line.item.split(" (")[0]: line
        for line in lines(plan_for("gengar", tier="production"), "rds")
    }
    assert multi["RDS gp3 storage"].quantity == 2 * single["RDS gp3 storage"].quantity
    assert "Multi-AZ" in multi["RDS db.t4g.small instance"].item
    assert multi["RDS db.t4g.small instance"].quantity == 2 * 730


def test_arm_is_cheaper_than_x86_and_spot_cheaper_still() -> None:
    arm = plan_for("pos-api").estimate.by_resource()["ecs_service"]
    p = make_plan(profiles.pos_api(), {"app.tier": "starter"}, {"sizes.arch": "x86_64"})
    x86 = p.estimate.by_resource()["ecs_service"]
    spot = make_plan(profiles.pos_api(), {}, {"sizes.spot": True}).estimate.by_resource()
    assert spot["ecs_service"] < arm < x86


def test_secrets_in_ssm_are_free_only_the_rds_master_secret_costs() -> None:
    p = plan_for("github-api")
    (ssm,) = lines(p, "secrets")
    assert ssm.monthly == 0 and ssm.quantity == len(p.blueprint.secrets)
    (sm,) = lines(p, "db_master_secret")
    assert sm.monthly == 0.40


def test_redis_becomes_elasticache_and_is_priced() -> None:
    p = plan_for("pos-api", tier="production")
    (node,) = lines(p, "elasticache")
    assert node.quantity == 2 * 730 and node.monthly > 0


def test_waf_route53_and_logs_appear_where_they_should() -> None:
    p = plan_for("tracker", tier="production", domain="tracker.example.com")
    assert [line.item for line in lines(p, "waf")] == ["WAF web ACL", "WAF rules", "WAF requests"]
    assert any(line.item == "Route 53 hosted zone" for line in lines(p, "route53"))
    assert {line.item for line in lines(p, "logs")} == {
        "CloudWatch Logs ingestion",
        "CloudWatch Logs storage",
    }
    assert not plan_for("tracker").blueprint.has("waf")


def test_every_alarm_metric_is_priced_and_the_kms_key_flow_and_alb_logs_too() -> None:
    p = plan_for("gengar", tier="production")
    alarms = p.blueprint.resource("alarms")
    assert alarms is not None and len(alarms.settings["alarms"]) == 8
    (line,) = lines(p, "alarms")
    assert line.quantity == 10  # the 5xx-rate alarm reads three metrics
    assert lines(p, "kms")[0].item == "KMS customer-managed key"
    assert {ln.resource for ln in p.estimate.lines} >= {
        "flow_logs",
        "alb_logs",
        "waf_logs",
        "container_insights",
    }
    assert not lines(plan_for("gengar"), "container_insights")  # starter keeps the free metrics


def test_spot_prices_only_the_tasks_beyond_the_on_demand_base() -> None:
    p = make_plan(profiles.pos_api(), {"app.tier": "production"}, {"sizes.spot": True})
    svc = lines(p, "ecs_service")
    assert [ln.item for ln in svc] == [
        "Fargate vCPU (arm64)",
        "Fargate memory (arm64)",
        "Fargate Spot vCPU (arm64)",
        "Fargate Spot memory (arm64)",
    ]
    assert svc[0].quantity == 1 * 0.5 * 730 and svc[2].quantity == 1 * 0.5 * 730


def test_heroku_is_compared_with_its_list_prices() -> None:
    cur = plan_for("gengar").estimate.current
    assert cur is not None and cur["host"] == "heroku"
    assert cur["monthly"] == round(sum(x["monthly"] for x in cur["lines"]), 2)


def _heroku_app(root: Path, procfile: str, app_json: str | None = None):  # type: ignore[no-untyped-def]
    root.mkdir(parents=True, exist_ok=True)
    (root / "Procfile").write_text(procfile)
    if app_json is not None:
        (root / "app.json").write_text(app_json)
    return profiles.gengar(str(root))


def test_heroku_bill_is_the_declared_formation_and_add_ons(tmp_path: Path) -> None:
    profile = _heroku_app(
        tmp_path / "a",
        "web: node dist/main.js\nworker: node dist/worker.js\nrelease: yarn migrate\n",
        '{"formation": {"web": {"quantity": 2, "size": "Standard-2X"}, "worker": '
        '{"quantity": 1, "size": "hobby"}}, "addons": ["heroku-postgresql:standard-2"]}',
    )
    cur = make_plan(profile).estimate.current
    assert cur is not None
    got = {(x["item"], x["quantity"], x["monthly"]) for x in cur["lines"]}
    assert got == {
        ("web dyno standard-2x", 2, 100.0),
        ("worker dyno basic", 1, 7.0),  # Hobby is now Basic
        ("heroku postgres standard-2", 1, 200.0),
    }  # release runs on one-off dynos: not a line
    assert cur["monthly"] == 307.0


def test_heroku_process_types_without_app_json_are_assumed_and_say_so(tmp_path: Path) -> None:
    profile = _heroku_app(tmp_path / "b", "web: npm start\nworker: npm run worker\n")
    cur = make_plan(profile).estimate.current
    assert cur is not None
    lines_ = {x["item"]: x for x in cur["lines"]}
    assert set(lines_) == {"web dyno basic", "worker dyno basic", "heroku postgres essential-0"}
    assert "size assumed" in lines_["worker dyno basic"]["evidence"]
    assert lines_["heroku postgres essential-0"]["evidence"] == "plan assumed"
    # the owner's word in skylift.toml wins over the assumption
    owned = make_plan(profile, {}, {"current.heroku_dyno": "standard-1x"}).estimate.current
    assert owned is not None and "web dyno standard-1x" in {x["item"] for x in owned["lines"]}


def test_a_given_current_cost_wins() -> None:
    p = make_plan(profiles.pantrypal(), {}, {"current.monthly_cost": 10.0})
    assert p.estimate.current["monthly"] == 10.0


def test_eu_west_1_prices_differ_and_every_region_file_is_dated_and_cited() -> None:
    us = plan_for("pantrypal").estimate.total
    eu = plan_for("pantrypal", region="eu-west-1").estimate.total
    assert eu != us
    assert {"us-east-1", "eu-west-1"} <= set(regions())
    for r in regions():
        book = load(r)
        assert book.retrieved and book.hours_per_month == 730
        assert all(p.source.startswith("https://aws.amazon.com/") for p in book.prices.values())


@pytest.mark.parametrize(
    ("expr", "runs"),
    [
        ("0 2 * * *", 30),
        ("*/15 * * * *", 2880),
        ("0 0 1 * *", 1),
        ("0 9 * * 1", 5),
        ("0 0 0 1 * *", 1),
    ],
)
def test_cron_runs_per_month(expr: str, runs: int) -> None:
    assert runs_per_month(expr) == runs


def test_alb_lcu_takes_the_largest_dimension() -> None:
    assert alb_lcu(0, 730, 730) == 1.0  # 1 GB an hour is one LCU
    assert alb_lcu(25 * 3600 * 730, 0, 730) == 1.0  # 25 new connections a second


def test_production_counts_traffic_between_azs() -> None:
    (line,) = lines(plan_for("pos-api", tier="production"), "cross_az")
    assert line.unit_price == 0.01 and line.quantity == 2 * 10
    assert not lines(plan_for("pos-api"), "cross_az")
