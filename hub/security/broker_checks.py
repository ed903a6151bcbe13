"""What a device account can and cannot do on a running broker, tried for real.

Two devices registered for the audit play attacker and victim (logging in as a device
takes its session over, so never give the audit installed hardware), and a connection
with the hub's account plays the hub, under a client id of its own. Every negative check
is synchronised, never slept on: a forged or stolen message is followed by a control
message over the same path, and once the control has arrived anything forged would have
too. Probe payloads carry a random nonce; the real hub replicas see the audit devices'
probes as malformed messages (dead letters of those two devices).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from paho.mqtt.reasoncodes import ReasonCode

from firmware_protocols.base import DeviceTopics
from firmware_protocols.clock import wall_ms
from hub.security.audit_model import CheckResult
from hub.security.broker_probe import Endpoint, Probe, ProbeTimeout, connect
from hub.security.share_group import weakness

PROBES_PER_GROUP_TEST = 10
_FILL = "audit"  # stands for a wildcard level when a topic is published


@dataclass(frozen=True, slots=True)
class AuditDevice:
    """A registered device given to the audit, with its password and topics."""

    id: str
    password: str
    topics: DeviceTopics

    def uplinks(self) -> list[str]:
        return [_concrete(t) for t in self.topics.publish]

    def commands(self) -> list[str]:
        """Topics it reads that name it: what the hub sends it."""
        return [_concrete(t) for t in self.topics.subscribe if self.id in t.split("/")]


@dataclass(frozen=True, slots=True)
class BrokerTarget:
    devices: Endpoint  # the devices' listener
    hub: Endpoint  # the hub's listener
    hub_username: str
    hub_password: str
    attacker: AuditDevice
    victim: AuditDevice
    share_group: str  # the hub replicas' group ("" for plain subscriptions)
    shared_filters: tuple[str, ...]  # what the hub subscribes to through the group
    state_topic: str  # the hub's Sparkplug host STATE
    timeout_s: float = 10.0


def _concrete(topic: str) -> str:
    return "/".join(_FILL if level in ("+", "#") else level for level in topic.split("/"))


def _codes(codes: Sequence[ReasonCode]) -> str:
    return ", ".join(str(code) for code in codes)


def _denied(codes: Sequence[ReasonCode]) -> bool:
    return bool(codes) and all(code.is_failure for code in codes)


class _Session:
    """The connections one check opens, all closed at its end."""

    def __init__(self, target: BrokerTarget) -> None:
        self.target = target
        self.opened: list[Probe] = []

    def _keep(self, probe: Probe, what: str) -> Probe:
        self.opened.append(probe)
        if not probe.accepted:
            raise ProbeTimeout(f"{what} could not log in: {probe.error or probe.connack}")
        return probe

    def device(self, device: AuditDevice) -> Probe:
        t = self.target
        probe = connect(t.devices, device.id, device.password, timeout_s=t.timeout_s)
        probe = self._keep(probe, f"device {device.id}")
        own = device.commands()
        if own:
            probe.subscribe(own)
        return probe

    def hub(self) -> Probe:
        t = self.target
        client_id = f"{t.hub_username}-audit-{uuid.uuid4().hex[:8]}"
        probe = connect(
            t.hub, t.hub_username, t.hub_password, client_id=client_id, timeout_s=t.timeout_s
        )
        return self._keep(probe, f"the hub account {t.hub_username!r}")

    def close(self) -> None:
        for probe in self.opened:
            probe.close()


@contextmanager
def _session(target: BrokerTarget) -> Iterator[_Session]:
    session = _Session(target)
    try:
        yield session
    finally:
        session.close()


def _nonce() -> bytes:
    return f"hub security audit {uuid.uuid4().hex}".encode()


# ---------------------------------------------------------------------------- logins
@dataclass(frozen=True, slots=True)
class _Login:
    who: str  # named when let in
    where: str  # named before the broker's answer
    endpoint: Endpoint
    username: str | None
    password: str | None


def _try_logins(target: BrokerTarget, logins: Sequence[_Login]) -> tuple[list[str], str]:
    """Who of ``logins`` was let in, and every answer of the broker."""
    answers = []
    let_in = []
    for login in logins:
        probe = connect(login.endpoint, login.username, login.password, timeout_s=target.timeout_s)
        probe.close()
        answers.append(f"{login.where}: {probe.connack or probe.error}")
        if probe.accepted:
            let_in.append(login.who)
    return let_in, "; ".join(answers)


def anonymous_login_refused(target: BrokerTarget) -> CheckResult:
    title = "anonymous clients are refused on both listeners"
    accepted, evidence = _try_logins(
        target,
        [
            _Login(name, f"{name} listener {endpoint}", endpoint, None, None)
            for name, endpoint in (("devices'", target.devices), ("hub's", target.hub))
        ],
    )
    if accepted:
        evidence = f"accepted on the {' and '.join(accepted)} listener: {evidence}"
    return CheckResult.judged("anonymous-login-refused", title, not accepted, evidence)


def wrong_password_refused(target: BrokerTarget) -> CheckResult:
    title = "a wrong password is refused, for a device and for the hub account"
    attempts = (
        (target.devices, target.attacker.id, f"device {target.attacker.id}"),
        (target.hub, target.hub_username, f"hub account {target.hub_username!r}"),
    )
    accepted, evidence = _try_logins(
        target,
        [
            _Login(what, f"{what} at {endpoint}", endpoint, username, f"wrong-{uuid.uuid4().hex}")
            for endpoint, username, what in attempts
        ],
    )
    if accepted:
        evidence = f"let in with a wrong password: {', '.join(accepted)}; {evidence}"
    return CheckResult.judged("wrong-password-refused", title, not accepted, evidence)


# ---------------------------------------------------------------------------- isolation
def cannot_read_other_devices_commands(target: BrokerTarget) -> CheckResult:
    title = "a device cannot read another device's commands"
    attacker, victim = target.attacker, target.victim
    with _session(target) as session:
        victim_probe = session.device(victim)
        attacker_probe = session.device(attacker)
        codes = attacker_probe.subscribe(victim.commands())
        hub = session.hub()
        probes = []
        for topic in victim.commands():
            payload = _nonce()
            hub.publish(topic, payload)
            victim_probe.wait_for(topic, payload)  # routed: the victim has it
            probes.append(payload)
        _control_to(hub, attacker_probe, attacker)
        stolen = [p for _t, p in attacker_probe.received() if p in probes]
    evidence = (
        f"{attacker.id} subscribed to {victim.commands()} (SUBACK {_codes(codes)}); "
        f"the hub sent {len(probes)} probe commands, {victim.id} received all, "
        f"{attacker.id} received {len(stolen)}"
    )
    return CheckResult.judged(
        "device-cannot-read-other-devices-commands", title, not stolen, evidence
    )


def cannot_publish_other_devices_uplinks(target: BrokerTarget) -> CheckResult:
    title = "a device cannot publish on another device's uplinks"
    attacker, victim = target.attacker, target.victim
    with _session(target) as session:
        hub = session.hub()
        hub.subscribe(victim.uplinks() + attacker.uplinks()[:1])
        attacker_probe = session.device(attacker)
        answers = {}
        forged = []
        for topic in victim.uplinks():
            payload = _nonce()
            answers[topic] = attacker_probe.publish(topic, payload)
            forged.append(payload)
        _control_from(attacker_probe, hub, attacker)
        arrived = [p for _t, p in hub.received() if p in forged]
    evidence = (
        f"{attacker.id} published {len(forged)} messages on {victim.id}'s uplinks "
        f"(PUBACK {_codes(list(answers.values()))}); {len(arrived)} reached the hub, "
        "its own control message did"
    )
    return CheckResult.judged(
        "device-cannot-publish-other-devices-uplinks", title, not arrived, evidence
    )


def cannot_subscribe_to_everything(target: BrokerTarget) -> CheckResult:
    title = "a device receives nothing through '#', '+/#' or '$SYS/#'"
    attacker, victim = target.attacker, target.victim
    with _session(target) as session:
        attacker_probe = session.device(attacker)
        codes = attacker_probe.subscribe(["#", "+/#", "$SYS/#"])
        victim_probe = session.device(victim)
        victim_probe.publish(victim.uplinks()[0], _nonce())
        hub = session.hub()
        _control_to(hub, attacker_probe, attacker)
        own = set(attacker.commands())
        foreign = sorted({t for t, _p in attacker_probe.received() if t not in own})
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    evidence = (
        f"SUBACK {_codes(codes)}; after {victim.id} published and the retained messages "
        f"were due, {attacker.id} had received "
        + (f"messages on {shown}" if foreign else "only its own commands")
    )
    return CheckResult.judged("device-cannot-subscribe-to-everything", title, not foreign, evidence)


def cannot_publish_hub_state(target: BrokerTarget) -> CheckResult:
    title = "a device cannot publish the hub's Sparkplug STATE"
    attacker = target.attacker
    with _session(target) as session:
        hub = session.hub()
        hub.subscribe([target.state_topic, attacker.uplinks()[0]])
        attacker_probe = session.device(attacker)
        # Harmless if it ever got through: "online" with the current time.
        forged = json.dumps({"online": True, "timestamp": wall_ms()}).encode()
        answer = attacker_probe.publish(target.state_topic, forged)
        _control_from(attacker_probe, hub, attacker)
        arrived = (target.state_topic, forged) in hub.received()
    evidence = f"{attacker.id} published on {target.state_topic} (PUBACK {answer}); " + (
        "the hub received it" if arrived else "it never reached a subscriber"
    )
    return CheckResult.judged("device-cannot-publish-hub-state", title, not arrived, evidence)


def cannot_join_hub_share_group(target: BrokerTarget) -> CheckResult:
    """Whether a device could take messages meant for the hub replicas' group.

    The experiment runs on a throw-away group, never the hub's own (joining that one
    would take real messages): the hub account and the attacker both subscribe to
    ``$share/<throw-away>/<a topic only the victim publishes>``, the victim publishes, and
    the hub's member counts what it got. A broker that refuses the attacker at SUBSCRIBE,
    or loses nothing, keeps every group whole. One that deals the attacker a share and
    drops it (Mosquitto 2.0) protects the hub only if the hub's group name is a secret.
    """
    check, title = "device-cannot-join-hub-share-group", "a device cannot join the hub's group"
    if not target.share_group:
        return CheckResult.passed(check, title, "plain subscriptions (no share group to join)")
    attacker, victim = target.attacker, target.victim
    topic, marker_topic = _group_test_topics(target)
    group = f"audit-{uuid.uuid4().hex}"
    with _session(target) as session:
        hub = session.hub()
        hub.subscribe([f"$share/{group}/{topic}", marker_topic])
        attacker_probe = session.device(attacker)
        codes = attacker_probe.subscribe([f"$share/{group}/{topic}"])
        victim_probe = session.device(victim)
        sent = [_nonce() for _ in range(PROBES_PER_GROUP_TEST)]
        for payload in sent:
            victim_probe.publish(topic, payload)
        marker = _nonce()
        victim_probe.publish(marker_topic, marker)
        hub.wait_for(marker_topic, marker)  # routed after the burst, over one connection
        got = sum(1 for t, p in hub.received() if t == topic and p in sent)
    lost = len(sent) - got
    experiment = (
        f"{attacker.id} subscribed to $share/<throw-away group>/{topic} (SUBACK "
        f"{_codes(codes)}); of {len(sent)} messages {victim.id} published, the hub's "
        f"member received {got}"
    )
    if _denied(codes) or lost == 0:
        return CheckResult.passed(check, title, f"{experiment}: the broker keeps groups whole")
    problem = weakness(target.share_group)
    if problem is None:
        return CheckResult.passed(
            check,
            title,
            f"{experiment}, so a device that can name a group takes messages from it; "
            f"the hub's group is a {len(target.share_group)}-character secret no device "
            "is told",
        )
    return CheckResult.failed(
        check,
        title,
        f"{experiment}, so a device that can name a group takes messages from it, and "
        f"the hub's group can be guessed: {problem} (unset HUB_SHARE_GROUP to derive a "
        "secret one from HUB_SECRET_KEY)",
    )


def _group_test_topics(target: BrokerTarget) -> tuple[str, str]:
    """A topic only the victim publishes, preferably one the hub shares, and another of
    its uplinks to mark the end of a burst."""
    uplinks = target.victim.uplinks()
    shared = [t for t in uplinks if any(_matches(f, t) for f in target.shared_filters)]
    topic = (shared or uplinks)[0]
    others = [t for t in uplinks if t != topic]
    return topic, (others or [topic])[0]


def _matches(topic_filter: str, topic: str) -> bool:
    levels, wanted = topic_filter.split("/"), topic.split("/")
    for index, level in enumerate(levels):
        if level == "#":
            return True
        if index >= len(wanted) or level not in ("+", wanted[index]):
            return False
    return len(levels) == len(wanted)


def _control_from(probe: Probe, hub: Probe, device: AuditDevice) -> None:
    """A message from ``device`` on its first uplink, awaited at the hub (subscribed to
    it): everything ``probe`` published before it has been routed once it arrives."""
    topic = device.uplinks()[0]
    payload = _nonce()
    probe.publish(topic, payload)
    hub.wait_for(topic, payload)


def _control_to(hub: Probe, probe: Probe, device: AuditDevice) -> None:
    """A command from the hub to ``device``'s own topic, awaited: everything the broker
    routed to ``probe`` before it has been delivered once it arrives."""
    topic = device.commands()[0]
    payload = _nonce()
    hub.publish(topic, payload)
    probe.wait_for(topic, payload)


BROKER_CHECKS: tuple[tuple[str, Callable[[BrokerTarget], CheckResult]], ...] = (
    ("anonymous-login-refused", anonymous_login_refused),
    ("wrong-password-refused", wrong_password_refused),
    ("device-cannot-read-other-devices-commands", cannot_read_other_devices_commands),
    ("device-cannot-publish-other-devices-uplinks", cannot_publish_other_devices_uplinks),
    ("device-cannot-join-hub-share-group", cannot_join_hub_share_group),
    ("device-cannot-subscribe-to-everything", cannot_subscribe_to_everything),
    ("device-cannot-publish-hub-state", cannot_publish_hub_state),
)


def run_broker_checks(target: BrokerTarget) -> list[CheckResult]:
    """Every live check; one that cannot finish (a login refused, a broker that does not
    answer) fails with the reason."""
    results = []
    for check, run in BROKER_CHECKS:
        try:
            results.append(run(target))
        except ProbeTimeout as exc:
            results.append(CheckResult.failed(check, check.replace("-", " "), str(exc)))
    return results
