"""Audit checks of Mosquitto's configuration files as `hub broker-config` writes them:
anonymous access is off on every listener, and the ACL grants nothing outside per-account
blocks and no catch-all read."""

from __future__ import annotations

from pathlib import Path

from hub.broker_security.texts import ACL_FILE, CONF_FILE
from hub.security.audit_model import CheckResult

READING = ("read", "readwrite")


def _lines(path: Path) -> list[tuple[int, str]]:
    """Numbered lines without comments and blanks."""
    text = path.read_text(encoding="utf-8")
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append((number, line))
    return out


def config_refuses_anonymous(broker_config: Path) -> CheckResult:
    check, title = "config-refuses-anonymous", "mosquitto.conf refuses anonymous clients"
    path = broker_config / CONF_FILE
    try:
        lines = _lines(path)
    except OSError as exc:
        return CheckResult.failed(check, title, f"cannot read {path}: {exc.strerror}")
    listeners = sum(1 for _n, line in lines if line.split()[0] == "listener")
    allowing = [n for n, line in lines if line.split() == ["allow_anonymous", "true"]]
    if allowing:
        where = ", ".join(f"line {n}" for n in allowing)
        return CheckResult.failed(check, title, f"{path}: allow_anonymous true at {where}")
    refusing = sum(1 for _n, line in lines if line.split() == ["allow_anonymous", "false"])
    if listeners and refusing < listeners:
        evidence = f"{path}: {listeners} listeners but allow_anonymous false only {refusing} times"
        return CheckResult.failed(check, title, evidence)
    return CheckResult.passed(check, title, f"{path}: {listeners} listeners, none anonymous")


def acl_has_no_catch_all_read(broker_config: Path) -> CheckResult:
    """Fails on a rule that lets an account read every topic (a topic made only of
    wildcards), and on rules outside ``user`` blocks: ``pattern`` lines apply to every
    account, and ``topic`` lines before the first ``user`` to anonymous clients."""
    check = "acl-has-no-catch-all-read"
    title = "the ACL has no catch-all read rule and no rule outside an account's block"
    path = broker_config / ACL_FILE
    try:
        lines = _lines(path)
    except OSError as exc:
        return CheckResult.failed(check, title, f"cannot read {path}: {exc.strerror}")
    problems = []
    user: str | None = None
    accounts = 0
    for number, line in lines:
        words = line.split()
        if words[0] == "user" and len(words) == 2:
            user, accounts = words[1], accounts + 1
            continue
        if words[0] not in ("topic", "pattern"):
            continue
        access, topic = (words[1], words[2]) if len(words) >= 3 else ("readwrite", words[-1])
        owner = f"user {user}" if user is not None and words[0] == "topic" else None
        if owner is None:
            problems.append(f"line {number} ({line!r}) applies to every client")
        if access in READING and all(level in ("#", "+") for level in topic.split("/")):
            problems.append(f"line {number} ({line!r}) lets {owner or 'everyone'} read all")
    if problems:
        return CheckResult.failed(check, title, f"{path}: " + "; ".join(problems))
    return CheckResult.passed(check, title, f"{path}: {accounts} accounts, each its own rules")
