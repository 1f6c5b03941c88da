"""What the app's code does, whatever its language: routes to a health endpoint, scheduled jobs,
cookies, writes to local disk, hard-coded secrets and the APIs it calls."""

from __future__ import annotations

import posixpath
import re

from skylift.scan import _tsconfig
from skylift.scan._facts import Draft
from skylift.scan._repo import SourceFile
from skylift.scan.model import Evidence, Fact, Job


def _health_patterns(words: str, prefix: str) -> list[re.Pattern[str]]:
    path = rf"{prefix}(?:{words})"
    return [
        re.compile(
            rf"\.(?:get|all|head|route|use)\(\s*['\"`](/{path})['\"`]"
        ),  # Express, Fastify, Koa
        re.compile(rf"\.(?:GET|Get|HEAD|Any|HandleFunc|Handle)\(\s*\"(/{path})/?\""),  # Go routers
        re.compile(rf"@\w+\.(?:get|route|api_route)\(\s*['\"](/{path})/?['\"]"),  # Flask, FastAPI
        re.compile(rf"\bpath\(\s*['\"]({path})/?['\"]"),  # Django
    ]


# "health" anywhere in a route is a health check; "status" or "ping" only near the root, since
# /orders/status is business, not liveness
HEALTH = _health_patterns(
    r"health|healthz|healthcheck|livez|readyz", r"(?:[\w-]+/)*"
) + _health_patterns(r"ping|status|ready|live", r"(?:(?:api|v\d|internal|system|_?admin)/)?")
CRON = [
    # @nestjs/schedule: @Cron('0 0 1 * *', { name: 'x' }) above the method it runs
    (
        re.compile(
            r"@Cron\(\s*(?:['\"]([^'\"]+)['\"]|CronExpression\.(\w+))([^)]*)\)\s*(?:async\s+)?(\w+)"
        ),
        "nestjs",
    ),
    (re.compile(r"\bcron\.schedule\(\s*['\"]([^'\"]+)['\"]"), "node-cron"),
    (re.compile(r"new\s+CronJob\(\s*['\"]([^'\"]+)['\"]"), "cron"),
    (
        re.compile(r"\bscheduleJob\(\s*(?:['\"][\w-]+['\"]\s*,\s*)?['\"]([^'\"]+)['\"]"),
        "node-schedule",
    ),
    (re.compile(r"\.AddFunc\(\s*\"([^\"]+)\""), "robfig/cron"),
]
COOKIE_CALLS = re.compile(
    r"(?:\bsession|\bcookieSession|\.cookie|cookies\(\)\.set|\.cookies\.set|\bset_cookie|http\.Cookie)\s*[({]"
)
DISK_WRITES = re.compile(
    r"\bfs\.(?:promises\.)?(?:writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream)\(|"
    r"\bmulter\.diskStorage\(|\bmulter\(\s*\{\s*dest\s*:|"
    r"\b(?:os|ioutil)\.(?:WriteFile|Create|OpenFile)\(|"
    r"\bopen\([^)\n]*,\s*['\"][wax]b?\+?['\"]|\.save\(\s*os\.path\.join\("
)
# an identifier (matched from its first character only, so long dotted runs cost linear time),
# an assignment, an optional env fallback, then a literal; the name is checked in Python
SECRET_ASSIGN = re.compile(
    r"(?<![\w.$])([A-Za-z_$][\w.$]*)['\"]?\s*(?::=|[:=])\s*"
    r"(?:process\.env\.\w+\s*(?:\|\||\?\?)\s*|os\.(?:environ\.get|getenv)\(\s*['\"]\w+['\"]\s*,\s*)?"
    r"(['\"])([^'\"\n]{4,})\2"
)
SECRET_NAME = re.compile(
    r"(?i)secret|password|passwd|api_?key|private_?key|token|pepper|signing_?key"
)
# names that hold a label about a secret, not the secret: ACCESS_TOKEN_TYPE, PASSWORD_FIELD ...
LABEL_NAME = re.compile(
    r"(?i)(?:secret|password|passwd|key|token)_?(?:type|kind|name|header|field|prefix|label|msg|"
    r"message|error|url|uri|path|length|len|min|max|expire\w*|ttl|algorithm|alg|scheme|param|"
    r"column|id|env|var|regex|pattern|hint|placeholder|policy|reset\w*|route)$|"
    r"^(?:type|kind|label|msg|message|error|header|field|placeholder|route|url|path)"
)
# a credentials-bearing URL in a config file the app ships (alembic.ini, config/*.yml)
URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://([^:/@\s'\"]+):([^@\s'\"]+)@[\w.-]+")
PLACEHOLDER_PASSWORDS = re.compile(
    r"^(?:pass(?:word)?|passwd|secret|\*+|x+|changeme|<[^>]*>|\{[^}]*\}|\$.*|%\(.*)$", re.I
)
CONFIG_FILES = re.compile(
    r"(?:^|/)(?:[\w.-]+\.(?:ini|cfg|conf)|config/[\w.-]+\.(?:ya?ml|json|toml)|[\w.-]*settings[\w.-]*\.(?:ya?ml|json|toml))$"
)
TOKEN_SHAPES = re.compile(
    r"AKIA[0-9A-Z]{16}|sk_live_[0-9A-Za-z]{10,}|gh[pousr]_[0-9A-Za-z]{30,}|xox[baprs]-[0-9A-Za-z-]{10,}|"
    r"-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----|\bsk-[A-Za-z0-9]{32,}"
)
# labels and env-var names, not values: `type: 'Bearer'`, `secretName: 'JWT_SECRET'`
NOT_SECRETS = re.compile(
    r"^(?:(?i:bearer|basic|password|secret|token|api[_-]?key|authorization)|[A-Z][A-Z0-9_]*)$"
)
API_URL = re.compile(r"['\"`]https://((?:api|hooks|graph|oauth2?)\.[a-z0-9.-]+\.[a-z]{2,})")
KNOWN_HOSTS = {
    "api.github.com": "github",
    "api.stripe.com": "stripe",
    "api.openai.com": "openai",
    "hooks.slack.com": "slack",
    "api.sendgrid.com": "sendgrid",
    "api.twilio.com": "twilio",
}


# bool(os.environ.get("DEBUG", 0)): any non-empty string is True, "0" and "False" included
_BOOL_OF_ENV = re.compile(
    r"\bbool\(\s*(?:os\.)?(?:environ\.get|getenv)\(\s*['\"]([A-Z_][A-Z0-9_]*)['\"]"
)


def _bool_of_string(draft: Draft) -> None:
    if draft.language != "python":
        return
    hits = list(draft.repo.grep(_BOOL_OF_ENV, (".py",)))
    if hits:
        names = sorted({m.group(1) for _, m in hits})
        draft.finding(
            "env-bool-of-string",
            f"{', '.join(names)} is read with bool(): any value but an empty one is True",
            f"`{names[0]}=0` or `=False` turns it on (DEBUG on in production): compare the text, "
            f"e.g. `os.environ.get('{names[0]}', '0').lower() in ('1', 'true', 'yes')`; skylift "
            "leaves it unset until then",
            [src.evidence(offset=m.start()) for src, m in hits][:5],
        )


def scan(draft: Draft) -> None:
    _health(draft)
    _cron(draft)
    _cookies(draft)
    _disk(draft)
    _secrets(draft)
    _bool_of_string(draft)
    _brokers(draft)
    _file_logs(draft)
    for src, m in draft.repo.grep(API_URL, draft.code_exts):
        host = m.group(1)
        draft.outbound(KNOWN_HOSTS.get(host, host), src.evidence(offset=m.start()), "medium")
    if not draft.profile.health_path:
        draft.finding(
            "no-health-endpoint",
            "No health endpoint",
            _health_suggestion(
                str(draft.profile.framework.value) if draft.profile.framework else ""
            ),
            [],
            confidence="medium",  # an absence: a route built in an unusual way could be missed
        )


# clients of a message broker the plan builds nothing for (it moves PostgreSQL and Redis)
BROKER_CLIENTS = {
    "github.com/rabbitmq/amqp091-go": "RabbitMQ",
    "github.com/streadway/amqp": "RabbitMQ",
    "amqplib": "RabbitMQ",
    "amqp-connection-manager": "RabbitMQ",
    "pika": "RabbitMQ",
    "aio-pika": "RabbitMQ",
    "github.com/nats-io/nats.go": "NATS",
    "nats": "NATS",
    "nats-py": "NATS",
    "github.com/segmentio/kafka-go": "Kafka",
    "github.com/IBM/sarama": "Kafka",
    "github.com/Shopify/sarama": "Kafka",
    "kafkajs": "Kafka",
    "kafka-python": "Kafka",
    "confluent-kafka": "Kafka",
    "aiokafka": "Kafka",
}
_BROKER_SERVICE = {
    "RabbitMQ": "Amazon MQ for RabbitMQ",
    "NATS": "a NATS server as an ECS service of its own, or a hosted NATS",
    "Kafka": "Amazon MSK (Serverless, or a kafka.t3.small cluster)",
}


# a process told to write its log into a file (`--logfile=logs/celery.log`, gunicorn's
# `--error-logfile app.log`, `>> out.log`) rather than to stdout (`-`)
_LOG_FILE = re.compile(
    r"(?:--logfile|--(?:access|error)-logfile|--log-file)[= ](?!-(?:\s|$))(\S+)|>>?\s*(\S+\.log)\b"
)


def _file_logs(draft: Draft) -> None:
    """On ECS only what a process writes to stdout and stderr reaches CloudWatch: a log file
    stays in the task's disk, unread, and goes with the task."""
    commands = [(j.command, j.evidence) for j in draft.profile.jobs if j.kind == "worker"]
    if best := draft.starts.best():
        commands.append((str(best.value), best.evidence))
    for command, evidence in commands:
        if m := _LOG_FILE.search(command):
            draft.finding(
                "logs-to-file",
                f"A process writes its log to a file ({m.group(1) or m.group(2)}), which CloudWatch never sees",
                "drop the log-file option (or give `-`): on ECS only stdout and stderr reach "
                "the task's CloudWatch log group; a file stays on the task's disk and goes with it",
                evidence[:1],
            )
            return


def _brokers(draft: Draft) -> None:
    """RabbitMQ, NATS or Kafka clients: the plan creates no broker, so on AWS the app's
    connection has nowhere to go (an app that connects at start never becomes healthy)."""
    found: dict[str, list[Evidence]] = {}
    for dep, broker in BROKER_CLIENTS.items():
        ev = draft.deps.get(dep)
        if ev is not None and not (ev.excerpt or "").endswith("// indirect"):
            found.setdefault(broker, []).append(ev)
    if not found:
        return
    names = " and ".join(found)
    services = "; ".join(_BROKER_SERVICE[b] for b in found)
    draft.finding(
        "broker-not-built",
        f"The app connects to {names}, which this plan does not create",
        f"create what the tasks can reach ({services}; not priced here) and give its URL under "
        "[env] in skylift.toml, or move the queue onto the Redis the plan creates (or SQS); "
        "until then the connection fails on AWS",
        [ev for where in found.values() for ev in where][:4],
        "blocker",
    )


def _health(draft: Draft) -> None:
    if draft.profile.health_path:
        return
    for pattern in HEALTH:
        for src, m in draft.repo.grep(pattern, draft.code_exts):
            path = m.group(1) if m.group(1).startswith("/") else "/" + m.group(1)
            prefix = mount_prefix(draft, src)
            draft.profile.health_path = Fact(
                prefix + path, [src.evidence(offset=m.start())], "high"
            )
            return


def mount_prefix(draft: Draft, router: SourceFile) -> str:
    """`app.use('/api/system', systemRoutes)` where systemRoutes is this file: '/api/system'."""
    importer = re.compile(
        r"(\w+)\s*=\s*require\(\s*['\"]([^'\"]+)['\"]\s*\)|import\s+(\w+)\s+from\s+['\"]([^'\"]+)['\"]"
    )
    # `@/routes/system` (tsconfig paths) and `routes/system` (baseUrl) name files too
    tsconfig = _tsconfig.load(draft.repo) if draft.language == "node" else None
    for src in draft.repo.code(draft.code_exts):
        for m in importer.finditer(src.text):
            name, spec = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if _tsconfig.resolve(draft.repo, tsconfig, src.path, spec) != router.path:
                continue
            use = re.search(
                rf"\.use\(\s*['\"](/[^'\"]*)['\"]\s*,\s*(?:[\w.]+\s*,\s*)*{name}\b", src.text
            )
            if use:
                return use.group(1).rstrip("/")
    return ""


def _health_suggestion(framework: str) -> str:
    examples = {
        "express": "app.get('/health', (req, res) => res.json({ status: 'ok' }))",
        "fastify": "app.get('/health', async () => ({ status: 'ok' }))",
        "nestjs": "a HealthController with @Get('health') (or @nestjs/terminus)",
        "nextjs": "app/api/health/route.ts exporting GET() { return Response.json({ status: 'ok' }) }",
        "gin": 'r.GET("/health", func(c *gin.Context) { c.JSON(200, gin.H{"status": "ok"}) })',
        "flask": "@app.get('/health') returning {'status': 'ok'}",
        "fastapi": "@app.get('/health') returning {'status': 'ok'}",
        "django": "path('health/', lambda r: JsonResponse({'status': 'ok'}))",
    }
    how = examples.get(framework, "a GET /health route that returns 200")
    return (
        f"add {how}; the load balancer checks it to decide whether a task is healthy, and should "
        "also run a cheap query (SELECT 1) so a lost database connection takes the task out"
    )


def _cron(draft: Draft) -> None:
    for pattern, library in CRON:
        for src, m in draft.repo.grep(pattern, draft.code_exts):
            schedule = m.group(1) or f"CronExpression.{m.group(2)}"
            line = src.line_at(m.start())
            name = f"{posixpath.basename(src.path).split('.')[0]}:{line}"
            if library == "nestjs":
                named = re.search(r"name\s*:\s*['\"]([\w:.-]+)['\"]", m.group(3) or "")
                name = named.group(1) if named else m.group(4)
            command = f"in-process ({library})"
            draft.job(Job(name, command, schedule, "cron", [src.evidence(line)]))
    crons = [
        j for j in draft.profile.jobs if j.kind == "cron" and j.command.startswith("in-process")
    ]
    if crons:
        draft.finding(
            "cron-in-process",
            f"{len(crons)} scheduled job(s) run inside the web process",
            "with more than one task each job runs once per task: guard it with an env flag "
            "(e.g. RUN_CRON=false on the web service) and run it from EventBridge Scheduler as its "
            "own ECS task, or keep exactly one task",
            [e for j in crons for e in j.evidence],
        )


def call_text(text: str, start: int, limit: int = 800) -> str:
    """The text of a call or literal from its opening bracket to the matching close."""
    depth = 0
    for i in range(start, min(len(text), start + limit)):
        c = text[i]
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
            if depth <= 0:
                return text[start : i + 1]
    return text[start : start + limit]


def _not_a_secret(name: str, value: str) -> bool:
    """A label, a message or a reference, not a value to hide."""
    if NOT_SECRETS.match(value) or value.startswith(("$", "{", "<", "http")) or "${" in value:
        return True
    if len(value.split()) >= 3:
        return True  # a sentence: an error message about the password
    # short values count only for passwords (PASSWORD = "12345"); a 4-letter key is a label
    return len(value) < 6 and not re.search(r"(?i)pass", name)


def _cookies(draft: Draft) -> None:
    evidence: list[Evidence] = []
    for src, m in draft.repo.grep(COOKIE_CALLS, draft.code_exts):
        call = call_text(src.text, m.end() - 1)
        name = m.group(0)
        is_session = name.startswith(("session", "cookieSession"))
        if is_session and not re.search(r"cookie|secret|maxAge", call):
            continue  # some other function named session
        if re.search(r"\bsecure\b|Secure\s*:", call):
            continue
        evidence.append(src.evidence(offset=m.start()))
    for src, m in draft.repo.grep(re.compile(r"\.SetCookie\(([^)]*)\)"), (".go",)):
        args = [a.strip() for a in m.group(1).split(",")]
        if len(args) >= 6 and args[5] == "false":
            evidence.append(src.evidence(offset=m.start()))
    if evidence:
        draft.finding(
            "cookie-not-secure",
            "Cookies set without `secure`",
            "set `secure: true` (and keep httpOnly, sameSite) on every session cookie; behind the "
            "ALB the app sees plain HTTP, so also trust the proxy (`app.set('trust proxy', 1)` in "
            "Express) so secure cookies are still sent",
            evidence,
        )


def _disk(draft: Draft) -> None:
    # scripts/ holds one-off tools run by hand, not the server's runtime behaviour
    evidence = [
        src.evidence(offset=m.start())
        for src, m in draft.repo.grep(DISK_WRITES, draft.code_exts)
        if not src.path.startswith(("scripts/", "bin/"))
    ]
    if evidence:
        draft.finding(
            "writes-local-disk",
            "Writes files to the local disk",
            "a Fargate task's disk is gone on every deploy or restart: put uploads and generated "
            "files in S3 (PutObject with the task role's credentials), or mount EFS if the files "
            "must stay a filesystem",
            evidence,
        )


def _secrets(draft: Draft) -> None:
    evidence: list[Evidence] = []
    for src, m in draft.repo.grep(SECRET_ASSIGN, draft.code_exts):
        name = m.group(1).rsplit(".", 1)[-1]
        if not SECRET_NAME.search(name) or LABEL_NAME.search(name):
            continue
        value = m.group(3)
        if _not_a_secret(name, value):
            continue
        evidence.append(src.evidence(offset=m.start()))
    for src, m in draft.repo.grep(URL_CREDENTIALS, draft.code_exts):
        if not PLACEHOLDER_PASSWORDS.match(m.group(2)):
            evidence.append(src.evidence(offset=m.start()))
    for rel in draft.repo.files:
        config = draft.repo.read(rel) if CONFIG_FILES.search(rel) and rel.count("/") <= 3 else None
        for m in URL_CREDENTIALS.finditer(config.text if config else ""):
            if config and not PLACEHOLDER_PASSWORDS.match(m.group(2)):
                evidence.append(config.evidence(offset=m.start()))
    for src, m in draft.repo.grep(TOKEN_SHAPES, draft.code_exts):
        ev = src.evidence(offset=m.start())
        evidence.append(Evidence(ev.file, ev.line, (ev.excerpt or "").replace(m.group(0), "***")))
    if evidence:
        draft.finding(
            "hardcoded-secret",
            "Secret values written in the code",
            "read them from the environment only (skylift stores them in Secrets Manager and the "
            "task gets them at start); fail at startup when one is missing instead of falling back "
            "to a default; rotate any that were real, since they are in git history",
            evidence,
            confidence="medium",  # found by variable names and token shapes
        )
