"""`skylift cutover` and `skylift rollback` on what a real `skylift up --target local` built, for
the two fronts other than the load balancer: examples/tracker with seed 001's tier (CloudFront
in front of the load balancer, cdn.tf) and examples/pos-api as a Lambda app (an HTTP API,
apigw.tf, whose custom domain is left out of the rehearsal). The domain's zone is in the embedded AWS's Route 53
before `up` (app.route53_zone_id), with the record of the old host, so Terraform leaves the name
alone and the cutover switches it. What the cutover reads — the Terraform outputs, the load
balancer, the API's custom domain, the gate alarms alarms.tf made — is what the generated
Terraform really has (tests/run/test_cutover_fronts.py makes them by hand, as AWS would)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skylift.cloud import moto_server
from skylift.cutover import Options, cutover, from_repo, rollback

from ._cutover_env import OLD_IP, client
from .after_state import EXAMPLES, after_state

pytestmark = [pytest.mark.terraform, pytest.mark.slow, pytest.mark.timeout(1800)]

DESIGNS = {
    "tracker": '[app]\ntier = "production"\n',  # the plan's edge: CloudFront (cdn.tf)
    "pos-api": '[app]\ncompute = "lambda"\n',  # apigw.tf, no load balancer
}


def _zone(url: str, app: str) -> tuple[str, str]:
    """The domain's hosted zone with the old host's record (TTL 1 s: no wait for it)."""
    r53 = client(url, "route53")
    for _attempt in range(500):  # moto's ids are random; skylift.toml takes AWS's form (Z…)
        zone = r53.create_hosted_zone(Name=f"{app}.example.com", CallerReference=uuid.uuid4().hex)
        zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
        if zone_id.startswith("Z"):
            break
        r53.delete_hosted_zone(Id=zone_id)
    domain = f"www.{app}.example.com"
    record = {"Name": domain, "Type": "A", "TTL": 1, "ResourceRecords": [{"Value": OLD_IP}]}
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
        "Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]})  # fmt: skip
    return zone_id, domain


@pytest.fixture(scope="module", params=sorted(DESIGNS))
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:  # fmt: skip
    name = request.param
    if not (EXAMPLES / name).is_dir():
        pytest.skip(f"examples/{name} is not in this checkout")
    app = after_state(name, tmp_path_factory.mktemp(f"fronts-{name}"))
    state = app / ".skylift" / "up" / "local"
    state.mkdir(parents=True)
    server = moto_server.start(state)  # `up` reuses it: the zone is there before Terraform runs
    zone_id, domain = _zone(server.url, name.replace("-", ""))
    (app / "skylift.toml").write_text(
        DESIGNS[name].replace("[app]\n", f'[app]\ndomain = "{domain}"\nroute53_zone_id = "{zone_id}"\n')
    )  # fmt: skip
    from skylift.run.down import down
    from skylift.run.up import up

    try:
        up(app, run_app=False)
        yield name, app, server.url
    finally:
        down(app)


def _records(url: str, zone_id: str, domain: str) -> dict[str, dict[str, Any]]:
    r53 = client(url, "route53")
    found = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {r.get("SetIdentifier", "plain"): r for r in found
            if r["Name"].rstrip(".") == domain and r["Type"] in ("A", "CNAME")}  # fmt: skip


def test_the_cutover_switches_the_domain_to_the_front_up_built_and_the_rollback_back(
    built: tuple[str, Path, str],
) -> None:
    name, app, url = built
    setup = from_repo(app)
    assert setup.zone_id and setup.domain and setup.front is not None
    outputs_front = setup.front
    if name == "tracker":
        # cdn.tf leaves the distribution out of the rehearsal: the load balancer Terraform made
        elb = client(url, "elbv2").describe_load_balancers()["LoadBalancers"]
        assert outputs_front.kind == "alb"
        assert outputs_front.dns_name in {lb["DNSName"] for lb in elb}
        assert setup.target_group is not None
        assert any("on AWS the switch goes to the distribution" in n for n in setup.front_notes)
        gates = {f"{setup.app}-prod-5xx-rate", f"{setup.app}-prod-latency-p95"}
    else:
        # the API Terraform made; apigw.tf leaves its custom domain out of the rehearsal (the
        # embedded AWS never reports one AVAILABLE: the apply failed waiting for it)
        api = client(url, "apigatewayv2")
        assert api.get_domain_names()["Items"] == []
        hosts = {a["ApiEndpoint"].split("://")[1] for a in api.get_apis()["Items"]}
        assert outputs_front.kind == "apigw" and outputs_front.dns_name in hosts
        assert setup.target_group is None  # no load balancer in this design
        assert any("has no regional target name" in n for n in setup.front_notes)
        gates = {f"{setup.app}-prod-api-5xx", f"{setup.app}-prod-lambda-errors",
                 f"{setup.app}-prod-lambda-duration-p95"}  # fmt: skip
    made = {a["AlarmName"] for a in client(url, "cloudwatch").describe_alarms()["MetricAlarms"]}
    assert set(setup.alarms) == gates and gates <= made  # the gates alarms.tf created

    moved = cutover(setup, Options(soak=0.2, poll=0.1))
    assert moved.finished and moved.traffic == {"aws": 100, "old": 0}
    records = _records(url, str(setup.zone_id), str(setup.domain))
    assert set(records) == {"skylift-old", "skylift-aws"}  # the plain record replaced
    alias = records["skylift-aws"]["AliasTarget"]
    assert alias["DNSName"].rstrip(".") == outputs_front.dns_name
    assert alias["EvaluateTargetHealth"] is (name == "tracker")  # only a load balancer's
    assert records["skylift-old"]["ResourceRecords"] == [{"Value": OLD_IP}]
    forwarder = moved.forwarder or {}
    assert outputs_front.dns_name in str(forwarder.get("text", "")) + (
        Path(forwarder["file"]).read_text() if forwarder.get("file") else ""
    )

    back = rollback(setup)
    assert back.finished
    records = _records(url, str(setup.zone_id), str(setup.domain))
    weights = {k: int(r["Weight"]) for k, r in records.items()}
    assert weights == {"skylift-old": 100, "skylift-aws": 0}
    assert records["skylift-aws"]["AliasTarget"]["DNSName"].rstrip(".") == outputs_front.dns_name
