"""Seed 004: the Next.js example at the production tier with a domain gets CloudFront with the
WAF at CloudFront's scope, in front of a load balancer that only CloudFront can reach; the
starter tier keeps the load balancer alone, and says why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from skylift.cloud.terraform import Terraform
from skylift.plan import make_plan
from skylift.plan.report import Plan
from skylift.render import render_files
from tests.render import golden

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tracker"
pytestmark = pytest.mark.skipif(not EXAMPLE.is_dir(), reason="examples/tracker is not here")


def _plan(**values: Any) -> Plan:
    from skylift.scan import scan

    return make_plan(scan(EXAMPLE), values)


def _files(plan: Plan) -> dict[str, str]:
    files, _ = render_files(
        EXAMPLE, plan.blueprint, budget_usd=300, github_repository="acme/tracker"
    )
    return files


@pytest.fixture(scope="module")
def edge() -> Plan:
    return _plan(**{"app.tier": "production", "app.domain": "tracker.example.com"})


def test_the_seed_choices_render_cloudfront_and_match_golden(edge: Plan) -> None:
    files = _files(edge)
    golden.check("seeds/tracker-edge", {k: v for k, v in files.items() if k.startswith("infra/")})
    cdn, waf = files["infra/cdn.tf"], files["infra/waf.tf"]
    assert 'path_pattern               = "/_next/static/*"' in cdn
    assert "default_ttl = 31536000" in cdn
    assert "compress                   = true" in cdn
    for header in ("strict_transport_security", "content_type_options", "frame_options"):
        assert header in cdn
    assert "referrer_policy" in cdn
    # the dynamic default is never cached (AWS's managed CachingDisabled policy)
    assert 'caching_disabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"' in cdn
    # one web ACL, at CloudFront's scope in us-east-1, not also on the load balancer
    assert 'scope    = "CLOUDFRONT"' in waf and "provider = aws.us_east_1" in waf
    assert "aws_wafv2_web_acl_association" not in waf
    assert "web_acl_id      = aws_wafv2_web_acl.main.arn" in cdn
    # only CloudFront reaches the load balancer
    assert "com.amazonaws.global.cloudfront.origin-facing" in cdn
    assert '"alb_https"' not in files["infra/network.tf"]
    assert '"0.0.0.0/0"' not in _alb_ingress(files)
    assert "aws_cloudfront_distribution.main[0].domain_name" in files["infra/dns.tf"]
    # autoscaling on requests per task as well as CPU
    assert 'predefined_metric_type = "ALBRequestCountPerTarget"' in files["infra/ecs.tf"]


def _alb_ingress(files: dict[str, str]) -> str:
    text = "".join(v for k, v in files.items() if k.endswith(".tf"))
    rules = re.findall(
        r'resource "aws_vpc_security_group_ingress_rule" "alb\w*" \{.*?\n\}', text, re.S
    )
    assert rules
    return "".join(rules)


def test_the_plan_prices_cloudfront_instead_of_the_load_balancers_egress(edge: Plan) -> None:
    items = {(ln.resource, ln.item) for ln in edge.estimate.lines}
    assert ("cloudfront", "CloudFront data transfer out to the internet") in items
    assert ("cloudfront", "CloudFront HTTPS requests") in items
    assert not any(r == "egress" for r, _ in items)
    waf = edge.blueprint.resource("waf")
    assert waf and waf.settings["scope"] == "CLOUDFRONT"
    cf = edge.blueprint.resource("cloudfront")
    assert cf and cf.decision and "production tier with a domain" in cf.decision.reason


def test_the_starter_tier_keeps_the_load_balancer_alone_and_says_why() -> None:
    plan = _plan()
    files = _files(plan)
    assert "infra/cdn.tf" not in files
    assert "aws_cloudfront" not in "".join(files.values())
    edge = plan.blueprint.decisions["edge"]
    assert "starter tier keeps the load balancer alone" in edge.reason


def test_cdn_none_in_skylift_toml_keeps_the_regional_waf() -> None:
    plan = _plan(**{"app.tier": "production", "app.domain": "t.example.com", "app.cdn": "none"})
    files = _files(plan)
    assert "infra/cdn.tf" not in files
    assert 'scope = "REGIONAL"' in files["infra/waf.tf"]
    assert "aws_wafv2_web_acl_association" in files["infra/waf.tf"]


@pytest.mark.terraform
@pytest.mark.slow
def test_outside_us_east_1_cloudfront_gets_its_own_certificate_and_validates(
    tmp_path: Path,
) -> None:
    plan = _plan(
        **{"app.tier": "production", "app.domain": "t.example.com", "app.region": "eu-west-1"}
    )
    files = _files(plan)
    cdn = files["infra/cdn.tf"]
    assert 'resource "aws_acm_certificate" "cdn"' in cdn
    assert "provider          = aws.us_east_1" in cdn
    assert "#checkov:skip=CKV_AWS_158" in files["infra/waf.tf"]
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    tf = Terraform(tmp_path / "infra", tmp_path / "tf", {})
    tf.sync(None)
    tf.run("init", "-backend=false", "-input=false")
    assert "Success" in tf.run("validate")


def test_on_an_apex_domain_hsts_leaves_the_other_hosts_alone() -> None:
    plan = _plan(**{"app.tier": "production", "app.domain": "tracker.example"})
    cdn = _files(plan)["infra/cdn.tf"]
    assert (
        "include_subdomains         = false" in cdn and "preload                    = false" in cdn
    )
    assert "#checkov:skip=CKV_AWS_259:the app is on the apex domain" in cdn
