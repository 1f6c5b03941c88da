"""A TypeScript app's start command against where tsc really writes: `node dist/index.js`
when tsc, with no `rootDir` and a file outside src/ in the build, writes dist/src/index.js."""

from __future__ import annotations

import re

from skylift.scan import _tsconfig
from skylift.scan._facts import Draft

_PROJECT = re.compile(r"\btsc\b[^&|;]*?(?:-p|--project)\s+(\S+)")
_NODE_FILE = re.compile(
    r"(?:^|\s)node\s+(?:-{1,2}[\w-]+(?:[ =]\S+)?\s+)*([\w./-]+?(?:\.[cm]?js)?)(?=\s|$)"
)


def config_for_build(draft: Draft) -> _tsconfig.TsConfig | None:
    """The tsconfig the build compiles with: `tsc -p X` in the build script, Nest's
    tsconfig.build.json, else tsconfig.json."""
    from skylift.scan.node import scripts

    body = " ".join(scripts(draft).values())
    m = _PROJECT.search(body)
    if m:
        rel = m.group(1).removeprefix("./")
        return _tsconfig.load(draft.repo, rel if rel.endswith(".json") else rel + "/tsconfig.json")
    if "nest build" in body and draft.repo.has("tsconfig.build.json"):
        return _tsconfig.load(draft.repo, "tsconfig.build.json")
    return _tsconfig.load(draft.repo)


def check_start(draft: Draft) -> None:
    """Point the start command at the file tsc writes, and say why, with the tsconfig line."""
    if draft.language != "node" or "typescript" not in draft.deps:
        return
    best = draft.starts.best()
    m = _NODE_FILE.search(str(best.value)) if best else None
    cfg = config_for_build(draft) if m else None
    out = _tsconfig.emitted(draft.repo, cfg) if cfg else {}
    if best is None or m is None or cfg is None or not out:
        return
    named = m.group(1).removeprefix("./")
    target = named if named.endswith(("js", ".cjs", ".mjs")) else named + ".js"
    written = set(out.values())
    out_dir = cfg.option_path("outDir") or ""
    if target in written or not target.startswith(out_dir + "/") or draft.repo.has(target):
        return
    # the same file in a folder below outDir (dist/src/index.js): where tsc writes it
    below = target.removeprefix(out_dir + "/")
    same = [w for w in written if w.endswith("/" + below)]
    if len(same) != 1:
        return
    fixed = str(best.value).replace(m.group(1), same[0], 1)
    draft.starts.replace(best.value, fixed)
    root = cfg.option_path("rootDir") or _tsconfig.common_root(list(out))
    src = draft.repo.read(cfg.path)
    draft.finding(
        "ts-out-path",
        f"The start command runs {named}, but tsc writes {same[0]}",
        f"tsc writes below {cfg.option_path('outDir')} each file's path below "
        + (
            f"rootDir ({root})"
            if cfg.option_path("rootDir")
            else f"the common folder of everything it compiles ({root}: no rootDir, and files "
            "outside src/ are included)"
        )
        + f'; skylift starts `{fixed}`. To keep {named}, set "rootDir": "src" and include '
        "only src/ in the tsconfig, or change the start script",
        [*(best.evidence[:1]), *([src.evidence(1)] if src else [])],
    )
