"""After a `terraform apply` that was itself cut off on `--target aws` (Terraform killed, the
machine lost): its state lock is still held and the account has resources the state never
recorded, so every plain rerun would stop at "already exists". skylift releases the lock when
it is this machine's own, then adopts what the cut-off apply made: each resource the plan
would create that already exists under the name skylift gives it (or, for unnamed ones such
as a VPC, under its Name tag and the app's tags) is imported into the state. What cannot be
found that way is created as usual; the summary names what was adopted."""

from __future__ import annotations

import getpass
import json
import re
import socket
from collections.abc import Callable
from typing import Any

from skylift.cloud import finders
from skylift.cloud.terraform import LOCK_WAIT, Terraform
from skylift.errors import InfraError

Log = Callable[[str], None]
ROUNDS = 4  # a resource named after another one being adopted is found in the next round


def recover(tf: Terraform, client: Callable[[str], Any], tags: dict[str, str],
            var_files: list[str], variables: dict[str, Any], say: Log) -> list[str]:  # fmt: skip
    """Release our stale lock, import what the cut-off apply made; the adopted addresses."""
    args = tf.var_args(var_files, variables)
    _unlock(tf, args, say)
    adopted: dict[str, str] = {}
    lookup = finders.Lookup(client, tags)
    for _ in range(ROUNDS):
        found = [(a, i) for a, i in _findable(tf, args, lookup) if a not in adopted]
        for address, rid in found:
            tf.run("import", "-input=false", LOCK_WAIT, *args, address, rid)
            adopted[address] = rid
        if not found:
            break
    if adopted:
        say(f"the last terraform apply was cut off: adopted {len(adopted)} resource(s) it had "
            f"made into the state ({', '.join(sorted(adopted)[:6])}{' …' if len(adopted) > 6 else ''})")  # fmt: skip
    else:
        say("the last terraform apply was cut off: nothing it made needed adopting")
    return sorted(adopted)


def _findable(tf: Terraform, args: list[str], lookup: finders.Lookup) -> list[tuple[str, str]]:
    """(address, import id) of each resource the plan creates that already exists."""
    tf.run("plan", "-input=false", LOCK_WAIT, "-out=skylift-adopt.tfplan", *args)
    plan = json.loads(tf.run("show", "-json", "skylift-adopt.tfplan"))
    out = []
    for change in plan.get("resource_changes") or []:
        if change.get("mode") != "managed" or change["change"]["actions"] != ["create"]:
            continue
        rid = lookup.find(change["type"], change["change"].get("after") or {})
        if rid:
            out.append((change["address"], rid))
    return out


_LOCK_ID = re.compile(r"^\s*ID:\s*(\S+)", re.M)
_LOCK_WHO = re.compile(r"^\s*Who:\s*(\S+)", re.M)


def _unlock(tf: Terraform, args: list[str], say: Log) -> None:
    """The lock the cut-off apply left: released when this machine's user took it."""
    text = tf.try_run("plan", "-input=false", "-lock-timeout=5s", "-refresh=false", *args)
    if "Error acquiring the state lock" not in text:
        return
    lock_id, who = _LOCK_ID.search(text), _LOCK_WHO.search(text)
    mine = f"{getpass.getuser()}@{socket.gethostname()}"
    if lock_id and who and who.group(1) == mine:
        tf.run("force-unlock", "-force", lock_id.group(1))
        say(f"released the state lock the cut-off apply left ({lock_id.group(1)}, {mine})")
        return
    raise InfraError(
        f"the Terraform state is locked by {who.group(1) if who else 'someone else'}",
        "an apply runs there, or one was cut off on that machine",
        f"when no apply runs any more: cd {tf.workdir} && terraform force-unlock "
        f"{lock_id.group(1) if lock_id else 'LOCK_ID'}; then rerun",
    )
