"""What the code does: cookies, disk writes, hard-coded secrets, health, cron, outbound APIs."""

from __future__ import annotations

import json

import pytest

PKG = json.dumps({"name": "app", "dependencies": {"express": "4", "node-cron": "3"}})


def findings(scan_files, code: str, path: str = "src/app.js") -> dict[str, list[str]]:
    p = scan_files({"package.json": PKG, path: code})
    return {f.code: [str(e) for e in f.evidence] for f in p.findings}


def test_express_session_cookie_without_secure(scan_files) -> None:
    code = "app.use(session({\n  secret: process.env.S,\n  cookie: { httpOnly: true },\n}));\n"
    assert findings(scan_files, code)["cookie-not-secure"] == ["src/app.js:1"]


def test_cookie_with_secure_is_fine(scan_files) -> None:
    code = (
        "res.cookie('sid', v, { httpOnly: true, secure: process.env.NODE_ENV === 'production' });\n"
    )
    assert "cookie-not-secure" not in findings(scan_files, code)


def test_next_cookies_set_without_secure(scan_files) -> None:
    code = "cookies().set('s', v, { httpOnly: true, sameSite: 'lax' });\n"
    assert findings(scan_files, code, "lib/session.ts")["cookie-not-secure"] == ["lib/session.ts:1"]


def test_local_disk_writes(scan_files) -> None:
    code = "const fs = require('fs');\nfs.writeFileSync(path, buf);\nconst up = multer({ dest: 'uploads/' });\n"
    assert findings(scan_files, code)["writes-local-disk"] == ["src/app.js:2", "src/app.js:3"]


def test_hard_coded_secret_fallback_is_found_and_masked(scan_files) -> None:
    code = "const JWT_SECRET = process.env.JWT_SECRET || 'dev-secret-123';\n"
    p = scan_files({"package.json": PKG, "src/auth.js": code})
    f = next(f for f in p.findings if f.code == "hardcoded-secret")
    assert str(f.evidence[0]) == "src/auth.js:1"
    assert "dev-secret-123" not in json.dumps(p.as_dict())


def test_token_shapes_are_found_and_masked(scan_files) -> None:
    key = "AKIA" + "ABCDEFGHIJKLMNOP"
    p = scan_files({"package.json": PKG, "src/s3.js": f"const id = '{key}';\n"})
    assert "hardcoded-secret" in {f.code for f in p.findings}
    assert key not in json.dumps(p.as_dict())


def test_env_lookup_is_not_a_hard_coded_secret(scan_files) -> None:
    code = "const token = process.env.API_TOKEN;\nconst type = { token: 'Bearer' };\n"
    assert "hardcoded-secret" not in findings(scan_files, code)


def test_no_health_endpoint_is_a_finding(scan_files) -> None:
    f = findings(scan_files, "app.get('/', (req, res) => res.send('hi'));\n")
    assert "no-health-endpoint" in f


def test_health_route_found(scan_files) -> None:
    p = scan_files({"package.json": PKG, "src/app.js": "app.get('/healthz', ok);\n"})
    assert (p.health_path.value, str(p.health_path.evidence[0])) == ("/healthz", "src/app.js:1")
    assert "no-health-endpoint" not in {f.code for f in p.findings}


def test_node_cron_job_and_in_process_finding(scan_files) -> None:
    p = scan_files({"package.json": PKG, "src/jobs.js": "\ncron.schedule('*/5 * * * *', sync);\n"})
    job = p.jobs[0]
    assert (job.kind, job.schedule, str(job.evidence[0])) == (
        "cron",
        "*/5 * * * *",
        "src/jobs.js:2",
    )
    assert "cron-in-process" in {f.code for f in p.findings}


def test_nest_cron_named_job(scan_files) -> None:
    code = "@Cron('0 3 * * *', { name: 'nightly' })\nasync cleanup() {}\n@Cron(CronExpression.EVERY_HOUR)\nasync tick() {}\n"
    p = scan_files(
        {
            "package.json": json.dumps({"name": "a", "dependencies": {"@nestjs/schedule": "4"}}),
            "src/t.service.ts": code,
        }
    )
    assert sorted((j.name, j.schedule) for j in p.jobs) == [
        ("nightly", "0 3 * * *"),
        ("tick", "CronExpression.EVERY_HOUR"),
    ]


def test_outbound_api_urls(scan_files) -> None:
    code = "fetch('https://api.github.com/repos/x');\nfetch('https://hooks.slack.com/services/T');\nfetch('https://example.com');\n"
    p = scan_files({"package.json": PKG, "src/app.js": code})
    assert [a.value for a in p.outbound_apis] == ["github", "slack"]


def test_test_files_are_not_app_code(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            "src/app.test.js": "fs.writeFileSync('x', y);\n",
            "tests/a.js": "process.env.ONLY_IN_TESTS;\n",
        }
    )
    assert "writes-local-disk" not in {f.code for f in p.findings}
    assert p.env == []


def test_health_router_mounted_with_use(scan_files) -> None:
    assert (
        scan_files(
            {"package.json": PKG, "src/app.js": "app.use('/health', healthRouter);\n"}
        ).health_path.value
        == "/health"
    )


def test_disk_writes_in_scripts_are_not_runtime(scan_files) -> None:
    assert "writes-local-disk" not in findings(
        scan_files, "fs.writeFileSync('dump.json', s);\n", "scripts/export.js"
    )


def test_all_letter_secret_is_still_a_secret(scan_files) -> None:
    assert "hardcoded-secret" in findings(scan_files, "const JWT_SECRET = 'mysupersecret';\n")


def test_env_var_name_literal_is_not_a_secret(scan_files) -> None:
    assert "hardcoded-secret" not in findings(scan_files, "const secretName = 'JWT_SECRET';\n")


def test_business_status_route_is_not_a_health_check(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            "src/app.js": "app.get('/orders/status', list);\napp.get('/api/status', ok);\n",
        }
    )
    assert p.health_path.value == "/api/status"


def test_health_beats_ping(scan_files) -> None:
    p = scan_files(
        {
            "package.json": PKG,
            "src/app.js": "app.get('/ping', pong);\napp.get('/internal/healthz', ok);\n",
        }
    )
    assert p.health_path.value == "/internal/healthz"


@pytest.mark.timeout(30)
def test_pathological_text_scans_in_linear_time(scan_files) -> None:
    """Long dotted runs, base64 blobs and repeated words once made a regex backtrack for minutes."""
    # each file stays under 20 kB so it is scanned, not skipped as generated
    files = {
        "src/dots.js": "a." * 9_900,
        "src/words.js": "token" * 3_900,
        "src/paren.js": "x = (" * 3_900,
    }
    p = scan_files({"package.json": PKG, **files, "go.mod": "module x\n" + "a." * 20_000})
    assert p.framework.value == "express"


def test_a_message_broker_client_is_a_blocker_the_plan_names(scan_files) -> None:
    """RabbitMQ and NATS clients in go.mod (not the ones another module pulls in): the plan
    creates neither broker, so the app's connection has nowhere to go on AWS."""
    mod = (
        "module x\n\ngo 1.22\n\nrequire (\n\tgithub.com/gofiber/fiber/v2 v2.52.0\n"
        "\tgithub.com/rabbitmq/amqp091-go v1.10.0\n\tgithub.com/nats-io/nats.go v1.31.0\n"
        "\tgithub.com/segmentio/kafka-go v0.4.47 // indirect\n)\n"
    )
    p = scan_files({"go.mod": mod, "main.go": "package main\n\nfunc main() {}\n"})
    (found,) = [f for f in p.findings if f.code == "broker-not-built"]
    assert found.title == "The app connects to RabbitMQ and NATS, which this plan does not create"
    assert [str(e) for e in found.evidence] == ["go.mod:7", "go.mod:8"]
    assert found.severity == "blocker" and "Amazon MQ for RabbitMQ" in found.suggestion


@pytest.mark.parametrize(
    ("command", "flagged"),
    [
        ("celery --app=core worker --loglevel=info --logfile=logs/celery.log", True),
        ("celery --app=core worker --loglevel=info", False),
        ("gunicorn app:app --error-logfile - --access-logfile -", False),
    ],
)
def test_a_worker_that_logs_to_a_file(scan_files, command, flagged) -> None:
    compose = f"services:\n  web:\n    build: .\n  celery:\n    build: .\n    command: {command}\n"
    p = scan_files(
        {
            "requirements.txt": "django\ncelery\nredis\n",
            "manage.py": "",
            "docker-compose.yml": compose,
        }
    )
    found = [str(e) for f in p.findings if f.code == "logs-to-file" for e in f.evidence]
    assert found == (["docker-compose.yml:4"] if flagged else [])  # the worker, as its job says
