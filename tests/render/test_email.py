"""Seed 003: the app that sends mail (nodemailer over SMTP) gets SES for its domain: Easy DKIM,
a MAIL FROM domain with MX and SPF, DMARC, bounce and complaint notifications, SES's SMTP
endpoint on 587 and credentials that never pass through Terraform; no domain: a finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skylift.plan import make_plan
from skylift.plan.report import Plan
from skylift.render import render_files
from tests.render import golden

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "github-api"
pytestmark = pytest.mark.skipif(not EXAMPLE.is_dir(), reason="examples/github-api is not here")


def _plan(**values: Any) -> Plan:
    from skylift.scan import scan

    return make_plan(scan(EXAMPLE), values)


def _files(plan: Plan) -> dict[str, str]:
    files, _ = render_files(EXAMPLE, plan.blueprint, budget_usd=300, github_repository="a/b")
    return files


@pytest.fixture(scope="module")
def ses() -> Plan:
    return _plan(**{"app.tier": "production", "app.domain": "api.example.com"})


def test_ses_for_the_domain_is_generated_and_matches_golden(ses: Plan) -> None:
    files = _files(ses)
    golden.check("seeds/github-api-ses", {k: v for k, v in files.items() if k.startswith("infra/")})
    tf = files["infra/ses.tf"]
    assert "email_identity         = var.domain_name" in tf
    assert (
        "._domainkey.${var.domain_name}" in tf and 'next_signing_key_length = "RSA_2048_BIT"' in tf
    )
    assert 'mail_from_domain       = "mail.${var.domain_name}"' in tf
    assert '"10 feedback-smtp.${var.region}.amazonses.com"' in tf
    assert '"v=spf1 include:amazonses.com ~all"' in tf
    assert 'name    = "_dmarc.${var.domain_name}"' in tf
    assert 'matching_event_types = ["BOUNCE", "COMPLAINT"]' in tf
    # the SMTP key is made by `skylift up`, never by Terraform: nothing secret in the state
    assert "aws_iam_access_key" not in "".join(files.values())
    ecs = files["infra/ecs.tf"]
    assert '{ name = "SMTP_HOST", value = "email-smtp.us-east-1.amazonaws.com" }' in ecs
    assert '{ name = "SMTP_PORT", value = "587" }' in ecs
    assert '{ name = "SES_FROM_EMAIL", value = "no-reply@api.example.com" }' in ecs
    for name in ("SMTP_USER", "SMTP_PASS"):
        assert f'{{ name = "{name}", valueFrom = "arn:' in ecs


def test_the_plan_prices_mail_and_says_how_to_leave_the_sandbox(ses: Plan) -> None:
    r = ses.blueprint.resource("ses")
    assert (
        r and r.decision and "put-account-details --production-access-enabled" in r.decision.reason
    )
    assert r.settings["smtp_user_names"] == ["SMTP_USER"]
    assert r.settings["smtp_password_names"] == ["SMTP_PASS"]
    (line,) = [ln for ln in ses.estimate.lines if ln.resource == "ses"]
    assert line.quantity == 1 and line.monthly == 0.1
    # `skylift up` must not copy the old provider's SMTP password from .env
    assert "SMTP_PASS" not in ses.blueprint.secrets


def test_mail_without_a_domain_is_a_finding_not_a_silent_drop() -> None:
    plan = _plan()
    assert plan.blueprint.resource("ses") is None
    assert any("sends e-mail" in r["risk"] for r in plan.blueprint.risks)
    assert "infra/ses.tf" not in _files(plan)


def test_email_none_keeps_the_current_provider() -> None:
    plan = _plan(**{"app.domain": "api.example.com", "app.email": "none"})
    assert plan.blueprint.resource("ses") is None
    assert "SMTP_PASS" in plan.blueprint.secrets
