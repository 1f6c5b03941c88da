"""SES SMTP credentials: an IAM access key made after the apply, its SMTP password derived by
AWS's algorithm, both stored in SSM (never in Terraform state); a rerun changes nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from skylift.cloud import moto_server, ses_smtp
from skylift.cloud.secrets import SecretsReport


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    state = tmp_path_factory.mktemp("moto")
    server = moto_server.start(state)

    class _Session:
        def client(self, service: str) -> object:
            return boto3.client(
                service,
                endpoint_url=server.url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

    yield _Session()
    moto_server.stop(state)


def test_the_smtp_password_is_aws_version_4_of_the_secret_key() -> None:
    password = ses_smtp.smtp_password("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1")
    raw = base64.b64decode(password)
    assert raw[0] == 4 and len(raw) == 33  # the version byte, then an HMAC-SHA256
    assert password != ses_smtp.smtp_password(
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "eu-west-1"
    )
    assert password == ses_smtp.smtp_password(
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"
    )


def test_credentials_are_stored_once_and_a_rerun_changes_nothing(
    session: object, tmp_path: Path
) -> None:
    iam, ssm = session.client("iam"), session.client("ssm")  # type: ignore[attr-defined]
    iam.create_user(UserName="app-prod-ses-smtp")
    first = SecretsReport()
    args = ("/app/prod", "app-prod-ses-smtp", "us-east-1", ["SMTP_USER"], ["SMTP_PASS"])
    ses_smtp.ensure(session, *args, first)
    assert first.stored == ["SMTP_USER", "SMTP_PASS"]
    key_id = ssm.get_parameter(Name="/app/prod/SMTP_USER", WithDecryption=True)["Parameter"]
    keys = iam.list_access_keys(UserName="app-prod-ses-smtp")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key_id["Value"]]
    password = ssm.get_parameter(Name="/app/prod/SMTP_PASS", WithDecryption=True)["Parameter"]
    assert password["Type"] == "SecureString" and base64.b64decode(password["Value"])[0] == 4
    again = SecretsReport()
    ses_smtp.ensure(session, *args, again)
    assert again.unchanged == ["SMTP_USER", "SMTP_PASS"] and not again.stored
    assert len(iam.list_access_keys(UserName="app-prod-ses-smtp")["AccessKeyMetadata"]) == 1
    # the parameter lost: a new key replaces the old one, never a third key
    ssm.delete_parameter(Name="/app/prod/SMTP_PASS")
    third = SecretsReport()
    ses_smtp.ensure(session, *args, third)
    assert third.stored == ["SMTP_USER", "SMTP_PASS"]
    keys = iam.list_access_keys(UserName="app-prod-ses-smtp")["AccessKeyMetadata"]
    assert len(keys) == 1 and keys[0]["AccessKeyId"] != key_id["Value"]
