"""compute = "lambda": the function gets its secrets as plain environment variables the way an
ECS task would, without a value in Terraform or the function's configuration. The generated
entrypoint (scripts/skylift-env.sh) runs the generated reader (scripts/skylift-secrets.go,
compiled here) against the embedded AWS (moto's SSM and Secrets Manager), then starts an app
that only reads os.environ and answers its health check only when DATABASE_URL and the
secrets are what was stored. The rehearsal does not run Lambda images (run/_targets.py,
UNEMULATED["lambda_app"]): this runs the same two files the image starts with."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skylift.cloud import moto_server
from skylift.plan.report import Plan
from skylift.render import render_files
from tests.render import matrix

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
PREFIX = "/pos-api/prod"
# a password with every character a shell or a URL could trip on
PASSWORD = "p'a$s\"w/rd:@ %`x"
APP = """\
import http.server, os, sys
want = dict(a.split("=", 1) for a in sys.argv[2:])
ok = all(os.environ.get(k) == v for k, v in want.items())
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if ok and self.path == "/healthz" else 503)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    plans: dict[str, Plan] = matrix.lambda_variants()
    if "pos-api-lambda" not in plans:
        pytest.skip("examples/pos-api is not in this checkout")
    out, _ = render_files(
        Path("/nonexistent"),
        plans["pos-api-lambda"].blueprint,
        budget_usd=100,
        github_repository="acme/pos",
    )
    return out


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Any, Any]]:
    boto3 = pytest.importorskip("boto3")
    state = tmp_path_factory.mktemp("moto")
    server = moto_server.start(state)
    env = server.env(REGION)
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    ssm = session.client("ssm", endpoint_url=server.url)
    sm = session.client("secretsmanager", endpoint_url=server.url)
    try:
        yield env, ssm, sm
    finally:
        moto_server.stop(state)


@pytest.fixture(scope="module")
def reader(files: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("SKIPPED LOUDLY: no Go toolchain to build scripts/skylift-secrets.go")
    work = tmp_path_factory.mktemp("reader")
    (work / "skylift-secrets.go").write_text(files["scripts/skylift-secrets.go"])
    (work / "skylift-env").write_text(files["scripts/skylift-env.sh"])
    (work / "skylift-env").chmod(0o755)
    subprocess.run(
        [
            go,
            "build",
            "-tags",
            "skylift",
            "-o",
            str(work / "skylift-secrets"),
            "skylift-secrets.go",
        ],
        cwd=work,
        check=True,
        env={**os.environ, "CGO_ENABLED": "0", "GOCACHE": str(work / "cache"), "GOFLAGS": ""},
    )
    return work


def _function_secrets(tf: str, secret_arn: str) -> str:
    """SKYLIFT_SECRETS as Terraform would set it: local.function_secrets, interpolated."""
    block = re.search(r"function_secrets = \[\n(.*?)\n  \]", tf, re.S)
    assert block, "lambda.tf has no function_secrets"
    values = {
        "${local.partition}": "aws",
        "${var.region}": REGION,
        "${local.account_id}": ACCOUNT,
        "${local.ssm_prefix}": PREFIX,
        "${aws_db_instance.main.master_user_secret[0].secret_arn}": secret_arn,
    }
    out = []
    for line in block.group(1).splitlines():
        item = line.strip().rstrip(",").strip('"')
        for k, v in values.items():
            item = item.replace(k, v)
        assert "${" not in item, item
        out.append(item)
    return " ".join(out)


def _environment(tf: str) -> dict[str, str]:
    """The plain values of function_environment this test can know without Terraform."""
    block = re.search(r"function_environment = \{\n(.*?)\n  \}", tf, re.S)
    assert block
    pairs = dict(re.findall(r"^\s*(\w+)\s*= (.+)$", block.group(1), re.M))
    assert "SKYLIFT_SECRETS" in pairs and not any("password" in k.lower() for k in pairs)
    return {
        "SKYLIFT_DB_URLS": pairs["SKYLIFT_DB_URLS"].strip('"'),
        "SKYLIFT_DB_HOST": "proxy.local",
        "SKYLIFT_DB_PORT": "5432",
        "SKYLIFT_DB_NAME": "pos",
        "SKYLIFT_DB_USER": "app_admin",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _store(ssm: Any, sm: Any, password: str) -> str:
    for name in ("JWT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "REDIS_AUTH_TOKEN"):
        ssm.put_parameter(
            Name=f"{PREFIX}/{name}",
            Value=f"{name.lower()}-v'1",
            Type="SecureString",
            Overwrite=True,
        )
    secret = '{"username": "app_admin", "password": ' + _json(password) + "}"
    try:
        return str(sm.create_secret(Name="rds!db-pos", SecretString=secret)["ARN"])
    except sm.exceptions.ResourceExistsException:
        return str(sm.put_secret_value(SecretId="rds!db-pos", SecretString=secret)["ARN"])


def _json(text: str) -> str:
    import json

    return json.dumps(text)


def _start(
    reader: Path, env: dict[str, str], want: dict[str, str]
) -> tuple[subprocess.Popen[str], int]:
    port = _free_port()
    (reader / "app.py").write_text(APP)
    proc = subprocess.Popen(
        [str(reader / "skylift-env"), sys.executable, str(reader / "app.py"), str(port)]
        + [f"{k}={v}" for k, v in want.items()],
        env={"PATH": f"{reader}:/usr/bin:/bin", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, port


def _health(proc: subprocess.Popen[str], port: int) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the entrypoint exited {proc.returncode}: {err}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
        except OSError:
            time.sleep(0.1)
    pytest.fail("the app never answered")


def _lambda_env(aws_env: dict[str, str], tf: str, arn: str) -> dict[str, str]:
    # what Lambda gives the process: the role's credentials and region, and the function's
    # environment (AWS_ENDPOINT_URL points the reader at the embedded AWS, as in the rehearsal)
    return {
        "AWS_ACCESS_KEY_ID": aws_env["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": aws_env["AWS_SECRET_ACCESS_KEY"],
        "AWS_SESSION_TOKEN": "a-session-token",
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": aws_env["AWS_ENDPOINT_URL"],
        **_environment(tf),
        "SKYLIFT_SECRETS": _function_secrets(tf, arn),
    }


def _url(password: str) -> str:
    from urllib.parse import quote

    return (
        f"postgres://app_admin:{quote(password, safe='._~-')}@proxy.local:5432/pos?sslmode=require"
    )


def test_an_env_only_app_gets_its_database_url_and_secrets_and_answers_healthy(
    files: dict[str, str], aws: tuple[dict[str, str], Any, Any], reader: Path
) -> None:
    aws_env, ssm, sm = aws
    tf = files["infra/lambda.tf"]
    arn = _store(ssm, sm, PASSWORD)
    env = _lambda_env(aws_env, tf, arn)
    assert PASSWORD not in str(env) and "jwt_secret-v" not in str(env)  # no value configured
    want = {
        "DATABASE_URL": _url(PASSWORD),
        "JWT_SECRET": "jwt_secret-v'1",
        "STRIPE_SECRET_KEY": "stripe_secret_key-v'1",
        "REDIS_PASSWORD": "redis_auth_token-v'1",
    }
    proc, port = _start(reader, env, want)
    try:
        assert _health(proc, port) == 200
    finally:
        proc.kill()
        _, err = proc.communicate()
    assert PASSWORD not in err and "v'1" not in err  # nothing logged

    # a new execution environment after a rotation reads the new password
    _store(ssm, sm, "rotated-Pa55")
    proc, port = _start(reader, env, {"DATABASE_URL": _url("rotated-Pa55")})
    try:
        assert _health(proc, port) == 200
    finally:
        proc.kill()
        proc.communicate()


def test_a_missing_secret_stops_the_start_and_names_it_without_a_value(
    files: dict[str, str], aws: tuple[dict[str, str], Any, Any], reader: Path
) -> None:
    aws_env, ssm, sm = aws
    tf = files["infra/lambda.tf"]
    arn = _store(ssm, sm, PASSWORD)
    env = _lambda_env(aws_env, tf, arn)
    env["SKYLIFT_SECRETS"] += f" MISSING=arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{PREFIX}/MISSING"
    out = subprocess.run(
        [str(reader / "skylift-env"), "sh", "-c", "echo started"],
        env={"PATH": f"{reader}:/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "started" not in out.stdout
    assert f"{PREFIX}/MISSING" in out.stderr and PASSWORD not in out.stderr + out.stdout


def test_without_secrets_the_entrypoint_needs_no_reader(
    files: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "skylift-env"
    script.write_text(files["scripts/skylift-env.sh"])
    out = subprocess.run(
        ["sh", str(script), "sh", "-c", "echo ${JWT_SECRET:-unset}"],
        env={"PATH": "/usr/bin:/bin", "JWT_SECRET": "already"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "already"


def test_the_requests_are_signed_as_botocore_signs_them(reader: Path) -> None:
    """moto does not check signatures: compare the reader's with botocore's for the same request."""
    import http.server
    import threading

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    seen: dict[str, Any] = {}

    class Capture(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["headers"] = dict(self.headers.items())
            seen["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            reply = (
                b'{"Parameters": [{"Name": "/a/prod/K", "Value": "v"}], "InvalidParameters": []}'
            )
            self.send_response(200)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_a: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        out = subprocess.run(
            [str(reader / "skylift-secrets")],
            env={
                "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "AWS_SESSION_TOKEN": "token/with+chars=",
                "AWS_REGION": "eu-west-3",
                "AWS_ENDPOINT_URL_SSM": url,
                "SKYLIFT_SECRETS": "K=arn:aws:ssm:eu-west-3:1:parameter/a/prod/K",
            },
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        server.shutdown()
    assert out.stdout == "[ -n \"${K:-}\" ] || export K='v'\n"
    got = seen["headers"]
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=seen["body"],
        headers={
            "Content-Type": got["Content-Type"],
            "X-Amz-Target": got["X-Amz-Target"],
        },
    )
    request.context["timestamp"] = got["X-Amz-Date"]
    auth = SigV4Auth(
        Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/with+chars="),
        "ssm",
        "eu-west-3",
    )
    request.headers["X-Amz-Date"] = got["X-Amz-Date"]
    request.headers["X-Amz-Security-Token"] = "token/with+chars="
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    assert got["X-Amz-Target"] == "AmazonSSM.GetParameters"
    assert got["Authorization"].endswith(f"Signature={signature}"), canonical
    assert (
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
        in (got["Authorization"])
    )
