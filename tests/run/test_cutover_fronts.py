"""The front each design serves traffic from, on a moto server: the load balancer, CloudFront
in front of it (the domain aliased to the distribution, zone Z2FDTNDATAQYW2), and a Lambda
app's API Gateway custom domain (aliased to its regional target). Terraform's outputs are the
input (setup.find_front), the weighted records and the forwarder the output; the health path
is checked through the front, as the domain, before the database moves and before each step.

What moto does not do, and these tests therefore make by hand: it keeps an API Gateway custom
domain without a regional target name or zone (the test gives them, as AWS would answer), and
it checks no alias target (a record aliased to a distribution or an API that does not exist
is accepted)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skylift.cloud import moto_server
from skylift.cutover import Options, Setup, cutover, rollback
from skylift.cutover.front import CLOUDFRONT_ZONE, Front
from skylift.cutover.setup import find_front
from skylift.errors import CutoverStopped, InfraError

from ._cutover_env import Health, balancer, client, make_setup, weights

FAST = Options(soak=0.2, poll=0.1)
API_ZONE = "Z1UJRXOUMOOFQ8"  # API Gateway's regional alias zone in us-east-1


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("moto")
    yield moto_server.start(folder).url
    moto_server.stop(folder)


@pytest.fixture(scope="module")
def alb(moto: str) -> tuple[Front, str]:
    return balancer(moto)


@pytest.fixture
def health() -> Iterator[Health]:
    server = Health()
    yield server
    server.close()


def app(moto: str, alb: tuple[Front, str], root: Path) -> Setup:
    """A Fargate app without a database on a VPS with nginx in front (its forwarder)."""
    setup = make_setup(moto, root, alb[0], alb[1], root / "none.db", "")
    setup.source_url = setup.target_url = None
    setup.database, setup.https = False, True
    (root / "nginx").mkdir()
    (root / "nginx" / "site.conf").write_text(
        "server { location / { proxy_pass http://127.0.0.1:3000; } }\n")  # fmt: skip
    return setup


def distribution(moto: str, origin: str, aliases: list[str]) -> str:
    cf = client(moto, "cloudfront")
    config: dict[str, Any] = {
        "CallerReference": uuid.uuid4().hex, "Comment": "", "Enabled": True,
        "Aliases": {"Quantity": len(aliases), "Items": aliases},
        "Origins": {"Quantity": 1, "Items": [{"Id": "alb", "DomainName": origin,
                    "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                           "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
    }  # fmt: skip
    made = cf.create_distribution(DistributionConfig=config)["Distribution"]
    return str(made["DomainName"])


def aws_record(setup: Setup) -> dict[str, Any]:
    r53 = client(str(setup.endpoint), "route53")
    found = r53.list_resource_record_sets(HostedZoneId=setup.zone_id)["ResourceRecordSets"]
    return next(r for r in found if r.get("SetIdentifier") == "skylift-aws")


def test_behind_cloudfront_the_domain_goes_to_the_distribution(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = app(moto, alb, tmp_path)
    cdn = distribution(moto, alb[0].dns_name, [str(setup.domain)])
    find_front(setup, {"load_balancer_dns": alb[0].dns_name, "cloudfront_domain": cdn}, cdn=True)
    assert setup.front == Front(cdn, CLOUDFRONT_ZONE, "cloudfront", "/health")
    assert setup.target_group == alb[1]  # the load balancer behind it is still checked
    moved = cutover(setup, FAST)
    assert moved.finished and moved.traffic == {"aws": 100, "old": 0}
    alias = aws_record(setup)["AliasTarget"]
    assert alias["DNSName"].rstrip(".") == cdn and alias["HostedZoneId"] == CLOUDFRONT_ZONE
    assert alias["EvaluateTargetHealth"] is False  # Route 53 refuses it for CloudFront
    # the old host forwards to CloudFront, never to the load balancer (it takes only CloudFront)
    snippet = Path(str(moved.forwarder and moved.forwarder["file"])).read_text()
    assert f"proxy_pass https://{cdn};" in snippet and alb[0].dns_name not in snippet
    assert f"proxy_ssl_name {setup.domain};" in snippet
    health = next(s for s in moved.steps if s["step"] == "preflight-health")
    assert "not checked through it" in health["front"]["note"]  # moto's names do not resolve
    back = rollback(setup)
    assert back.finished and weights(setup) == {"skylift-old": 100, "skylift-aws": 0}
    assert aws_record(setup)["AliasTarget"]["DNSName"].rstrip(".") == cdn


def test_a_distribution_that_does_not_answer_for_the_domain_is_refused(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = app(moto, alb, tmp_path)
    cdn = distribution(moto, alb[0].dns_name, [])  # the certificate is not issued yet
    with pytest.raises(InfraError, match="does not answer for") as refused:
        find_front(setup, {"load_balancer_dns": alb[0].dns_name, "cloudfront_domain": cdn})
    assert "alternate domain name" in refused.value.why


def test_the_local_rehearsal_without_a_distribution_says_so(moto: str, alb: tuple[Front, str], tmp_path: Path) -> None:  # fmt: skip
    setup = app(moto, alb, tmp_path)
    find_front(setup, {"load_balancer_dns": alb[0].dns_name, "cloudfront_domain": None}, cdn=True)
    assert setup.front is not None and setup.front.kind == "alb"
    moved = cutover(setup, FAST)
    assert moved.finished and any(
        "on AWS the switch goes to the distribution" in n for n in moved.notes
    )
    assert aws_record(setup)["AliasTarget"]["EvaluateTargetHealth"] is True


def api_domain(moto: str, domain: str, target: str | None) -> str:
    """An HTTP API and its custom domain; `target`: the regional name AWS would give it."""
    api = client(moto, "apigatewayv2")
    made = api.create_api(Name=f"api-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP")
    config: dict[str, Any] = {"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
                              "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}  # fmt: skip
    if target:
        config |= {"ApiGatewayDomainName": target, "HostedZoneId": API_ZONE}
    api.create_domain_name(DomainName=domain, DomainNameConfigurations=[config])
    api.create_api_mapping(ApiId=made["ApiId"], DomainName=domain, Stage="$default")
    return str(made["ApiEndpoint"])


def lambda_app(moto: str, root: Path) -> Setup:
    """A Lambda app: no load balancer, no target group; its gates are the function's."""
    setup = make_setup(moto, root, Front("unused", "unused"), "", root / "none.db", "")
    setup.source_url = setup.target_url = None
    setup.database, setup.target_group, setup.front, setup.https = False, None, None, True
    return setup


def test_a_lambda_app_goes_to_its_api_gateway_domain(moto: str, tmp_path: Path) -> None:
    setup = lambda_app(moto, tmp_path)
    target = f"d-{uuid.uuid4().hex[:10]}.execute-api.us-east-1.amazonaws.com"
    endpoint = api_domain(moto, str(setup.domain), target)
    find_front(setup, {"api_endpoint": endpoint})
    assert setup.front == Front(target, API_ZONE, "apigw", "/health")
    moved = cutover(setup, FAST)
    assert moved.finished and moved.traffic == {"aws": 100, "old": 0}
    alias = aws_record(setup)["AliasTarget"]
    assert alias["DNSName"].rstrip(".") == target and alias["HostedZoneId"] == API_ZONE
    assert alias["EvaluateTargetHealth"] is False
    assert moved.forwarder and f"TCP:{target}:443" in moved.forwarder["text"]  # no nginx here


def test_lambda_gates_are_the_api_and_the_function(moto: str, tmp_path: Path) -> None:
    from skylift.cutover.alarms import names

    specs = [{"id": i, "name": i.replace("_", "-")} for i in
             ("api_5xx", "lambda_errors", "lambda_duration_p95", "lambda_throttles", "rds_cpu")]  # fmt: skip
    assert names("pos", "prod", specs, "apigw") == [
        "pos-prod-api-5xx", "pos-prod-lambda-errors", "pos-prod-lambda-duration-p95"]  # fmt: skip
    assert names("pos", "prod", specs, "alb") == []  # the load balancer's gates do not exist
    setup = lambda_app(moto, tmp_path)
    setup.alarms = [f"{setup.app}-prod-api-5xx"]
    cw = client(moto, "cloudwatch")
    cw.put_metric_alarm(AlarmName=setup.alarms[0], ComparisonOperator="GreaterThanThreshold",
                        EvaluationPeriods=1, Threshold=10, Namespace="AWS/ApiGateway",
                        MetricName="5xx", Period=300, Statistic="Sum")  # fmt: skip
    cw.set_alarm_state(AlarmName=setup.alarms[0], StateValue="ALARM", StateReason="12 5xx")
    target = f"d-{uuid.uuid4().hex[:10]}.execute-api.us-east-1.amazonaws.com"
    find_front(setup, {"api_endpoint": api_domain(moto, str(setup.domain), target)})
    with pytest.raises(CutoverStopped, match="api-5xx is in ALARM before the cutover"):
        cutover(setup, FAST)


def test_an_api_domain_without_its_regional_target(moto: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """What Terraform leaves in moto; on AWS the same would send users nowhere: refused."""
    for key, value in moto_server.CREDENTIALS.items():  # --target aws: the usual credentials
        monkeypatch.setenv(key, value)
    setup = lambda_app(moto, tmp_path)
    endpoint = api_domain(moto, str(setup.domain), None)
    find_front(setup, {"api_endpoint": endpoint})
    host = endpoint.split("://")[1]
    assert setup.front is not None and setup.front.dns_name == host
    assert any("the embedded AWS gives none" in n for n in setup.front_notes)
    setup.target, setup.front, setup.front_notes = "aws", None, []
    with pytest.raises(InfraError, match=r"no custom domain .* with a regional target"):
        find_front(setup, {"api_endpoint": endpoint})


def test_the_health_path_is_checked_through_the_front_before_each_step(moto: str, alb: tuple[Front, str], tmp_path: Path, health: Health) -> None:  # fmt: skip
    setup = app(moto, alb, tmp_path)
    # the distribution stands in as a local server (plain HTTP: no certificate for it here)
    setup.front = Front("127.0.0.1", CLOUDFRONT_ZONE, "cloudfront", "/health", https=False,
                        port=health.port)  # fmt: skip
    health.status = 403  # CloudFront's answer for a name it does not serve
    with pytest.raises(CutoverStopped, match="does not answer through the CloudFront distribution"):
        cutover(setup, FAST)
    assert health.hosts == [(setup.domain, "/health")] and weights(setup) == {}
    health.status = 200

    def say(message: str) -> None:  # the front fails once 10% of the traffic is on it
        if message.startswith("10% of the traffic on AWS"):
            health.status = 502

    with pytest.raises(CutoverStopped, match=r"\(502\)") as stopped:
        cutover(setup, Options(soak=0.2, poll=0.1), say=say)
    assert "the traffic stays at 10% on AWS" in stopped.value.fix
    assert weights(setup) == {"skylift-old": 90, "skylift-aws": 10}
    health.status = 200
    assert cutover(setup, FAST).finished and weights(setup)["skylift-aws"] == 100


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("example", "values", "says", "gates"),
    [
        ("tracker", {}, "the load balancer (an alias)", None),
        ("tracker", {"app.tier": "production"}, "the CloudFront distribution (an alias to its *.cloudfront.net name in zone Z2FDTNDATAQYW2",
         "-5xx-rate"),
        ("pos-api", {"app.compute": "lambda"}, "the API Gateway custom domain's regional target",
         "-api-5xx"),
    ],
)  # fmt: skip
def test_migration_md_describes_the_cutover_each_design_gets(example: str, values: dict[str, str],
                                                             says: str, gates: str | None) -> None:  # fmt: skip
    from skylift.plan import make_plan
    from skylift.plan._cutover import cutover_phase
    from skylift.scan import scan

    if not (EXAMPLES / example).is_dir():
        pytest.skip(f"examples/{example} is not here")
    values = {"app.domain": "app.example.com", "app.route53_zone_id": "Z0123456789", **values}
    plan = make_plan(scan(EXAMPLES / example), values)
    text = " ".join(cutover_phase(plan.profile, plan.blueprint)["steps"])
    assert says in text, text
    if gates is not None:  # the gate alarms of that front, and the check through it
        assert gates in text and "fetched through it, as the domain" in text, text
    else:
        assert "fetched through it" not in text  # the load balancer alone: as before
