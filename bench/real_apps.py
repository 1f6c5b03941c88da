"""The rehearsal on real public apps: `skylift up --target local` on each checkout given, timed,
with what became of the app (healthy, or the first line of why not), then `skylift down`.

    python bench/real_apps.py /path/to/checkout [...] [--json out.json]

The checkouts are the user's (docs/real-apps.md names the commits measured); none of their code
is in this repository. Each app is copied to a scratch folder first, so the checkout stays clean.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def rehearse(checkout: Path, timeout: int, force: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="real-app-") as scratch:
        app = Path(scratch) / checkout.name
        shutil.copytree(checkout, app, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        started = time.monotonic()
        if force:  # the app's own workflow or Dockerfile replaced, as `generate --force` does
            subprocess.run(["skylift", "generate", str(app), "--force"], capture_output=True)
        try:
            done = subprocess.run(
                ["skylift", "up", str(app), "--target", "local", "--json"],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            code, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            code, out, err = -1, "", f"timed out after {timeout} s: {exc.stderr or ''}"
        seconds = round(time.monotonic() - started, 1)
        subprocess.run(["skylift", "down", str(app)], capture_output=True, timeout=300)
    return {"app": checkout.name, "exit": code, "seconds": seconds, **_outcome(out, err)}


def _outcome(out: str, err: str) -> dict[str, Any]:
    try:
        result = json.loads(out) if out.strip() else {}
    except json.JSONDecodeError:
        result = {}
    app = result.get("app") or {}
    lines = [line for line in err.splitlines() if line.strip()]
    error = next((line for line in lines if line.startswith("Error:")), "")
    why = next((line.strip() for line in lines if line.strip().startswith("why:")), "")
    return {
        "healthy": bool(app.get("healthy")),
        "services": app.get("services", []),
        "error": error,
        "why": why[:300],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkouts", nargs="+", type=Path)
    ap.add_argument("--json", type=Path, help="write the results here too")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--force", action="store_true", help="skylift generate --force first")
    args = ap.parse_args(argv)
    results = []
    for checkout in args.checkouts:
        row = rehearse(checkout.resolve(), args.timeout, args.force)
        results.append(row)
        state = "healthy" if row["healthy"] else f"exit {row['exit']}: {row['error']} {row['why']}"
        print(f"{row['app']}: {state} ({row['seconds']} s)", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
