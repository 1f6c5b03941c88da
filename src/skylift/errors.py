"""The one error hierarchy of skylift.

Every failure a user can cause or meet is a `SkyliftError`: it says what happened, why, and what
to do, and carries a distinct exit code. The library raises; the CLI prints (see `cli/_app.py`).

Exit codes (stable, documented in docs/exit-codes.md):

    0   success
    1   unexpected internal error (a bug: please report it with --traceback)
    2   usage error (bad option, bad argument, a TARGET that is not PostgreSQL)
    3   source problem (missing, unreadable, corrupt, locked, empty, cannot connect)
    4   target problem (cannot connect, refused: permission, read-only, disk full; lost)
    5   missing tool (terraform, provider mirror, database server binaries)
    6   repository problem (no app found, unreadable)
    7   configuration problem (skylift.toml invalid)
    8   infrastructure step failed (terraform, local AWS)
    9   refused to overwrite a file the user owns (use --force)
    10  migration finished, but some values were kept in the reject table
    11  verification found a difference between source and target
    12  interrupted (Ctrl-C, SIGTERM): rerun the same command to continue
    13  the work folder (--workdir, .skylift/) cannot be written: read-only, full, not yours
    14  the source changed since its copy (or its schema changed while syncing): the target
        would be stale
    15  the app did not run in the rehearsal: its image did not build, its release step
        failed, or it never became healthy behind the load balancer stand-in
    16  the cutover stopped before its end: an alarm fired (traffic stepped back), or a
        preflight check (health, sync lag, DNS TTL) is not met yet; rerun to go on
"""

from __future__ import annotations


class SkyliftError(Exception):
    """Base of every user-facing error."""

    exit_code = 1
    title = "skylift failed"

    def __init__(self, what: str, why: str = "", fix: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.why = why
        self.fix = fix

    def render(self) -> str:
        lines = [f"error: {self.what}"]
        if self.why:
            lines.append(f"  why: {self.why}")
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


class UsageError(SkyliftError):
    exit_code = 2


class SourceError(SkyliftError):
    exit_code = 3


class TargetError(SkyliftError):
    exit_code = 4


class MissingToolError(SkyliftError):
    exit_code = 5


class RepoError(SkyliftError):
    exit_code = 6


class ConfigError(SkyliftError):
    exit_code = 7


class InfraError(SkyliftError):
    exit_code = 8


class WouldOverwrite(SkyliftError):
    exit_code = 9


class RowsRejected(SkyliftError):
    """The migration completed; some values could not be stored as they are and were kept."""

    exit_code = 10


class VerificationFailed(SkyliftError):
    exit_code = 11


class Interrupted(SkyliftError):
    exit_code = 12


class WorkdirError(SkyliftError):
    """skylift's own folder on this machine (snapshots, embedded servers) cannot be written."""

    exit_code = 13


class SourceChanged(SkyliftError):
    """The source moved on since the target's copy (or changed its schema during a sync): the
    target is not what the source is now, and calling it verified would be a lie."""

    exit_code = 14


class AppDidNotRun(SkyliftError):
    """The rehearsal built or started the app and it did not work: the build failed, the
    release step exited non-zero, or the web service never became healthy. `why` carries the
    log tail and the health checks seen; `fix` the generated setting most likely at fault."""

    exit_code = 15
    app: dict[str, object] | None = None  # what ran (the rehearsal's report), for `up --json`


class CutoverStopped(SkyliftError):
    """`skylift cutover` stopped on purpose: an alarm fired during a traffic step (the traffic
    went back to the previous step), or a preflight check is not met yet. The journal keeps
    every finished step: a rerun goes on from there."""

    exit_code = 16


class Signalled(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread by the CLI's handler (cli/_app.py).

    A KeyboardInterrupt, so everything unwinds as for Ctrl-C: psycopg cancels the query in
    progress, transactions roll back, the worker pools kill their workers (db/_pool.py). Not a
    SkyliftError, so no `except Exception` swallows it. The CLI then reports `Interrupted`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


EXIT_CODES: dict[str, int] = {
    cls.__name__: cls.exit_code
    for cls in (
        UsageError,
        SourceError,
        TargetError,
        MissingToolError,
        RepoError,
        ConfigError,
        InfraError,
        WouldOverwrite,
        RowsRejected,
        VerificationFailed,
        Interrupted,
        WorkdirError,
        SourceChanged,
        AppDidNotRun,
        CutoverStopped,
    )
}
