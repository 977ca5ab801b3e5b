"""The rules every service Dockerfile follows, checked without Docker (images/tests).

``problems(text, service)`` returns one sentence per broken rule; an empty list means the
Dockerfile is fine. The parser knows just enough of the Dockerfile syntax: comments, line
continuations, instructions and their stages.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

OCI_LABELS = ("source", "revision", "version", "created", "title", "licenses")

#: Packages that build software: none may be installed in the final stage.
BUILD_TOOL_PATTERNS = (
    r"gcc(-\d+)?",
    r"g\+\+(-\d+)?",
    r"cpp(-\d+)?",
    r"clang(-\d+)?",
    r"make",
    r"cmake",
    r"build-essential",
    r"libc6-dev",
    r".+-dev",
    r"python3-pip",
    r"python3-venv",
    r"gettext",
    r"git",
)

SERVERS = {"dojo": "daphne"}

#: Public certificate bundles of the repository that images may carry (never the build's CA).
PUBLIC_CERTIFICATES = {"images/certs/rds-global-bundle.pem"}


@dataclass
class Instruction:
    line: int
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


def parse(text: str) -> tuple[list[Instruction], list[Stage]]:
    """Instructions before the first FROM, and the stages."""
    logical: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        logical.append((start, buffer + stripped))
        buffer = ""
    if buffer:
        logical.append((start, buffer))
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    for number, line in logical:
        keyword, _, args = line.partition(" ")
        instruction = Instruction(number, keyword.upper(), args.strip())
        if instruction.keyword == "FROM":
            parts = instruction.args.split()
            parts = [p for p in parts if not p.startswith("--platform")]
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(parts[0] if parts else "", name))
        elif stages:
            stages[-1].instructions.append(instruction)
        else:
            preamble.append(instruction)
    return preamble, stages


def apt_packages(run: str) -> list[str]:
    """Packages named by every ``apt-get install`` of a RUN."""
    found: list[str] = []
    for command in re.split(r"&&|;|\|\|", run):
        words = shlex.split(command, posix=True) if command.strip() else []
        words = [w for w in words if "=" not in w or not w.isupper()]
        for index, word in enumerate(words):
            if word in ("apt-get", "apt") and "install" in words[index + 1 :]:
                rest = words[words.index("install", index) + 1 :]
                found += [w for w in rest if not w.startswith("-")]
                break
    return found


def is_build_tool(package: str) -> bool:
    name = package.split("=")[0]
    return any(re.fullmatch(pattern, name) for pattern in BUILD_TOOL_PATTERNS)


def _labels(stage: Stage) -> dict[str, str]:
    labels: dict[str, str] = {}
    for instruction in stage.instructions:
        if instruction.keyword == "LABEL":
            for token in shlex.split(instruction.args):
                key, _, value = token.partition("=")
                labels[key] = value
    return labels


def problems(text: str, service: str) -> list[str]:
    preamble, stages = parse(text)
    found: list[str] = []
    everything = preamble + [i for s in stages for i in s.instructions]

    if not any(i.keyword == "ARG" and i.args.split("=")[0] == "BASE_IMAGE" for i in preamble):
        found.append("no ARG BASE_IMAGE before the first FROM")
    if len(stages) < 2:
        found.append("not multi-stage: a builder stage and a final stage are needed")
    names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.base not in ("${BASE_IMAGE}", "$BASE_IMAGE") and stage.base not in names:
            found.append(f"FROM {stage.base}: every stage starts from ${{BASE_IMAGE}} or a stage")
    for instruction in everything:
        if instruction.keyword == "HEALTHCHECK":
            found.append(f"line {instruction.line}: HEALTHCHECK (the chart's probes decide health)")
        if re.search(r"(?i)(^|[\s:=/])latest\b", instruction.args):
            found.append(f"line {instruction.line}: 'latest' (tags are immutable and explicit)")
        if instruction.keyword == "ADD" and re.search(
            r"(?i)\b(https?|ftp|git)://|git@", instruction.args
        ):
            found.append(
                f"line {instruction.line}: ADD of a remote URL (nothing unpinned is fetched)"
            )
        if instruction.keyword in ("ADD", "COPY"):
            copied = [w for w in instruction.args.split() if re.search(r"\.(crt|pem|key)\b", w)]
            if copied and copied[0] not in PUBLIC_CERTIFICATES:
                found.append(f"line {instruction.line}: a certificate or key copied into a layer")
        if instruction.keyword == "RUN" and re.search(
            r"\bpip3?\b[^&;]*\binstall\b", instruction.args
        ):
            for command in re.split(r"&&|;", instruction.args):
                installs = (
                    re.search(r"\bpip3?\b.*\binstall\b", command) and "uninstall" not in command
                )
                if installs and "--require-hashes" not in command and "--no-index" not in command:
                    found.append(
                        f"line {instruction.line}: pip install without --require-hashes "
                        "(or --no-index for a wheel built here)"
                    )
    if not any(i.keyword == "RUN" and "--require-hashes" in i.args for i in everything):
        found.append("no pip install --require-hashes")
    if not stages:
        return found

    final = stages[-1]
    users = [i for i in final.instructions if i.keyword == "USER"]
    if not users:
        found.append("the final stage has no USER")
    else:
        user = users[-1].args.split(":")[0]
        if not user.isdigit() or int(user) == 0:
            found.append(f"final USER {users[-1].args}: it must be a numeric, non-root uid")
        elif user != "10001":
            found.append(f"final USER {users[-1].args}: the chart runs uid 10001")
    workdirs = [i.args for i in final.instructions if i.keyword == "WORKDIR"]
    if not workdirs or workdirs[-1] != "/app":
        found.append("the final stage's WORKDIR is not /app")
    labels = _labels(final)
    for key in OCI_LABELS:
        if not labels.get(f"org.opencontainers.image.{key}"):
            found.append(f"no org.opencontainers.image.{key} label in the final stage")
    for instruction in final.instructions:
        if instruction.keyword != "RUN":
            continue
        tools = [p for p in apt_packages(instruction.args) if is_build_tool(p)]
        if tools:
            found.append(
                f"line {instruction.line}: build tools in the final stage: {', '.join(tools)}"
            )
        if re.search(r"\bpip3?\b|\bensurepip\b|python3? -m venv", instruction.args):
            found.append(f"line {instruction.line}: pip runs in the final stage")
    cmds = [i.args for i in final.instructions if i.keyword == "CMD"]
    server = SERVERS.get(service, "gunicorn")
    if not cmds or not cmds[-1].startswith(f'["{server}"'):
        found.append(f"the default CMD does not start {server} (exec form)")
    elif "8000" not in cmds[-1]:
        found.append("the default CMD does not serve on port 8000")
    return found
