"""The operation timeouts a resource agent advises, read from its meta-data (``<actions><action name timeout>``).

Read from the installed agent when there is one (``$OCF_ROOT/resource.d/PROVIDER/TYPE meta-data``, OCF_ROOT
defaulting to /usr/lib/ocf, run with a short timeout; kept per agent for the run, and across runs in
:mod:`crm_ve.metadata_cache` while the agent file is unchanged), else for ``ocf:crm-ve:ManageVE``
from the agent shipped with crm-ve (``crm_ve.package_files.agent_path()``), else there is no advice. Only ``ocf``
agents are read; provider and type must be plain names, so a CIB cannot make us run anything outside the OCF
tree. The meta-data is parsed without DTDs, entities or network access.
"""
import functools
import os
import re
import sys
from dataclasses import dataclass
from typing import Optional, Tuple

from lxml import etree

from crm_ve import metadata_cache
from crm_ve.model.values import Role, parse_interval_ms, parse_msec

DEFAULT_OCF_ROOT = "/usr/lib/ocf"
#: Seconds the agent's meta-data action may take.
METADATA_TIMEOUT = 10
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


@dataclass(frozen=True)
class AdvisedAction:
    name: str
    timeout_ms: int
    role: Role
    interval_ms: int
    #: the monitor's check level (``depth``; an op asks for it with OCF_CHECK_LEVEL), "0" when unset
    depth: str = "0"


@dataclass(frozen=True)
class AgentParameter:
    """A parameter the agent's meta-data declares (``<parameter name required><content type>``)."""

    name: str
    required: bool
    type: str


@dataclass(frozen=True)
class AgentAdvice:
    """The actions an agent advertises with their advised timeouts, and the parameters it declares; ``source``
    names where they were read."""

    agent: str
    source: str
    actions: Tuple[AdvisedAction, ...]
    parameters: Tuple[AgentParameter, ...] = ()

    def has(self, name):
        return name in self._names

    @functools.cached_property
    def _names(self):
        return frozenset(action.name for action in self.actions)

    @functools.cached_property
    def _timeouts(self):
        return {}

    def timeout_ms(self, name, role: Role = Role.ANY, depth: Optional[str] = None) -> Optional[int]:
        """The advised timeout of ``name`` (for a monitor, of the same role when the agent advises per role,
        and of the same ``depth`` when given and advertised; the largest when several apply), or None."""
        # asked for each operation of thousands of resources of a handful of agents: answered once per
        # (name, role, depth) (the dict lives on this advice, not across checks of different meta-data)
        timeouts = self._timeouts
        key = (name, role, depth)
        try:
            return timeouts[key]
        except KeyError:
            pass
        timeouts[key] = advised = self._timeout_ms(name, role, depth)
        return advised

    def _timeout_ms(self, name, role, depth):
        candidates = [a for a in self.actions if a.name == name]
        if not candidates:
            return None
        if role is not None and not role.is_any:
            same = [a for a in candidates if a.role is role]
            if same:
                candidates = same
        if depth is not None:
            same = [a for a in candidates if a.depth == _depth(depth)]
            if same:
                candidates = same
        return max(a.timeout_ms for a in candidates)


def _depth(text):
    """A check level as text, "10" for "010"; "0" when unset."""
    text = (text or "0").strip()
    return (text.lstrip("0") or "0") if text.isdigit() and text.isascii() else text


def ocf_root():
    return os.environ.get("OCF_ROOT") or DEFAULT_OCF_ROOT


def parse_metadata(text, agent, source) -> Optional[AgentAdvice]:
    """Advice from meta-data XML text; None when it is not readable meta-data."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(text.encode() if isinstance(text, str) else text, parser)
    except etree.XMLSyntaxError:
        return None
    if root.tag != "resource-agent":
        return None
    actions = []
    for action in root.iterfind("actions/action"):
        timeout = parse_msec(action.get("timeout"))
        if not action.get("name") or timeout < 0:
            continue
        actions.append(AdvisedAction(action.get("name"), timeout, Role.parse(action.get("role")),
                                     parse_interval_ms(action.get("interval")), _depth(action.get("depth"))))
    parameters = []
    for parameter in root.iterfind("parameters/parameter"):
        if parameter.get("name"):
            content = parameter.find("content")
            parameters.append(AgentParameter(parameter.get("name"), parameter.get("required") == "1",
                                             (content.get("type") or "") if content is not None else ""))
    return AgentAdvice(agent, source, tuple(actions), tuple(parameters))


def _metadata_env():
    env = dict(os.environ)
    env.setdefault("OCF_ROOT", ocf_root())
    return env


def _start_metadata(argv):
    """The agent's ``meta-data`` process, started and left running (its output waits in the pipe)."""
    import subprocess  # a cache miss only: a run that finds every agent cached starts no process
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            env=_metadata_env())


def _finish_metadata(proc, agent, source, cache_key):
    """The advice read from a started ``meta-data`` process, kept in the cache under ``cache_key`` when it is
    readable meta-data."""
    import subprocess
    try:
        out, _ = proc.communicate(timeout=METADATA_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    if proc.returncode != 0:
        return None
    advice = parse_metadata(out, agent, source)
    if advice is not None:
        metadata_cache.store(cache_key, out)
    return advice


def _read_metadata(argv, path, agent, source):
    """The advice of the agent file ``path``: from the cache while the file is unchanged, else by running
    ``argv`` (its ``meta-data`` action)."""
    key = metadata_cache.cache_key(path, ocf_root())
    cached = metadata_cache.load(key)
    if cached is not None:
        advice = parse_metadata(cached, agent, source)
        if advice is not None:
            return advice
    try:
        proc = _start_metadata(argv)
    except OSError:
        return None
    return _finish_metadata(proc, agent, source, key)


#: Installed agents' meta-data processes started by :func:`start_prefetch`, by agent key, not read yet.
_started = {}
#: Agent keys :func:`_advice` has read (its cache holds them): no process is started for them again.
_read = set()


@functools.lru_cache(maxsize=None)
def _advice(standard, provider, type_, root) -> Optional[AgentAdvice]:
    _read.add((standard, provider, type_, root))
    agent = f"{standard}:{provider}:{type_}"
    if not _runnable(standard, provider, type_, root):
        return None
    installed = _installed_path(provider, type_, root)
    started = _started.pop((standard, provider, type_, root), None)
    if started is not None:
        process, key = started
        advice = _finish_metadata(process, agent, installed, key)
        if advice is not None:
            return advice
    elif _is_installed(installed):
        advice = _read_metadata([installed, "meta-data"], installed, agent, installed)
        if advice is not None:
            return advice
    if (provider, type_) == ("crm-ve", "ManageVE"):
        from crm_ve.package_files import agent_path
        shipped = agent_path()
        if shipped.is_file():
            return _read_metadata([sys.executable, str(shipped), "meta-data"], shipped, agent,
                                  f"{shipped} (shipped with crm-ve)")
    return None


def advice_for(standard, provider, type_, root) -> Optional[AgentAdvice]:
    """The advice of agent ``standard:provider:type_`` under OCF root ``root`` (read once, then cached)."""
    return _advice(standard, provider, type_, root)


class Prefetch:
    """Meta-data reads started in the background; ``join()`` reads them (each process has long finished by
    then, its output waiting in its pipe)."""

    def __init__(self, keys):
        self._keys = keys

    def join(self):
        for key in self._keys:
            try:
                _advice(*key)
            except Exception:  # noqa: BLE001 - not cached: the rule's own read meets it again and reports it
                pass
        self._keys = []


def _agent_keys(resources):
    root = ocf_root()
    agents = dict.fromkeys((r.standard, r.provider, r.type) for r in resources)
    return [agent + (root,) for agent in agents]


def start_prefetch(resources) -> Prefetch:
    """Start the ``meta-data`` process of every distinct installed agent of ``resources`` and return at once.

    Processes, not threads: a thread driving a process needs the GIL for each step of it (spawn, each read of
    its output, the parse), and the checking thread keeps the GIL busy, so each step would wait for a switch.
    Agents that are not run (not ocf, not plain names, not installed) cost nothing here."""
    keys = []
    for key in _agent_keys(resources):
        standard, provider, type_, root = key
        if not _runnable(*key) or key in _started or key in _read:
            continue
        installed = _installed_path(provider, type_, root)
        if _is_installed(installed):
            cache_key = metadata_cache.cache_key(installed, root)
            if metadata_cache.load(cache_key) is None:
                try:
                    _started[key] = (_start_metadata([installed, "meta-data"]), cache_key)
                except OSError:
                    continue
            keys.append(key)
    return Prefetch(keys)


def _runnable(standard, provider, type_, root):
    """An OCF agent named in plain words: one whose meta-data may be read from under the OCF root."""
    return (standard == "ocf" and bool(provider) and bool(type_) and bool(_PLAIN_NAME.match(provider))
            and bool(_PLAIN_NAME.match(type_)))


def _installed_path(provider, type_, root):
    return os.path.join(root, "resource.d", provider, type_)


def _is_installed(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def prefetch(resources):
    """Read the meta-data of the distinct agents of ``resources`` side by side (all started, then read): each
    agent is a process taking tens of milliseconds (a shell script, a Python interpreter), read once and
    cached."""
    start_prefetch(resources).join()


def agent_advice(resource) -> Optional[AgentAdvice]:
    """The advice of ``resource``'s agent (a model :class:`Resource`), or None when there is none to read."""
    return _advice(resource.standard, resource.provider, resource.type, ocf_root())
