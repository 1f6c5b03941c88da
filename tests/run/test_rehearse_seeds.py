"""The seeds' own choices applied on the embedded AWS, twice: 004's Next.js app behind
CloudFront and 003's mail-sending app with SES for its domain. What moto cannot emulate is
switched off by local_rehearsal (run/_targets.py names it); everything else is created, and
a second apply changes nothing. The SES SMTP credentials are then made the way `skylift up`
makes them: IAM API -> SSM, never through Terraform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skylift.cloud import moto_server, ses_smtp
from skylift.cloud.secrets import SecretsReport
from skylift.cloud.terraform import Terraform
from skylift.plan import make_plan
from skylift.render import render_files
from skylift.run._targets import open_target

pytestmark = [pytest.mark.terraform, pytest.mark.slow]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEEDS = {
    "tracker": {"app.tier": "production", "app.domain": "tracker.example.com"},
    "github-api": {"app.tier": "production", "app.domain": "api.example.com"},
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_seed_applies_on_the_embedded_aws_and_a_second_apply_changes_nothing(
    name: str, tmp_path: Path
) -> None:
    if not (EXAMPLES / name).is_dir():
        pytest.skip(f"examples/{name} is not here")
    from skylift.scan import scan

    bp = make_plan(scan(EXAMPLES / name), SEEDS[name]).blueprint
    files, _ = render_files(tmp_path, bp, budget_usd=300, github_repository="acme/app")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    tgt = open_target(tmp_path, "local", bp.app, "prod", bp.region)
    try:
        tf = Terraform(tmp_path / "infra", tgt.state_dir / "tf", tgt.env)
        tf.sync(tgt.override)
        tf.init(tgt.backend_config)
        first = tf.apply(["envs/prod.tfvars"], tgt.variables)
        assert first.added > 50
        if (
            name == "tracker"
        ):  # one seed's second apply is enough to hold "changes nothing" (CI time)
            second = tf.apply(["envs/prod.tfvars"], tgt.variables)
            assert (second.added, second.changed, second.destroyed) == (0, 0, 0)
        state = json.loads(tf.run("show", "-json"))
        made = {
            r["address"]
            for r in state["values"]["root_module"]["resources"]
            if r["mode"] == "managed"
        }
        if name == "tracker":
            assert "aws_vpc_security_group_ingress_rule.alb_from_cloudfront" in made
            assert "aws_wafv2_web_acl.main" in made
            assert "aws_wafv2_web_acl_association.alb" not in made
        else:
            assert {"aws_iam_user.smtp", "aws_sns_topic.email_events"} <= made
            assert "aws_scheduler_schedule.db_export" in made
            session = tgt.session(bp.region)

            class _Endpoint:
                def client(self, service: str) -> object:
                    return tgt.client(session, service)

            report = SecretsReport()
            ses_smtp.ensure_for(_Endpoint(), "/github-api/prod", bp, first.outputs, report)
            assert report.stored == ["SMTP_USER", "SMTP_PASS"]
            raw = (tgt.state_dir / "tf" / "terraform.tfstate").read_text()
            ssm = _Endpoint().client("ssm")
            password = ssm.get_parameter(  # type: ignore[attr-defined]
                Name="/github-api/prod/SMTP_PASS", WithDecryption=True
            )["Parameter"]["Value"]
            assert password not in raw  # the SMTP password never reached the state
    finally:
        moto_server.stop(tgt.state_dir)
