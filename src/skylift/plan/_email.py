"""E-mail: SES for the app's domain when the app sends mail (an SES SDK or an SMTP library).

The domain is verified with Easy DKIM (three CNAME records), mail goes out from a custom MAIL
FROM subdomain (its MX and SPF records make SPF align), a DMARC record asks receivers to
quarantine what fails, and a configuration set sends bounces and complaints to an SNS topic.
An app that talks SMTP (nodemailer, gomail, smtplib...) gets SES's SMTP endpoint on port 587
(port 25 is throttled on AWS) and SMTP credentials of an IAM user of its own: `skylift up`
creates the access key and stores the derived SMTP password in SSM after the apply, so neither
passes through Terraform state. Without a domain the plan says what is missing instead.
"""

from __future__ import annotations

import re
from typing import Any

from skylift.config import Config
from skylift.plan.blueprint import Blueprint, Decision, Resource
from skylift.scan import _roles
from skylift.scan.model import AppProfile

SMTP_USER = re.compile(r"^(?:\w+_)?(?:SMTP|MAIL|EMAIL)_?(?:HOST_)?(?:USER|USERNAME|LOGIN)$")
SMTP_PASSWORD = re.compile(r"^(?:\w+_)?(?:SMTP|MAIL|EMAIL)_?(?:HOST_)?(?:PASS|PASSWORD|PASSWD)$")
SENDER = re.compile(r"^(?:\w+_)?(?:FROM_EMAIL|MAIL_FROM|EMAIL_FROM|FROM_ADDRESS|SENDER_EMAIL)$")
SMTP_PORT = 587  # STARTTLS; port 25 is throttled on EC2 and Fargate
SANDBOX_EXIT = (
    "aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL "
    '--website-url https://{domain} --use-case-description "{use}"'
)


def sends(profile: AppProfile) -> set[str]:
    """How the app sends e-mail: {"ses"} (an SES SDK), {"smtp"} (an SMTP library), both or none."""
    return {str(f.value) for f in profile.services} & {"ses", "smtp"}


def wanted(profile: AppProfile, cfg: Config, bp: Blueprint) -> bool:
    return bool(sends(profile)) and cfg.email != "none" and bool(bp.domain)


def wire(profile: AppProfile, cfg: Config, bp: Blueprint) -> None:
    """The app's SMTP variables get SES's endpoint, and its user and password the credentials
    `skylift up` creates (SSM parameters, never .env's old values): run before the resources."""
    if not wanted(profile, cfg, bp) or "smtp" not in sends(profile):
        return
    names = {v.name for v in profile.env}
    values = {
        **{n: f"email-smtp.{bp.region}.amazonaws.com" for n in names if _roles.MAIL_HOSTS.match(n)},
        **{n: str(SMTP_PORT) for n in names if _roles.MAIL_PORTS.match(n)},
    }
    # a sender outside the verified domain is refused by SES: the domain's own no-reply
    values.update({n: f"no-reply@{bp.domain}" for n in names if SENDER.match(n)
                   and not _sends_as(bp.config_env.get(n, ""), bp.domain)})  # fmt: skip
    bp.config_env.update({k: v for k, v in values.items() if k not in cfg.env})
    created = smtp_credential_names(profile)
    for name in created:
        bp.config_env.pop(name, None)
    bp.secrets = [s for s in bp.secrets if s not in created]
    done = set(values) | set(created)
    bp.env_questions = [q for q in bp.env_questions if q["name"] not in done]
    bp.env_unset = [u for u in bp.env_unset if u["name"] not in done]


def _sends_as(address: str, domain: str | None) -> bool:
    host = address.rpartition("@")[2].lower()
    return bool(domain) and (host == domain or host.endswith(f".{domain}"))


def smtp_credential_names(profile: AppProfile) -> list[str]:
    """The app's SMTP user and password variables: `skylift up` fills them for SES."""
    names = {v.name for v in profile.env}
    return sorted(n for n in names if SMTP_USER.match(n) or SMTP_PASSWORD.match(n))


def resources(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[Resource]:
    if not wanted(profile, cfg, bp):
        return []
    assert bp.domain
    how = sends(profile)
    smtp = "smtp" in how
    created = smtp_credential_names(profile) if smtp else []
    emails = bp.assumptions.get("emails_per_month", 1000)
    settings: dict[str, Any] = {
        "domain": bp.domain,
        "dkim": "EASY_DKIM (RSA 2048)",
        "mail_from": f"mail.{bp.domain}",
        "spf": "v=spf1 include:amazonses.com ~all",
        "dmarc": "v=DMARC1; p=quarantine; adkim=r; aspf=r",
        "notifications": ["BOUNCE", "COMPLAINT"],
        "messages_per_month": emails,
        "smtp": smtp,
        "smtp_host": f"email-smtp.{bp.region}.amazonaws.com",
        "smtp_port": SMTP_PORT,
        # the names `skylift up` writes to SSM: the access key id, then the SMTP password
        "smtp_user_names": [n for n in created if SMTP_USER.match(n)],
        "smtp_password_names": [n for n in created if SMTP_PASSWORD.match(n)],
        "sandbox_exit": SANDBOX_EXIT.format(
            domain=bp.domain, use=f"transactional mail of {bp.app}"
        ),
    }
    via = "SMTP (port 587, credentials stored in SSM by `skylift up`)" if smtp else "the SES API"
    decision = Decision(
        f"Amazon SES for {bp.domain}, sent through {via}",
        "the app sends e-mail: the domain is verified with Easy DKIM, a MAIL FROM subdomain "
        "with its own MX and SPF records and a DMARC record make mail pass receivers' checks, "
        "and bounces and complaints reach an SNS topic. A new SES account is in the sandbox "
        "(200 messages a day, verified recipients only): request production access once the "
        f"domain is verified: `{settings['sandbox_exit']}`",
        {
            "keep the current mail provider": "works from AWS too, but its credentials and "
            "DNS records stay outside the migration",
            "SMTP on port 25": "throttled on AWS; 587 with STARTTLS is not",
        },
    )
    return [
        Resource(
            "ses",
            "ses",
            settings,
            decision,
            terraform=["aws_sesv2_email_identity.main"],
        )
    ]


def risks(profile: AppProfile, cfg: Config, bp: Blueprint) -> list[dict[str, str]]:
    """The finding for an app that sends e-mail with no domain to send it from."""
    how = sends(profile)
    if not how or cfg.email == "none" or bp.domain:
        return []
    evidence = [str(e) for f in profile.services if str(f.value) in how for e in f.evidence[:1]]
    return [
        {
            "risk": "the app sends e-mail, but the plan has no domain to send it from: SES "
            "sends only from a verified domain or address",
            "mitigation": "set app.domain in skylift.toml (SES, DKIM, SPF and DMARC are then "
            'generated for it), or app.email = "none" to keep the current mail provider',
            "source": ", ".join(evidence),
        }
    ]
