"""SES SMTP credentials, created after `terraform apply` and kept out of Terraform state.

An app that sends through SMTP authenticates to SES with an IAM user's access key id and an
SMTP password derived from the user's secret key (AWS's documented algorithm, below). Terraform
could create the key (`aws_iam_access_key`), but then the secret key and the SMTP password sit in
the state in plain text. Instead ses.tf creates the user and its send-only policy, and this step
creates the access key through the IAM API, derives the password and writes both straight to
SSM SecureString parameters under the app's prefix, where the task definition reads them. The
secret key is never written anywhere else; reports carry names only.

Idempotent: while the key id stored in SSM is still one of the user's keys, nothing changes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from skylift.cloud.secrets import SecretsReport
from skylift.errors import InfraError

# https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html
_DATE, _SERVICE, _TERMINAL, _MESSAGE, _VERSION = (
    "11111111",
    "ses",
    "aws4_request",
    "SendRawEmail",
    4,
)


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def smtp_password(secret_access_key: str, region: str) -> str:
    """The SES SMTP password of an IAM secret access key, for one region."""
    signature = _sign(("AWS4" + secret_access_key).encode("utf-8"), _DATE)
    for part in (region, _SERVICE, _TERMINAL, _MESSAGE):
        signature = _sign(signature, part)
    return base64.b64encode(bytes([_VERSION]) + signature).decode("ascii")


def ensure(
    session: Any,
    prefix: str,
    user: str,
    region: str,
    user_names: Iterable[str],
    password_names: Iterable[str],
    report: SecretsReport,
) -> None:
    """Store the user's SMTP credentials under `prefix` once (the key id under each of
    `user_names`, the SMTP password under each of `password_names`)."""
    users, passwords = sorted(user_names), sorted(password_names)
    labels = users + passwords
    if not labels:
        return
    ssm, iam = session.client("ssm"), session.client("iam")
    try:
        keys = [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]
        stored = _stored(ssm, prefix, labels)
        key_ids = {stored.get(n) for n in users}
        if users and len(key_ids) == 1 and key_ids <= set(keys) and len(stored) == len(labels):
            report.unchanged.extend(labels)
            return
        for old in keys if len(keys) >= 2 else []:  # IAM allows two keys a user
            if old not in key_ids:
                iam.delete_access_key(UserName=user, AccessKeyId=old)
                break
        key = iam.create_access_key(UserName=user)["AccessKey"]
        password = smtp_password(key["SecretAccessKey"], region)
        for name in users:
            _put(ssm, f"{prefix}/{name}", key["AccessKeyId"])
        for name in passwords:
            _put(ssm, f"{prefix}/{name}", password)
        for old in key_ids & set(keys):  # the key the app used until now
            if old and old != key["AccessKeyId"]:
                iam.delete_access_key(UserName=user, AccessKeyId=old)
    except Exception as exc:  # botocore errors: say which step, never a value
        raise InfraError(
            "creating the SES SMTP credentials failed",
            type(exc).__name__ + ": " + str(exc)[:300],
            "check the credentials (iam:CreateAccessKey, ssm:PutParameter) and rerun",
        ) from None
    report.stored.extend(labels)


def _stored(ssm: Any, prefix: str, names: list[str]) -> dict[str, str]:
    out = {}
    for name in names:
        with contextlib.suppress(ssm.exceptions.ParameterNotFound):
            got = ssm.get_parameter(Name=f"{prefix}/{name}", WithDecryption=True)
            out[name] = got["Parameter"]["Value"]
    return out


def _put(ssm: Any, name: str, value: str) -> None:
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True, Tier="Standard")


def ensure_for(
    session: Any, prefix: str, bp: Any, outputs: dict[str, Any], report: SecretsReport
) -> None:
    """The step `skylift up` runs after the apply and the app's own secrets: nothing unless
    the plan has SES and the app sends through SMTP (ses.tf's output names the user)."""
    ses = bp.resource("ses")
    user = outputs.get("ses_smtp_user")
    if ses is None or not ses.settings["smtp"] or not user:
        return
    s = ses.settings
    ensure(session, prefix, str(user), bp.region, s["smtp_user_names"],
           s["smtp_password_names"], report)  # fmt: skip
