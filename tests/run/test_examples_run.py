"""The five examples run: `skylift up --target local` on each example as its owner leaves it
after the plan's code changes (tests/run/after_state.py) builds the image with the machine's
container engine, runs the release step and every service with its task definition's
environment, behind the load balancer stand-in, against the migrated data.

Each test asserts what a user checks first: the load balancer stand-in finds the app healthy
on the path the target group checks, and one request through it returns rows that came from
the old database. Real parts throughout (buildah or podman, moto, Terraform, the embedded
PostgreSQL, MariaDB for the MySQL dump, redis-server with TLS and AUTH); the secrets are dummy
values in the copy's .env, as an owner's would be in theirs.

Timing: docs/up.md lists the first and the second `up` of each example, measured with
`SKYLIFT_EXAMPLES_TIMES=1 pytest tests/run/test_examples_run.py -s`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.run.after_state import EXAMPLES, after_state

# a first `up` builds the image (minutes on a busy 2-core machine), the timed run does a second
pytestmark = [pytest.mark.terraform, pytest.mark.slow, pytest.mark.timeout(1800)]
pytest.importorskip("skylift.rehearse", reason="the rehearsal engine is not in this checkout")

# dummy values for each example's secrets (`skylift up` stores them in the embedded AWS's SSM)
SECRETS = {
    "pantrypal": {"JWT_SECRET": "rehearsal-jwt-secret-0123456789"},
    "tracker": {"SESSION_SECRET": "rehearsal-session-secret-0123456789"},
    "pos-api": {
        "JWT_SECRET": "rehearsal-jwt-secret-0123456789",
        "STRIPE_SECRET_KEY": "sk_test_rehearsal",
        "STRIPE_WEBHOOK_SECRET": "whsec_rehearsal",
    },
    "github-api": {
        "GITHUB_TOKENS": "ghp_rehearsal",
        "SESSION_SECRET": "rehearsal-session-secret-0123456789",
        "SMTP_PASS": "rehearsal",
    },
    "gengar": {
        "OPENAI_API_KEY": "sk-rehearsal",
        "STRIPE_SECRET_KEY": "sk_test_rehearsal",
        "STRIPE_WEBHOOK_SECRET": "whsec_rehearsal",
        "ROLLBAR_ACCESS_TOKEN": "rehearsal",
        "AWS_ACCESS_KEY_ID": "AKIAREHEARSAL",
        "AWS_SECRET_ACCESS_KEY": "rehearsal",
        "GITHUB_CLIENT_SECRET": "rehearsal",
    },
}
# the stand-in base images each example's Dockerfile (its own or the generated one) builds on
STANDINS = {"pos-api": ["golang", "alpine"]}


@dataclass
class Up:
    root: Path
    report: dict[str, Any]
    seconds: float

    @property
    def app(self) -> dict[str, Any]:
        return dict(self.report["app"])

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """A request through the load balancer stand-in."""
        req = urllib.request.Request(self.app["url"] + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def skylift(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "skylift", *args, str(root)],
                          capture_output=True, text=True, check=False, timeout=1500,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    return done, time.monotonic() - started


def go_modules_reachable() -> bool:
    """pos-api's build downloads its Go modules; our machines reach no module proxy."""
    import socket

    try:
        socket.getaddrinfo("proxy.golang.org", 443)
    except OSError:
        return False
    return True


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} in CI: scripts/test installs buildah, podman and mmdebstrap")
    pytest.skip(why)


def _standins(names: list[str]) -> None:
    """The stand-in base images (scripts/standins): a no-op when they are up to date."""
    if not any(shutil.which(e) for e in ("docker", "podman", "buildah")):
        _missing("no container engine (docker, podman, buildah) on this machine")
    script = Path(__file__).resolve().parents[2] / "scripts" / "standins"
    if not script.is_file():
        _missing("scripts/standins is not in this checkout")
    for _ in range(3):  # 141: the script's `tags | head -1` under pipefail can die of SIGPIPE
        done = subprocess.run([str(script), *names], capture_output=True, text=True, check=False)
        if done.returncode != 141:
            break
    if done.returncode == 5:
        _missing(done.stderr.strip() or "scripts/standins: a tool is missing")
    assert done.returncode == 0, done.stderr[-2000:]


def rehearse(name: str, dest: Path) -> Iterator[Up]:
    root = after_state(name, dest)
    (root / ".env").write_text("".join(f"{k}={v}\n" for k, v in SECRETS[name].items()))
    _standins(STANDINS.get(name, ["node"]))
    done, seconds = skylift(root, "up", "--json")
    try:
        assert done.returncode == 0, done.stderr[-4000:]
        up = Up(root, json.loads(done.stdout), seconds)
        assert up.app["healthy"] is True, done.stderr[-4000:]
        yield up
        if os.environ.get("SKYLIFT_EXAMPLES_TIMES"):
            again, second = skylift(root, "up", "--json")
            assert again.returncode == 0 and json.loads(again.stdout)["app"]["healthy"]
            print(f"\n{name}: first up {seconds:.0f}s, second up {second:.0f}s")
    finally:
        skylift(root, "down")


@pytest.fixture
def example(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Iterator[Up]]:
    return lambda name: rehearse(name, tmp_path_factory.mktemp(name))


def _hs256(claims: dict[str, Any], secret: str) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({**claims, "iat": int(time.time())}).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def _run(example: Callable[[str], Iterator[Up]], name: str, check: Callable[[Up], None]) -> None:
    gen = example(name)
    up = next(gen)
    try:
        check(up)
    finally:
        for _ in gen:  # the second up (when timed) and `skylift down`
            pass


def test_pantrypal_is_healthy_and_serves_its_migrated_items(example) -> None:
    db = sqlite3.connect(EXAMPLES / "pantrypal" / "data" / "pantrypal.db")
    user, household = db.execute(
        "SELECT id, household_id FROM users WHERE household_id IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    names = sorted(r[0] for r in db.execute(
        "SELECT name FROM items WHERE household_id = ? ORDER BY is_checked, name LIMIT 100",
        (household,),
    ))  # fmt: skip

    def check(up: Up) -> None:
        assert up.app["health_path"] == "/health"
        assert up.get("/health") == (200, b'{"status":"ok"}')
        token = _hs256({"sub": user, "household": household}, SECRETS["pantrypal"]["JWT_SECRET"])
        status, body = up.get("/api/items", {"Authorization": f"Bearer {token}"})
        assert status == 200
        assert sorted(i["name"] for i in json.loads(body)) == names

    _run(example, "pantrypal", check)


def test_tracker_is_healthy_and_renders_its_migrated_tasks(example) -> None:
    db = sqlite3.connect(EXAMPLES / "tracker" / "data" / "tracker.db")
    (user,) = db.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()
    titles = [r[0] for r in db.execute(
        "SELECT title FROM tasks WHERE active = 1 AND scheduledDate IS NULL ORDER BY sortOrder"
    )]  # fmt: skip
    secret = SECRETS["tracker"]["SESSION_SECRET"].encode()
    mac = base64.urlsafe_b64encode(hmac.new(secret, str(user).encode(), hashlib.sha256).digest())
    cookie = f"tracker_session={user}.{mac.rstrip(b'=').decode()}"

    def check(up: Up) -> None:
        assert up.app["health_path"] == "/api/health"
        assert up.get("/api/health")[0] == 200
        status, body = up.get("/", {"Cookie": cookie})
        assert status == 200
        page = body.decode()
        assert titles and all(t.replace("&", "&amp;") in page for t in titles)

    _run(example, "tracker", check)


def test_github_api_is_healthy_and_lists_its_migrated_repositories(example) -> None:
    text = (EXAMPLES / "github-api" / "data" / "dump.sql").read_text()
    line = next(x for x in text.splitlines() if x.startswith("INSERT INTO `repositories`"))
    rows = re.findall(r"\((\d+),'([^']*)','(\w+)',(\d),(\d+),", line)
    live = sorted(((int(stars), name) for _, name, _, archived, stars in rows if archived == "0"),
                  reverse=True)  # fmt: skip

    def check(up: Up) -> None:
        assert up.app["health_path"] == "/api/system/health"
        status, body = up.get("/api/system/health")
        assert (status, json.loads(body)) == (200, {"status": "ok"})  # database and cache (TLS)
        status, body = up.get("/api/repos")
        assert status == 200
        got = [(r["stars"], r["full_name"]) for r in json.loads(body)]
        assert [s for s, _ in got] == [s for s, _ in live[:50]]  # ordered by stars
        assert {n for _, n in got} <= {n for _, n in live}
        kinds = {s["kind"]: s for s in up.app["services"]}
        assert kinds["release"]["exit_code"] == 0  # npm run migrate (sequelize-cli)
        assert kinds["worker"]["state"] == "running"  # node src/worker.js, its own task definition

    _run(example, "github-api", check)


def test_gengar_is_healthy_outside_the_global_prefix_and_serves_a_migrated_document(
    example,
) -> None:
    text = (EXAMPLES / "gengar" / "data" / "dump.sql").read_text()
    doc_id, title = re.search(r"INSERT INTO public\.documents VALUES \('([\w-]+)', \d+, '([^']*)'", text).groups()  # type: ignore[union-attr]  # fmt: skip

    def check(up: Up) -> None:
        assert up.app["health_path"] == "/health"  # setGlobalPrefix('api', { exclude: ['health'] })
        assert up.get("/health") == (200, b'{"status":"ok"}')
        status, body = up.get(f"/api/documents/{doc_id}")
        assert status == 200 and json.loads(body)["title"] == title
        kinds = {s["kind"]: s for s in up.app["services"]}
        assert kinds["release"]["exit_code"] == 0  # yarn migration:run: already applied

    _run(example, "gengar", check)


@pytest.mark.skipif(
    not go_modules_reachable(),
    reason="pos-api's build downloads Go modules; no module proxy is reachable from this machine",
)
def test_pos_api_is_healthy_and_lists_its_migrated_products(example) -> None:
    text = (EXAMPLES / "pos-api" / "data" / "dump.sql").read_text()
    business = re.search(r"INSERT INTO public\.products VALUES \(\d+, (\d+), '([^']*)'", text)
    assert business is not None

    def check(up: Up) -> None:
        assert up.app["health_path"] == "/healthz"
        assert up.get("/healthz")[0] == 200
        status, body = up.get(f"/api/v1/businesses/{business.group(1)}/products")
        assert status == 200 and business.group(2) in body.decode()

    _run(example, "pos-api", check)
