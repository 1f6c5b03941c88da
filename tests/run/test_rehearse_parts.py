"""The rehearsal's pure parts, one line each: the ALB matcher, the endpoint rewrite, how the
workflow's build lines are read, ECS's entryPoint/command rule, what is most likely at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.rehearse import diagnose, image, lb
from skylift.rehearse.containers import argv_for
from skylift.rehearse.endpoints import Endpoint, Rewrite
from skylift.rehearse.engine import ImageConfig
from skylift.rehearse.taskdefs import Container, HealthCheck, _value

RDS = Endpoint("shop-prod.aaaa.us-east-1.rds.amazonaws.com", 5432)


@pytest.mark.parametrize(
    ("matcher", "status", "ok"),
    [("200", 200, True), ("200", 204, False), ("200-399", 302, True), ("200-499", 404, True),
     ("200,302", 302, True), ("200,302", 301, False), ("200-399", 500, False)],
)  # fmt: skip
def test_matcher(matcher: str, status: int, ok: bool) -> None:
    assert lb.matches(matcher, status) is ok


def rewrite(env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    r = Rewrite()
    r.add("db", RDS, Endpoint("127.0.0.1", 41000))
    r.add("cache", Endpoint("127.0.0.1", 6379), Endpoint("127.0.0.1", 42000))
    return r.apply(env)


def test_rewrite_moves_only_host_and_port() -> None:
    url = f"postgresql://app_admin:s3cret@{RDS.host}:5432/shop?sslmode=require"
    env, changed = rewrite({"DATABASE_URL": url, "SKYLIFT_DB_HOST": RDS.host,
                            "SKYLIFT_DB_PORT": "5432", "SKYLIFT_CACHE_PORT": "6379",
                            "SKYLIFT_CACHE_HOST": "127.0.0.1", "PORT": "8000",
                            "WORKERS": "5432"})  # fmt: skip
    assert (
        env["DATABASE_URL"] == "postgresql://app_admin:s3cret@127.0.0.1:41000/shop?sslmode=require"
    )
    assert (env["SKYLIFT_DB_HOST"], env["SKYLIFT_DB_PORT"]) == ("127.0.0.1", "41000")
    assert env["SKYLIFT_CACHE_PORT"] == "42000" and env["SKYLIFT_CACHE_HOST"] == "127.0.0.1"
    assert env["WORKERS"] == "5432" and env["PORT"] == "8000"  # not an endpoint's port
    assert changed == ["DATABASE_URL", "SKYLIFT_CACHE_PORT", "SKYLIFT_DB_HOST", "SKYLIFT_DB_PORT"]


def test_rewrite_of_a_url_without_port() -> None:
    env, _ = rewrite({"DATABASE_URL": f"postgres://u:p@{RDS.host}/shop"})
    assert env["DATABASE_URL"] == "postgres://u:p@127.0.0.1:41000/shop"


def workflow(tmp_path: Path, lines: str) -> list[image.Build]:
    wf = tmp_path / ".github" / "workflows" / "deploy.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(lines)
    return image.builds(tmp_path)


def test_build_lines_of_the_workflow(tmp_path: Path) -> None:
    builds = workflow(tmp_path, '''
          docker buildx build --platform "$PLATFORM" "${args[@]}" --tag "$image" --push api
          docker buildx build --platform "$PLATFORM" "${args[@]}" --target migrate --tag "$image-migrate" --push api
''')  # fmt: skip
    assert [(b.dockerfile, b.context, b.target) for b in builds] == [
        (tmp_path / "api" / "Dockerfile", tmp_path / "api", None),
        (tmp_path / "api" / "Dockerfile", tmp_path / "api", "migrate"),
    ]


def test_build_from_the_root_with_a_dockerfile_in_a_folder(tmp_path: Path) -> None:
    (b,) = workflow(
        tmp_path,
        '  docker buildx build --platform "$PLATFORM" --tag "$image" --push -f web/Dockerfile .\n',
    )
    assert (b.dockerfile, b.context) == (tmp_path / "web" / "Dockerfile", tmp_path)


def test_without_a_workflow_the_apps_dockerfile(tmp_path: Path) -> None:
    (b,) = image.builds(tmp_path, "svc")
    assert (b.dockerfile, b.context, b.target) == (
        tmp_path / "svc" / "Dockerfile",
        tmp_path / "svc",
        None,
    )


def test_base_image_is_the_final_stage_with_args(tmp_path: Path) -> None:
    df = tmp_path / "Dockerfile"
    df.write_text("ARG NODE=20\nFROM node:${NODE}-alpine AS build\nRUN x\nFROM build AS migrate\n"
                  "FROM gcr.io/distroless/nodejs${NODE}-debian12\nCMD [\"a\"]\n")  # fmt: skip
    assert image.base_image(df) == "gcr.io/distroless/nodejs20-debian12"
    df.write_text("FROM python:3.12-slim AS build\nFROM build\n")
    assert image.base_image(df) == "python:3.12-slim"


def container(**kw: object) -> Container:
    base: dict[str, object] = {"name": "web", "kind": "web", "family": "f", "entrypoint": None,
                               "command": None, "user": "", "memory_mib": 512, "port": 8000,
                               "read_only": False, "environment": {}, "secrets": {}}  # fmt: skip
    return Container(**{**base, **kw})  # type: ignore[arg-type]


IMAGE = ImageConfig(
    user="10001", entrypoint=["/usr/local/bin/skylift-env"], cmd=["node", "main.js"], workdir="/app"
)


def test_a_task_with_an_image_of_its_own_runs_it_or_is_skipped_not_run_in_the_apps(
    tmp_path: Path,
) -> None:
    from skylift.rehearse import rehearsal, taskdefs

    class Engine:  # only what the choice asks of the engine: is the image here or pullable
        name = "buildah"

        def __init__(self) -> None:
            self.have: set[str] = set()

        def obtain(self, image: str) -> bool:
            return image in self.have

    said: list[str] = []
    app_image = "localhost/skylift/shop-prod:rehearsal"
    ctx = rehearsal.Context(tmp_path, tmp_path, "shop", "prod", Engine(), None, [],  # type: ignore[arg-type]
                            said.append, image=app_image)  # fmt: skip
    ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:latest"
    td = {"family": "shop-prod-db-export", "containerDefinitions": [
        {"name": "db-export", "image": "public.ecr.aws/docker/library/postgres:16-alpine"}]}  # fmt: skip
    export = taskdefs._container(td, "shop-prod-db-export", "schedule")
    assert export.image == "public.ecr.aws/docker/library/postgres:16-alpine"
    assert rehearsal._task_image(ctx, container(kind="schedule", image=ecr)) == app_image
    assert rehearsal._task_image(ctx, export) is None
    skipped = ctx.st.service("shop-prod-db-export")
    assert skipped is not None and skipped.state == "skipped" and skipped.exit_code is None
    assert "postgres:16-alpine is not on this machine" in said[-1]
    ctx.engine.have = {export.image}  # type: ignore[attr-defined]
    assert rehearsal._task_image(ctx, export) == export.image


def test_an_app_that_exits_before_it_is_healthy_has_its_exit_code_read(tmp_path: Path) -> None:
    """alive() before wait(), and other processes started in between, once reaped the exit
    status, and wait() crashed with ChildProcessError instead of naming the exit code."""
    import subprocess

    from skylift.rehearse import containers

    class Engine:  # runs the container's command as a plain process: no engine needed
        def create(self, name: str, image: str) -> None: ...
        def set_env(self, name: str, env: dict[str, str]) -> None: ...
        def enforces(self) -> dict[str, bool]:
            return {"memory": True}

        def run_argv(
            self, name: str, image: str, argv: list[str], *a: object, **k: object
        ) -> list[str]:
            return argv

    started = containers.start(Engine(), "web", "img", ["sh", "-c", "exit 3"], {},  # type: ignore[arg-type]
                               c=container(), log=tmp_path / "web.log", volumes=[])  # fmt: skip
    for _ in range(50):
        if not containers.alive(started.pid):
            break
        subprocess.run(["true"], check=True)  # the next Popen cleans up dropped ones
    assert containers.alive(started.pid) is False
    assert containers.wait(started.pid, 0.1) == 3


def test_ecs_argv_rule() -> None:
    assert argv_for(container(), IMAGE) == ["/usr/local/bin/skylift-env", "node", "main.js"]
    assert argv_for(container(command=["sh", "-c", "npm run migrate"]), IMAGE) == [
        "/usr/local/bin/skylift-env", "sh", "-c", "npm run migrate"]  # fmt: skip
    # an entryPoint drops the image's CMD, as Docker does
    assert argv_for(container(entrypoint=["/bin/sh", "-c", "x", "e"]), IMAGE) == [
        "/bin/sh",
        "-c",
        "x",
        "e",
    ]


def test_secret_references() -> None:
    class Ssm:
        def get_parameter(self, Name: str, WithDecryption: bool) -> dict[str, dict[str, str]]:
            return {"Parameter": {"Value": f"value of {Name}"}}

    class Sm:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            return {"SecretString": '{"username": "app_admin", "password": "pw"}'}

    ssm_ref = "arn:aws:ssm:us-east-1:123456789012:parameter/shop/prod/JWT_SECRET"
    sm_ref = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCd:password::"
    assert _value(ssm_ref, Ssm(), Sm()) == "value of /shop/prod/JWT_SECRET"
    assert _value(sm_ref, Ssm(), Sm()) == "pw"


@pytest.mark.parametrize(
    ("log", "checks", "code", "fault"),
    [(["Error: listen EACCES: permission denied 0.0.0.0:80"], [], 1, "USER in the Dockerfile"),
     (["OSError: [Errno 30] Read-only file system: '/app/uploads'"], [], 1, "readonlyRootFilesystem"),
     (["Error: Cannot find module '/app/dist/main.js'"], [], 1, "the start command"),
     (["redis: NOAUTH Authentication required."], [], 1, "SKYLIFT_CACHE_PASSWORD"),
     (["ValueError: invalid interpolation syntax in 'postgresql://u:P%4055@h/db?sslmode=require'"
       " at position 24"], [], 1, "escape `%` as `%%`"),
     (["psycopg2.OperationalError: SSL connection has been closed unexpectedly"], [], 1,
      "TLS to the database"),
     (["cause: Error: unable to verify the first certificate", "code: 'UNABLE_TO_VERIFY_LEAF_"
       "SIGNATURE'"], [], 1, "rejectUnauthorized: false"),
     (["Server started!", "Error: read ECONNRESET", "    at TCP.onStreamRead (node:internal/"
       "stream_base_commons:218:20) {", "  syscall: 'read'"], [], 1, "bull-url-no-tls"),
     ([], [], 137, "var.task_memory"),
     (["listening"], [{"error": "ConnectionRefusedError"}] * 3, None, "nothing answers on 8000"),
     (["listening"], [{"status": 404}] * 3, None, "/health answers 404"),
     (["Server running on http://0.0.0.0:8000"], [{"error": "ConnectionRefusedError"}]
      + [{"error": "TimeoutError: timed out"}] * 3, None, "never answers within the check's")],
)  # fmt: skip
def test_likely_fault(
    log: list[str], checks: list[dict[str, object]], code: int | None, fault: str
) -> None:
    c = container(health=HealthCheck(path="/health", matcher="200"))
    assert fault in diagnose.likely_fault(c, log, checks, code)


def test_a_build_that_cannot_reach_a_download_host_says_so_not_the_dockerfile() -> None:
    log = ["STEP 1/3: FROM node:20", "STEP 2/3: RUN curl -fsSL https://x.example.org/a.sh | sh",
           "curl: (6) Could not resolve host: x.example.org", "STEP 3/3: RUN npm install",
           "node-pre-gyp WARN Hit error request to https://github.com/a/b.tar.gz failed, reason:"
           " getaddrinfo ENOTFOUND github.com", "gyp info ok",
           "Error: request to https://binaries.example.sh/engine.gz failed, reason: getaddrinfo "
           "ENOTFOUND binaries.example.sh", "npm error code 1",
           'Error: building at STEP "RUN npm install": exit status 1']  # fmt: skip
    assert image.unreachable_hosts(log) == ["binaries.example.sh", "github.com"]
    fix = image._build_fix(image.unreachable_hosts(log), Path("build.log"), "Dockerfile")
    assert "binaries.example.sh, github.com, which this machine cannot reach" in fix
    assert "CI would fail too" not in fix
    go = ["STEP 4/9: RUN go mod download", "go: github.com/gin-gonic/gin@v1.9.1: Get "
          '"https://proxy.golang.org/github.com/gin-gonic/gin/@v/v1.9.1.mod": dial tcp: lookup '
          "proxy.golang.org on 127.0.0.53:53: no such host"]  # fmt: skip
    assert image.unreachable_hosts(go) == ["proxy.golang.org"]
    assert image.unreachable_hosts(["STEP 1/1: RUN make", "make: *** [all] Error 2"]) == []


def test_an_apt_package_the_base_release_lacks_is_named_not_blamed_on_ci() -> None:
    log = ["STEP 1/3: FROM python:3.11-slim", "STEP 2/3: RUN apt-get update && apt-get -y "
           "install netcat gcc", "Package netcat is a virtual package provided by:",
           "  netcat-openbsd 1.219-1", "E: Package 'netcat' has no installation candidate",
           'Error: building at STEP "RUN apt-get ...": exit status 100']  # fmt: skip
    fix = image.missing_package(log)
    assert fix is not None and "no package `netcat`" in fix and "netcat-openbsd" in fix
    assert image.missing_package(["STEP 1/1: RUN apt-get install -y libpq-dev", "done"]) is None


def test_a_failed_build_shows_its_step_and_what_the_tool_said_first() -> None:
    log = ["[1/2] STEP 1/3: FROM node:20", "[1/2] STEP 2/3: RUN npm ci", "npm error code EUSAGE",
           "npm error `npm ci` can only install with a package-lock.json", *["npm error help"] * 80,
           'Error: building at STEP "RUN npm ci": exit status 1']  # fmt: skip
    step, lines = image.failing_step(log)
    assert step == "RUN npm ci" and len(lines) == 51
    assert "package-lock.json" in lines[2] and lines[-1].startswith("Error: building at STEP")


def test_without_a_container_engine_up_stops_before_provisioning(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    app = tmp_path / "shop"
    shutil.copytree(Path(__file__).parent / "apps" / "shop", app)
    env = {**os.environ, "PATH": str(tmp_path / "empty")}  # no engine, no terraform either
    env.pop("SKYLIFT_ENGINE", None)
    done = subprocess.run([sys.executable, "-m", "skylift", "up", str(app)], env=env,
                          capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert done.returncode == 5, done.stderr
    assert "a container engine (docker, podman or buildah)" in done.stderr
    assert (
        "--no-app" in done.stderr and not (app / ".skylift" / "up" / "local" / "moto.json").exists()
    )


def test_rds_front_is_signed_by_a_ca_the_containers_do_not_trust(tmp_path: Path) -> None:
    """The containers trust the cache's CA (ElastiCache's is public); RDS's CA is in no trust
    store, so the PostgreSQL front's certificate must not verify with that bundle: an app whose
    client verifies (node-postgres' `ssl: true`) fails here as it would on AWS."""
    import socket
    import ssl
    import struct

    from skylift.rehearse import database
    from skylift.rehearse.certs import server_certificate

    cache_ca = server_certificate(tmp_path / "app") / "ca.crt"  # what the cache stand-in uses
    port = database.front(tmp_path, upstream=1, require=True)
    try:

        def handshake(ca: Path) -> None:
            ctx = ssl.create_default_context(cafile=str(ca))
            ctx.check_hostname = False
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(struct.pack("!ii", 8, 80877103))  # SSLRequest
                assert sock.recv(1) == b"S"
                ctx.wrap_socket(sock).close()

        for _ in range(50):  # the front is a process of its own: wait until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                import time

                time.sleep(0.1)
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(cache_ca)
        handshake(tmp_path / "app" / "rds" / "tls" / "ca.crt")  # its own CA verifies it
    finally:
        database.stop_front(tmp_path)


def test_an_addon_whose_source_build_fails_is_named_not_only_the_unreachable_host() -> None:
    """sqlite3@4 on Node 20: no prebuilt binary reachable, and its source build fails; on a
    machine that reaches the host there may be no prebuilt for that Node either."""
    log = [
        "STEP 6/6: RUN yarn install --frozen-lockfile",
        "node-pre-gyp WARN Pre-built binaries not installable for sqlite3@4.0.9 and node@20.20.2",
        "node-pre-gyp WARN Hit error getaddrinfo ENOTFOUND mapbox-node-binary.s3.amazonaws.com",
        "../src/database.cc:12:5: error: 'class v8::Object' has no member named 'ForceSet'",
        "gyp ERR! build error",
        "node-pre-gyp ERR! build error",
    ]
    compiled = image.compile_error(log)
    assert (
        compiled
        == "../src/database.cc:12:5: error: 'class v8::Object' has no member named 'ForceSet'"
    )
    fix = image._build_fix(image.unreachable_hosts(log), Path("b.log"), "Dockerfile", compiled)
    assert "mapbox-node-binary.s3.amazonaws.com" in fix and "ForceSet" in fix
    assert "may well be right" not in fix
    assert image.compile_error(["STEP 1/1: RUN npm ci", "npm ERR! 404 Not Found"]) is None


def test_a_failed_release_step_blames_the_release_command_not_the_start() -> None:
    log = ["$ drizzle-kit migrate --config=./src/drizzle.config.ts",
           "/app/src/drizzle.config.ts file does not exist"]  # fmt: skip
    c = container(kind="release", command=["yarn", "migration:run"])
    fault = diagnose.likely_fault(c, log, [], 1)
    assert fault.startswith("the release command") and "deploy.yml" in fault
    assert "the start command" in diagnose.likely_fault(container(), log, [], 1)


def test_a_buildah_container_resolves_its_own_host_name(tmp_path: Path) -> None:
    """Django settings that compute INTERNAL_IPS from gethostbyname_ex(gethostname()) stopped
    the release with `Name or service not known`: buildah named the container by its ID."""
    import shutil
    import socket
    import subprocess

    from skylift.rehearse.engine import Engine

    engine = Engine("buildah", shutil.which("buildah") or "buildah")
    argv = engine.run_argv("c", "img", ["true"], [])
    assert argv[argv.index("--hostname") + 1] == socket.gethostname()
    image = "python:3.11-slim"
    if (
        shutil.which("buildah") is None
        or subprocess.run(
            ["buildah", "inspect", "--type", "image", image], capture_output=True
        ).returncode
    ):
        pytest.skip(f"SKIPPED LOUDLY: no buildah or no {image} stand-in here")
    name = f"skylift-test-host-{tmp_path.name[-8:]}"
    subprocess.run(["buildah", "from", "--pull-never", "--name", name, image], check=True,
                   capture_output=True)  # fmt: skip
    try:
        code = "import socket; socket.gethostbyname_ex(socket.gethostname())"
        done = subprocess.run(engine.run_argv(name, image, ["python", "-c", code], []),
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        subprocess.run(["buildah", "rm", name], capture_output=True)


def test_a_500_whose_log_holds_a_traceback_names_the_error_not_the_check() -> None:
    """Django's S3 static storage raised on every page (no bucket name): the check was right and
    the diagnosis told the owner to change the health check path."""
    log = ['  File "/venv/lib/python3.9/site-packages/boto3/resources/base.py", line 118',
           "    raise ValueError(", "ValueError: Required parameter name not set"]  # fmt: skip
    checks = [{"status": 500}, {"status": 500}]
    fault = diagnose.likely_fault(container(), log, checks, None)
    assert "ValueError: Required parameter name not set" in fault
    assert "health_check_path" not in fault
    # a wrong path with a clean log still points at the check
    assert "health_check_path" in diagnose.likely_fault(
        container(), ["GET /"], [{"status": 404}], None
    )


def test_an_exit_is_blamed_on_the_exception_it_died_of() -> None:
    """celery beat died of `ModuleNotFoundError`, whose "moduleNOTFOUND" the cache-address clue
    (Node's ENOTFOUND, case-insensitive) matched; a retried connection earlier in a log is not
    why it stopped either."""
    log = ["consumer: Cannot connect to rediss://127.0.0.1:6379/0: connection refused.",
           "Trying again in 2.00 seconds...",
           "ModuleNotFoundError: No module named 'django_celery_beat'"]  # fmt: skip
    fault = diagnose.likely_fault(container(kind="worker"), log, [], 1)
    assert fault.startswith("the start command") and "module" in fault
    assert diagnose.likely_fault(container(kind="worker"), log[2:], [], 1).startswith(
        "the start command"
    )


def test_the_release_step_is_shown_whole() -> None:
    from skylift.rehearse.rehearsal import shown

    assert shown(["alembic", "upgrade", "head"]) == "alembic upgrade head"
    assert shown(["/bin/sh", "-c", "npx prisma migrate deploy"]) == "npx prisma migrate deploy"
