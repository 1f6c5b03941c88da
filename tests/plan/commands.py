"""Every command a generated document prints, checked against what exists: `skylift ...`
against the CLI (Typer's click tree: the command and every option must parse), `terraform
... output NAME` against outputs.tf, `-backend-config=FILE` against the generated files, and
the ECS names in `aws ecs` calls against the Terraform that creates them."""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Iterator

import typer.main

from skylift.cli import app

# programs a document may tell the user to run, besides skylift and terraform
EXTERNAL = {"aws", "heroku", "jq", "docker"}
_TF_OUTPUT = re.compile(r"terraform -chdir=infra output (?:-raw |-json )?(\w+)")
_TF_OUTPUT_IN_SCRIPT = re.compile(r"(?:terraform output (?:-raw |-json )?|\bout )(\w+)\b")


def markdown_commands(md: str) -> Iterator[tuple[str, bool]]:
    """(command, complete): lines of ```sh blocks (complete commands to run), and inline
    `code` that starts with a program name (a command to run, or one named in a sentence)."""
    for block in re.findall(r"```sh\n(.*?)```", md, re.S):
        yield from ((line, True) for line in block.splitlines() if line.strip())
    for span in re.findall(r"`([^`\n]+)`", md):
        if span.split(" ")[0] in {"skylift", "terraform", *EXTERNAL}:
            yield span, False


def html_commands(doc: str) -> Iterator[tuple[str, bool]]:
    for block in re.findall(r"<pre>(.*?)</pre>", doc, re.S):
        yield from ((html.unescape(ln), True) for ln in block.splitlines() if ln.strip())
    for span in re.findall(r"<code>([^<]+)</code>", doc):
        text = html.unescape(span)
        if text.split(" ")[0] in {"skylift", "terraform", *EXTERNAL}:
            yield text, False


def outputs(files: dict[str, str]) -> set[str]:
    tf = "".join(t for rel, t in files.items() if rel.startswith("infra/") and rel.endswith(".tf"))
    return set(re.findall(r'^output "(\w+)"', tf, re.M))


def check(command: str, files: dict[str, str], complete: bool = True) -> None:
    """Raise AssertionError when `command` names a command, option or output that is not there;
    a `complete` command must also parse (its required arguments given)."""
    for name in _TF_OUTPUT.findall(command):
        assert name in outputs(files), f"{command!r}: no Terraform output {name!r}"
    for hcl in re.findall(r"-backend-config=(\w+\.hcl)", command):
        assert f"infra/{hcl}" in files, f"{command!r}: infra/{hcl} is not generated"
    words = shlex.split(command)
    program = words[0]
    if program == "skylift":
        _check_skylift(command, words[1:], complete)
    elif program == "terraform":
        assert words[1].startswith("-chdir=infra"), f"{command!r}: terraform runs in infra/"
        assert words[2] in {"init", "output", "plan", "apply"}, command
    else:
        assert program in EXTERNAL, f"{command!r}: {program} is not a program the docs may use"


def _check_skylift(command: str, args: list[str], complete: bool) -> None:
    # Typer carries its own copy of click: its classes are used by duck typing
    cmd = typer.main.get_command(app)
    path = ["skylift"]
    while hasattr(cmd, "commands") and args and not args[0].startswith("-"):
        sub = cmd.commands.get(args[0])
        assert sub is not None, f"{command!r}: `{' '.join(path)} {args[0]}` is not a command"
        path.append(args.pop(0))
        cmd = sub
    assert not hasattr(cmd, "commands"), f"{command!r}: names a group, not a command"
    if not complete:  # named in a sentence: the command and its options exist
        known = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        for word in args:
            option = word.split("=")[0]
            assert not option.startswith("-") or option in known, f"{command!r}: no {option}"
        return
    try:
        cmd.make_context(" ".join(path), list(args), resilient_parsing=False)
    except Exception as exc:  # click's UsageError and friends, or Exit for --help
        if type(exc).__name__ == "Exit":
            return
        message = getattr(exc, "format_message", None)
        if message is None:
            raise
        raise AssertionError(f"{command!r}: {message()}") from None


def script_outputs(script: str) -> set[str]:
    """Terraform outputs a shell script reads (`terraform output -raw X`, `out X`)."""
    return set(_TF_OUTPUT_IN_SCRIPT.findall(script))
