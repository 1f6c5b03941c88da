"""The scan in progress: the profile being filled, plus candidates that need a vote at the end.

Several files often state the same fact (the port in code, in the Dockerfile, in .env.example);
the scanners add candidates with a weight, and `Draft.finish` keeps the best-supported value with
all its evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from skylift.scan._names import confidence
from skylift.scan._repo import CODE_EXTS, Repo, SourceFile
from skylift.scan.image import upto_stage
from skylift.scan.model import (
    AppProfile,
    Confidence,
    Database,
    EnvVar,
    Evidence,
    Fact,
    Finding,
    Job,
)

LANGUAGE_EXTS = {
    "node": (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"),
    "go": (".go",),
    "python": (".py",),
}
_RANK = {"low": 0, "medium": 1, "high": 2}
MAX_EVIDENCE = 12  # enough to find every place by hand; more only bloats the report


@dataclass
class Candidates:
    """Values proposed for one fact, each with evidence and a weight (3 = stated, 1 = guessed)."""

    _votes: dict[Any, tuple[int, list[Evidence]]] = field(default_factory=dict)

    def add(self, value: Any, evidence: Evidence | None, weight: int = 2) -> None:
        score, evs = self._votes.get(value, (0, []))
        if evidence is not None and evidence not in evs:
            evs.append(evidence)
        self._votes[value] = (score + weight, evs)

    def replace(self, old: Any, new: Any) -> None:
        """A value found to be wrong in a way that can be computed (tsc's output path)."""
        if old in self._votes and old != new:
            self._votes = {(new if k == old else k): v for k, v in self._votes.items()}

    def best(self) -> Fact | None:
        if not self._votes:
            return None
        # ties go to the value proposed first: scanners add the most specific source first
        value, (score, evs) = max(self._votes.items(), key=lambda kv: kv[1][0])
        confidence: Confidence = "high" if score >= 3 else "medium" if score >= 2 else "low"
        return Fact(value, evs[:MAX_EVIDENCE], confidence)


@dataclass
class Draft:
    repo: Repo
    profile: AppProfile
    language: str = "unknown"
    deps: dict[str, Evidence] = field(default_factory=dict)  # every declared dependency
    ports: Candidates = field(default_factory=Candidates)
    hosts: Candidates = field(default_factory=Candidates)
    starts: Candidates = field(default_factory=Candidates)
    builds: Candidates = field(default_factory=Candidates)
    releases: Candidates = field(default_factory=Candidates)
    _env: dict[str, EnvVar] = field(default_factory=dict)

    @property
    def code_exts(self) -> tuple[str, ...]:
        """The app's own source files: a Python helper script in a Node repo is not app code."""
        return LANGUAGE_EXTS.get(self.language, tuple(sorted(CODE_EXTS)))

    def dockerfile(self) -> SourceFile | None:
        """The Dockerfile of the production image (scan/image.py), not a development one."""
        fact = self.profile.dockerfile
        src = self.repo.read(str(fact.value["path"])) if fact else None
        if src is None or not fact or not fact.value["target"]:
            return src
        return SourceFile(src.path, upto_stage(src.text, str(fact.value["target"])))

    def has_dep(self, *names: str) -> str | None:
        return next((n for n in names if n in self.deps), None)

    def database(
        self, engine: str, evidence: Evidence, confidence: Confidence = "high"
    ) -> Database:
        """The profile's database for `engine`, created on first mention."""
        for db in self.profile.databases:
            if db.engine == engine:
                if evidence not in db.evidence:
                    db.evidence.append(evidence)
                return db
        db = Database(engine=engine, evidence=[evidence], confidence=confidence)
        self.profile.databases.append(db)
        return db

    def service(self, name: str, evidence: Evidence, confidence: Confidence = "high") -> None:
        _add_fact(self.profile.services, name, evidence, confidence)

    def outbound(self, name: str, evidence: Evidence, confidence: Confidence = "high") -> None:
        _add_fact(self.profile.outbound_apis, name, evidence, confidence)

    def env(
        self,
        name: str,
        kind: str,
        evidence: Evidence,
        example: str | None = None,
        url: dict[str, str] | None = None,
    ) -> None:
        var = self._env.get(name)
        if var is None:
            var = self._env[name] = EnvVar(name=name, kind=kind, confidence=confidence(name))  # type: ignore[arg-type]
        elif kind == "secret" and var.kind == "config":
            var.kind, var.example = "secret", None  # one source saw a secret: it is one
        if evidence not in var.evidence and len(var.evidence) < MAX_EVIDENCE:
            var.evidence.append(evidence)
        if var.kind == "config" and example and not var.example:
            var.example = example
        if url and not var.url:
            var.url = url

    def env_vars(self) -> list[EnvVar]:
        return list(self._env.values())

    def env_read(self, name: str) -> None:
        """The app's code reads `name` (not only a file that declares it)."""
        if name in self._env:
            self._env[name].read_in_code = True

    def job(self, job: Job) -> None:
        for known in self.profile.jobs:
            if (
                known.kind == job.kind
                and known.command == job.command
                and known.schedule == job.schedule
            ):
                known.evidence.extend(e for e in job.evidence if e not in known.evidence)
                if _RANK[job.confidence] > _RANK[known.confidence]:
                    known.confidence = job.confidence  # a second, stronger source confirms it
                return
        self.profile.jobs.append(job)

    def finding(
        self,
        code: str,
        title: str,
        suggestion: str,
        evidence: Iterable[Evidence],
        severity: str = "change",
        confidence: Confidence = "high",
    ) -> None:
        evs = list(dict.fromkeys(evidence))
        for known in self.profile.findings:
            if known.code == code:
                known.evidence.extend(e for e in evs if e not in known.evidence)
                return
        self.profile.findings.append(
            Finding(code, title, suggestion, severity, evs, confidence)  # type: ignore[arg-type]
        )

    def finish(self) -> AppProfile:
        p = self.profile
        p.port = self.ports.best()
        p.current_host = self.hosts.best() or Fact("local", [], "low")
        p.start_command = self.starts.best()
        for job in p.jobs:  # a role chosen by an env var runs the web's own command
            if job.kind == "worker" and not job.command and p.start_command:
                job.command = str(p.start_command.value)
        p.build_command = self.builds.best()
        p.release_command = self.releases.best()
        p.env = sorted(self._env.values(), key=lambda v: v.name)
        p.services.sort(key=lambda f: str(f.value))
        p.outbound_apis.sort(key=lambda f: str(f.value))
        p.jobs.sort(key=lambda j: (j.kind, j.name))
        order = {"blocker": 0, "change": 1, "info": 2}
        p.findings.sort(key=lambda f: (order.get(f.severity, 3), f.code))
        for f in p.findings:
            f.evidence.sort(key=lambda e: (e.file, e.line or 0))
            del f.evidence[MAX_EVIDENCE * 2 :]
        return p


def _add_fact(facts: list[Fact], value: str, evidence: Evidence, confidence: Confidence) -> None:
    for fact in facts:
        if fact.value == value:
            if evidence not in fact.evidence and len(fact.evidence) < MAX_EVIDENCE:
                fact.evidence.append(evidence)
            return
    facts.append(Fact(value, [evidence], confidence))
