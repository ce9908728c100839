"""What the agent says about itself: its OCF meta-data, and the documentation OCF meta-data cannot carry.

Both come from running the agent, never from a copy: ``ra/ManageVE meta-data`` (XML) and ``ra/ManageVE man-data``
(JSON: action descriptions, exit status table, files, examples and see-also entries, kept in the agent beside its
action table; :data:`MAN_DATA_SHAPE` is the part the page reads).
"""
import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Optional, Tuple

from lxml import etree

from crm_ve.errors import CrmVeError

#: Agents read nothing from the caller's environment (Pacemaker passes none); this keeps generation reproducible.
AGENT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "OCF_ROOT": "/usr/lib/ocf"}
TIMEOUT_S = 30

#: The part of ``man-data`` the page reads, and its shape (other keys are ignored).
MAN_DATA_SHAPE = {
    "provider": str,
    "usage": str,
    "actions": [{"name": str, "description": str}],
    "hidden_actions": [{"name": str, "description": str}],
    "exit_status": [{"code": int, "name": str, "meaning": str}],
    "files": [{"path": str, "description": str}],
    "examples": [{"title": str, "tool": str, "text": str}],
    "see_also": [str],
}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Optional[str]
    required: bool
    unique: bool
    shortdesc: str
    longdesc: str


@dataclass(frozen=True)
class Action:
    name: str
    timeout: Optional[str]
    interval: Optional[str] = None
    depth: Optional[str] = None
    role: Optional[str] = None
    start_delay: Optional[str] = None


@dataclass(frozen=True)
class MetaData:
    name: str
    version: Optional[str]
    ocf_version: Optional[str]
    shortdesc: str
    longdesc: str
    parameters: Tuple[Parameter, ...]
    actions: Tuple[Action, ...]

    def parameter(self, name):
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise CrmVeError(f"man: the agent's meta-data has no parameter {name!r}, which the man page explains")

    def action_names(self):
        """Advertised action names, each once, in meta-data order."""
        return list(dict.fromkeys(action.name for action in self.actions))


@dataclass(frozen=True)
class AgentDocs:
    path: str
    meta: MetaData
    man: dict = field(default_factory=dict)


def run_action(path, action):
    """stdout of ``AGENT ACTION``; a failure is one line naming the agent and the action."""
    try:
        proc = subprocess.run(
            _command(path) + [action], env=AGENT_ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CrmVeError(f"man: cannot run {path} {action}: {exc}") from None
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise CrmVeError(f"man: {path} {action} exited {proc.returncode}: {reason}")
    return proc.stdout


def _command(path):
    """How to run the agent: directly, or through its ``#!`` interpreter when it lost its execute bit (a wheel
    does not keep file modes)."""
    path = str(path)
    if os.access(path, os.X_OK):
        return [path]
    try:
        with open(path, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace")
    except OSError as exc:
        raise CrmVeError(f"man: cannot read the agent {path}: {exc.strerror}") from None
    if not first.startswith("#!"):
        raise CrmVeError(f"man: the agent {path} is not executable and has no #! line")
    return first[2:].split() + [path]


def load(path):
    meta = parse_metadata(run_action(path, "meta-data"), source=f"{path} meta-data")
    try:
        man = json.loads(run_action(path, "man-data"))
    except json.JSONDecodeError as exc:
        raise CrmVeError(f"man: {path} man-data did not print JSON: {exc}") from None
    problem = shape_problem(man, MAN_DATA_SHAPE, "")
    if problem:
        raise CrmVeError(f"man: {path} man-data: {problem}")
    return AgentDocs(path=str(path), meta=meta, man=man)


def shape_problem(value, shape, where):
    """Why ``value`` does not have ``shape`` (a type, ``[item shape]`` or ``{key: shape}``), or None."""
    name = where or "the output"
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{name} is {_kind(value)}, expected an object"
        for key, item_shape in shape.items():
            if key not in value:
                return f"{name} has no {key!r}" if where else f"no {key!r}"
            problem = shape_problem(value[key], item_shape, f"{where}.{key}" if where else key)
            if problem:
                return problem
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{name} is {_kind(value)}, expected a list"
        for index, item in enumerate(value):
            problem = shape_problem(item, shape[0], f"{where}[{index}]")
            if problem:
                return problem
        return None
    if not isinstance(value, shape) or isinstance(value, bool) and shape is int:
        return f"{name} is {_kind(value)}, expected {'a string' if shape is str else 'an integer'}"
    return None


def _kind(value):
    return {dict: "an object", list: "a list", str: "a string", int: "an integer", bool: "a boolean",
            type(None): "null"}.get(type(value), type(value).__name__)


def parse_metadata(text, source="meta-data"):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise CrmVeError(f"man: {source} is not XML: {exc}") from None
    if root.tag != "resource-agent":
        raise CrmVeError(f"man: {source}: root element is <{root.tag}>, expected <resource-agent>")
    parameters = []
    for node in root.iterfind("parameters/parameter"):
        content = node.find("content")
        parameters.append(Parameter(
            name=node.get("name"),
            type=content.get("type", "string") if content is not None else "string",
            default=content.get("default") if content is not None else None,
            required=node.get("required") == "1",
            unique=node.get("unique") == "1",
            shortdesc=_text(node, "shortdesc"),
            longdesc=_text(node, "longdesc"),
        ))
    actions = [
        Action(
            name=node.get("name"), timeout=node.get("timeout"), interval=node.get("interval"),
            depth=node.get("depth"), role=node.get("role"), start_delay=node.get("start-delay"),
        )
        for node in root.iterfind("actions/action")
    ]
    return MetaData(
        name=root.get("name"),
        version=root.get("version"),
        ocf_version=(root.findtext("version") or "").strip() or None,
        shortdesc=_text(root, "shortdesc"),
        longdesc=_text(root, "longdesc"),
        parameters=tuple(parameters),
        actions=tuple(actions),
    )


def _text(node, tag):
    """The English (or only) text of a description, with the XML source's indentation removed per line."""
    candidates = node.findall(tag)
    chosen = next((c for c in candidates if c.get("lang", "en") == "en"), candidates[0] if candidates else None)
    if chosen is None or chosen.text is None:
        return ""
    lines = [line.strip() for line in chosen.text.strip().splitlines()]
    return "\n".join(lines)

