"""Generate the DRBD -> Filesystem -> container stack, or one more container on it, for the crm shell and pcs.

The same stack as the crmsh templates and cluster scripts in ``templates/`` (same ids, operations and
constraints), but with the parameters checked first, since a template or script only substitutes text:

* a :class:`StackSpec` / :class:`ContainerSpec` holds the parameters; :func:`stack_problem` /
  :func:`container_problem` say what is wrong with them (one line), also against a target CIB
  (:class:`TargetCib`: ids already taken, a veid, dump file or DRBD resource already managed);
* :func:`plan_stack` / :func:`plan_container` turn them into a :class:`Plan` of resources and constraints;
* :func:`render_crm` / :func:`pcs_commands` write the plan for the CIB's schema (:func:`dialect_for`);
* :func:`apply_to_file` runs them against a CIB file, all or nothing.

Pacemaker subtleties are referenced to Pacemaker Explained (PE) and to
docs/pacemaker-semantics.md (cited as §N).
"""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from crm_ve.errors import CrmVeError, ToolMissingError, UsageError
from crm_ve.model.values import decimal_up_to, parse_bool
from crm_ve.reader import read_cib

# ------------------------------------------------------------------------------------------------------------
# parameters and their grammar

#: The agent's veid grammar (ra/ManageVE ``veid_problem``): 1-2147483644 (0 is the host), or a name, or an
#: OpenVZ 7 UUID.
VEID_MIN, VEID_MAX = 1, 2147483644
_VEID_NAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*\Z")
#: A Pacemaker id is an XML ID (an NCName); kept to ASCII, as crmsh and pcs write them.
_XML_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
#: DRBD resource names: no white space or path separators (drbdadm); kept to a safe ASCII set.
_DRBD_RESOURCE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*\Z")
_FSTYPE = re.compile(r"[a-z0-9][a-z0-9_.+-]*\Z")
#: Values that go unquoted into crm shell text and pcs arguments: no white space, quotes or backslashes.
_PLAIN_VALUE = re.compile(r"[^\s\"'\\=]+\Z")
#: Mount options (``mount -o``): comma-separated words and name=value pairs, such as ``data=ordered,noatime``.
_MOUNT_OPTIONS = re.compile(r"[A-Za-z0-9_.,=:+/@%-]+\Z")
#: Devices DRBD's udev rules create: /dev/drbdN, /dev/drbd/by-res/NAME[/VOLUME], /dev/drbd/by-disk/PATH.
_DRBD_DEVICE = re.compile(r"/dev/drbd([0-9]+|/by-res/[^/]+(/[0-9]+)?|/by-disk/.+)\Z")
#: Filesystem types Linux mounts (mount(8), the kernel's fs/ directory); the target node may have more
#: (/proc/filesystems of this machine is read too), so an unknown type is a warning, never a refusal.
LINUX_FSTYPES = frozenset("""
    ext2 ext3 ext4 xfs btrfs gfs2 ocfs2 reiserfs jfs nilfs2 f2fs vfat msdos exfat ntfs ntfs3 hfsplus udf iso9660
    nfs nfs4 cifs smb3 glusterfs ceph zfs tmpfs bcachefs
""".split())

DEFAULT_FSTYPE = "ext4"


def veid_problem(veid):
    """Why ``veid`` is not a container id in the agent's grammar, or None."""
    if not veid:
        return "is empty"
    number = decimal_up_to(veid, VEID_MAX + 1)
    if number is not None:
        if number < VEID_MIN:
            return "is 0, the host, not a container"
        if number > VEID_MAX:
            return f"is larger than {VEID_MAX}"
        return None
    if veid.startswith("-"):
        return "must not start with '-'"
    if not _VEID_NAME.match(veid):
        bad = next(c for c in veid if not re.match(r"[A-Za-z0-9_.-]", c))
        return f"contains {bad!r}; a container name may hold letters, digits, '-', '_' and '.'"
    return None


def id_problem(value):
    if not value:
        return "is empty"
    if not _XML_ID.match(value):
        return "is not a valid id (letters, digits, '_', '-' and '.', starting with a letter or '_')"
    return None


def path_problem(value):
    """Why ``value`` is not a plain absolute path, or None."""
    if not value:
        return "is empty"
    if not value.startswith("/"):
        return "is not an absolute path"
    if not _PLAIN_VALUE.match(value):
        return "contains white space, a quote, a backslash or '='"
    if os.path.normpath(value) != value:
        return f"is not a normalized path (write {os.path.normpath(value)})"
    return None


def is_below(path, directory):
    """True when ``path`` is strictly inside ``directory`` (both normalized absolute paths)."""
    return path != directory and os.path.commonpath([path, directory]) == directory


def default_container_id(veid):
    """``ve101`` for a numeric veid, ``ve-NAME`` otherwise."""
    return f"ve{veid}" if veid.isascii() and veid.isdigit() else f"ve-{veid}"


def default_device(drbd_resource):
    """The device DRBD's udev rules create for volume 0 of a resource (DRBD 8.4 and 9)."""
    return f"/dev/drbd/by-res/{drbd_resource}/0"


@dataclass(frozen=True)
class ContainerSpec:
    id: str
    veid: str
    dumpfile: str


@dataclass(frozen=True)
class StackSpec:
    id: str
    drbd_resource: str
    device: str
    directory: str
    fstype: str
    container: ContainerSpec
    options: str = ""
    stopped: bool = False

    @property
    def drbd_id(self):
        return f"{self.id}-drbd"

    @property
    def clone_id(self):
        return f"{self.id}-drbd-clone"

    @property
    def fs_id(self):
        return f"{self.id}-fs"


# ------------------------------------------------------------------------------------------------------------
# the target CIB


@dataclass
class TargetCib:
    """What the generator needs to know about the CIB it writes for."""

    name: str
    validate_with: Optional[str]
    ids: frozenset = frozenset()
    #: primitive id -> (agent "class:provider:type", {param: value})
    primitives: dict = field(default_factory=dict)
    #: the cluster option as configured (None: not set, Pacemaker's default true)
    stonith_enabled: Optional[str] = None

    @classmethod
    def read(cls, path):
        document = read_cib(path)
        configuration = document.configuration
        ids = frozenset(configuration.xpath(".//@id"))
        primitives = {}
        for primitive in configuration.iter("primitive"):
            agent = ":".join(p for p in (primitive.get("class"), primitive.get("provider"), primitive.get("type"))
                             if p)
            params = {nv.get("name"): nv.get("value", "")
                      for nv in primitive.xpath("./instance_attributes/nvpair")}
            primitives[primitive.get("id")] = (agent, params)
        stonith_enabled = configuration.xpath("string(crm_config/cluster_property_set"
                                              "/nvpair[@name='stonith-enabled']/@value)")
        return cls(document.name, document.validate_with, ids, primitives, stonith_enabled or None)

    def of_agent(self, *agents):
        return {rid: params for rid, (agent, params) in self.primitives.items() if agent in agents}

    @property
    def fencing_disabled(self):
        return parse_bool(self.stonith_enabled, True) is False

    @property
    def fencing_device_missing(self):
        """Fencing is enabled and no device is configured: Pacemaker starts no resource (crm_verify's "Resource
        start-up disabled since no STONITH resources have been defined")."""
        return not self.fencing_disabled and not any(agent.startswith("stonith:")
                                                     for agent, _ in self.primitives.values())

    def fencing_problem(self) -> Optional[str]:
        """Why the cluster of this CIB has no working fencing, or None (what crm_verify and CV406 see)."""
        if self.fencing_disabled:
            return (f"fencing is disabled in {self.name} (stonith-enabled={self.stonith_enabled}): DRBD risks a "
                    "split brain when a node stops answering (rule CV406)")
        if self.fencing_device_missing:
            return (f"{self.name} has no fencing device: Pacemaker starts no resource until one is configured "
                    "(stonith-enabled is true), and DRBD needs it against split brain")
        return None


CONTAINER_AGENTS = ("ocf:crm-ve:ManageVE", "ocf:heartbeat:ManageVE")
FILESYSTEM_AGENT = "ocf:heartbeat:Filesystem"
DRBD_AGENT = "ocf:linbit:drbd"


# ------------------------------------------------------------------------------------------------------------
# checking the parameters (the first problem, as (option, message))


def _container_problem(spec, directory, target):
    checks = (
        ("veid", spec.veid, veid_problem(spec.veid)),
        ("container", spec.id, id_problem(spec.id)),
        ("dumpfile", spec.dumpfile, path_problem(spec.dumpfile)),
    )
    for option, value, problem in checks:
        if problem:
            return option, f"{value!r} {problem}"
    if directory is not None and not is_below(spec.dumpfile, directory):
        return "dumpfile", (f"{spec.dumpfile!r} is not below the mount point {directory}: the checkpoint must "
                            "be on the replicated Filesystem for the other node to restore it")
    if target is not None:
        for rid, params in sorted(target.of_agent(*CONTAINER_AGENTS).items()):
            if params.get("veid") == spec.veid:
                return "veid", f"{spec.veid!r} is already managed by resource {rid} in {target.name}"
            if params.get("dumpfile") == spec.dumpfile:
                return "dumpfile", f"{spec.dumpfile!r} is already the dump file of resource {rid} in {target.name}"
    return None


def _ids_problem(ids, container_id, target):
    seen = set()
    for rid in ids:
        if rid in seen:
            return "container", f"{rid!r} is also the id of another part of the stack"
        seen.add(rid)
    if target is not None:
        taken = [rid for rid in ids if rid in target.ids]
        if taken:
            option = "container" if taken[0] == container_id else "id"
            return option, f"{taken[0]!r} already exists in {target.name}"
    return None


def stack_problem(spec: StackSpec, target: Optional[TargetCib] = None) -> Optional[Tuple[str, str]]:
    """The first problem with a whole-stack spec, as (parameter name, message), or None."""
    checks = (
        ("id", spec.id, id_problem(spec.id)),
        ("drbd-resource", spec.drbd_resource,
         None if _DRBD_RESOURCE.match(spec.drbd_resource or "") else "is not a DRBD resource name"),
        ("device", spec.device, path_problem(spec.device)),
        ("directory", spec.directory, path_problem(spec.directory)),
        ("fstype", spec.fstype, None if _FSTYPE.match(spec.fstype or "") else "is not a filesystem type"),
        ("options", spec.options,
         None if not spec.options or _MOUNT_OPTIONS.match(spec.options)
         else "is not a list of mount options (letters, digits and _ . , = : + / @ % -)"),
    )
    for option, value, problem in checks:
        if problem:
            return option, f"{value!r} {problem}"
    if spec.directory == "/":
        return "directory", "'/' cannot be the mount point of the DRBD device"
    problem = _container_problem(spec.container, spec.directory, target)
    if problem:
        return problem
    if target is not None:
        for rid, params in sorted(target.of_agent(DRBD_AGENT).items()):
            if params.get("drbd_resource") == spec.drbd_resource:
                return "drbd-resource", (f"{spec.drbd_resource!r} is already managed by resource {rid} in "
                                         f"{target.name}")
        for rid, params in sorted(target.of_agent(FILESYSTEM_AGENT).items()):
            if params.get("directory") == spec.directory:
                return "directory", f"{spec.directory!r} is already mounted by resource {rid} in {target.name}"
            if params.get("device") == spec.device:
                return "device", f"{spec.device!r} is already mounted by resource {rid} in {target.name}"
    return _ids_problem(plan_stack(spec).ids(), spec.container.id, target)


def stack_warnings(spec: StackSpec, target: Optional[TargetCib] = None) -> List[str]:
    """What may be wrong with a stack that crm-ve cannot refuse: the target node is not this machine, and a
    CIB without fencing still takes the stack."""
    warnings = []
    if not _DRBD_DEVICE.match(spec.device):
        warnings.append(f"--device {spec.device!r} is not a DRBD device (/dev/drbdN, /dev/drbd/by-res/NAME/VOLUME): "
                        "the Filesystem would mount it without DRBD's promotion and replication")
    if spec.fstype not in LINUX_FSTYPES | _this_machines_fstypes():
        warnings.append(f"--fstype {spec.fstype!r} is not a filesystem type Linux knows (mount -t); check it on "
                        "the cluster nodes")
    return warnings + target_warnings(target)


def target_warnings(target: Optional[TargetCib]) -> List[str]:
    """Warnings about the CIB a stack or a container is added to."""
    problem = target.fencing_problem() if target is not None else None
    return [problem] if problem else []


def _this_machines_fstypes():
    try:
        with open("/proc/filesystems") as listing:
            return frozenset(line.split()[-1] for line in listing if line.split())
    except OSError:
        return frozenset()


def filesystem_directory(target: TargetCib, filesystem):
    """The mount point of the Filesystem resource ``filesystem`` in ``target``; a UsageError if it is none."""
    if filesystem not in target.primitives:
        kind = "is not a primitive" if filesystem in target.ids else "does not exist"
        raise UsageError(f"--filesystem {filesystem!r} {kind} in {target.name}")
    agent, params = target.primitives[filesystem]
    if agent != FILESYSTEM_AGENT:
        raise UsageError(f"--filesystem {filesystem!r} is a {agent} resource in {target.name}, not a "
                         f"{FILESYSTEM_AGENT}")
    directory = params.get("directory", "")
    if path_problem(directory):
        raise UsageError(f"--filesystem {filesystem!r} in {target.name} has no usable directory parameter "
                         f"({directory!r})")
    return directory


def container_problem(spec: ContainerSpec, filesystem, directory,
                      target: Optional[TargetCib] = None) -> Optional[Tuple[str, str]]:
    """The first problem with one more container on ``filesystem`` mounted at ``directory``, or None."""
    problem = id_problem(filesystem)
    if problem:
        return "filesystem", f"{filesystem!r} {problem}"
    problem = path_problem(directory)
    if problem:
        return "directory", f"{directory!r} {problem}"
    return _container_problem(spec, directory, target) or _ids_problem(
        plan_container(spec, filesystem).ids(), spec.id, target)


# ------------------------------------------------------------------------------------------------------------
# the plan: resources and constraints, independent of the syntax

PROMOTED, UNPROMOTED = "promoted", "unpromoted"


@dataclass(frozen=True)
class Op:
    name: str
    interval: str
    timeout: str
    role: Optional[str] = None
    #: OCF_CHECK_LEVEL of a deeper monitor (the agent's action of that ``depth``)
    check_level: Optional[str] = None


#: Operations: the agents' advised timeouts (their meta-data), distinct monitor intervals per role (PE
#: "Monitoring Promotable Clone Instances": two monitors with the same interval are one operation).
DRBD_OPS = (
    Op("monitor", "29s", "20s", PROMOTED), Op("monitor", "31s", "20s", UNPROMOTED),
    Op("start", "0s", "240s"), Op("stop", "0s", "100s"), Op("promote", "0s", "90s"),
    Op("demote", "0s", "90s"), Op("notify", "0s", "90s"),
)
FILESYSTEM_OPS = (Op("monitor", "20s", "40s"), Op("start", "0s", "60s"), Op("stop", "0s", "60s"))
CONTAINER_OPS = (Op("monitor", "10s", "20s"), Op("monitor", "60s", "30s", check_level="10"),
                 Op("start", "0s", "120s"), Op("stop", "0s", "120s"))


@dataclass(frozen=True)
class Primitive:
    id: str
    agent: str
    params: Tuple[Tuple[str, str], ...]
    ops: Tuple[Op, ...]


@dataclass(frozen=True)
class PromotableClone:
    id: str
    primitive: Primitive
    stopped: bool = False


@dataclass(frozen=True)
class Colocation:
    """``rsc`` runs where ``with_rsc`` runs (in ``with_role``): with-rsc is placed first (§3.2)."""
    id: str
    rsc: str
    with_rsc: str
    with_role: Optional[str] = None


@dataclass(frozen=True)
class Order:
    id: str
    first: str
    first_action: str
    then: str
    then_action: str


@dataclass
class Plan:
    items: List[object]

    def ids(self):
        out = []
        for item in self.items:
            out.append(item.id)
            if isinstance(item, PromotableClone):
                out.append(item.primitive.id)
        return out


def _container_items(spec: ContainerSpec, filesystem):
    container = Primitive(spec.id, "ocf:crm-ve:ManageVE",
                          (("veid", spec.veid), ("dumpfile", spec.dumpfile), ("checkpoint_on_stop", "true")),
                          CONTAINER_OPS)
    return [
        container,
        # the container where the Filesystem is mounted, started after the mount; symmetrical, so it
        # stops before the unmount (PE "Ordering Constraints": symmetrical defaults to true for Mandatory)
        Colocation(f"{spec.id}-with-{filesystem}", spec.id, filesystem),
        Order(f"{filesystem}-before-{spec.id}", filesystem, "start", spec.id, "start"),
    ]


def plan_stack(spec: StackSpec) -> Plan:
    drbd = Primitive(spec.drbd_id, DRBD_AGENT, (("drbd_resource", spec.drbd_resource),), DRBD_OPS)
    fs_params = (("device", spec.device), ("directory", spec.directory), ("fstype", spec.fstype))
    if spec.options:
        fs_params += (("options", spec.options),)
    return Plan([
        PromotableClone(spec.clone_id, drbd, spec.stopped),
        Primitive(spec.fs_id, FILESYSTEM_AGENT, fs_params, FILESYSTEM_OPS),
        # mount only where DRBD is Promoted and only after the promote; both name the clone, not the
        # primitive inside it (§3.4), and the order's then-action is explicit (§4.4: crmsh leaves an
        # omitted then-action to default to the first-action, promote)
        Colocation(f"{spec.id}-fs-with-drbd", spec.fs_id, spec.clone_id, PROMOTED),
        Order(f"{spec.id}-drbd-before-fs", spec.clone_id, "promote", spec.fs_id, "start"),
    ] + _container_items(spec.container, spec.fs_id))


def plan_container(spec: ContainerSpec, filesystem) -> Plan:
    return Plan(_container_items(spec, filesystem))


# ------------------------------------------------------------------------------------------------------------
# syntax for a schema (§6.1, §6.2)


@dataclass(frozen=True)
class Dialect:
    """How a promotable clone and its roles are written for one CIB schema."""

    schema: str
    #: ``<master>`` (crm ``ms``, master-max): schemas before pacemaker-3.0 (Pacemaker 1.1), which predate
    #: promotable clones; ``<clone promotable=true>`` from pacemaker-3.0 (Pacemaker 2.0) on, required from
    #: pacemaker-4.0 where ``<master>`` is gone (§6.1).
    legacy_master: bool
    #: Promoted/Unpromoted are valid role values only from pacemaker-3.7 (§6.2); Master/Slave before.
    promoted: str
    unpromoted: str

    def role(self, role):
        return {PROMOTED: self.promoted, UNPROMOTED: self.unpromoted}[role]


LATEST_SCHEMA = "pacemaker-4.0"
_SCHEMA_VERSION = re.compile(r"pacemaker-([0-9]{1,6})\.([0-9]{1,6})\Z")
#: The schemas Pacemaker releases have shipped, up to Pacemaker 3.0 (``xml/`` of its source tree); the
#: installed Pacemaker's own (``/usr/share/pacemaker/pacemaker-*.rng``) are known too.
RELEASED_SCHEMAS = frozenset(["pacemaker-1.0", "pacemaker-1.2", "pacemaker-1.3"]
                             + [f"pacemaker-2.{minor}" for minor in range(11)]
                             + [f"pacemaker-3.{minor}" for minor in range(11)] + [LATEST_SCHEMA])
SCHEMA_DIRECTORY = "/usr/share/pacemaker"


def known_schema(name) -> bool:
    """Whether ``name`` is a ``validate-with`` Pacemaker knows: a released schema, one installed here,
    ``pacemaker-next`` or ``none``."""
    if name in RELEASED_SCHEMAS or name in ("pacemaker-next", "none"):
        return True
    return bool(_SCHEMA_VERSION.match(name)) and os.path.isfile(os.path.join(SCHEMA_DIRECTORY, f"{name}.rng"))


def dialect_for(validate_with: Optional[str]) -> Dialect:
    """The syntax for a CIB's ``validate-with`` (None: the newest, promotable clone and Promoted)."""
    schema = validate_with or LATEST_SCHEMA
    if schema in ("pacemaker-next", "none"):
        version = (99, 0)
    elif schema.startswith("transitional-"):
        version = (0, 6)
    else:
        match = _SCHEMA_VERSION.match(schema)
        if not match:
            raise UsageError(f"schema {schema!r}: not a Pacemaker schema name (such as pacemaker-3.9)")
        version = (int(match.group(1)), int(match.group(2)))
    new_roles = version >= (3, 7)
    return Dialect(schema, version < (3, 0), "Promoted" if new_roles else "Master",
                   "Unpromoted" if new_roles else "Slave")


def _clone_meta(clone: PromotableClone, dialect: Dialect):
    maxima = ("master-max", "master-node-max") if dialect.legacy_master else ("promoted-max", "promoted-node-max")
    meta = [] if dialect.legacy_master else [("promotable", "true")]
    meta += [(maxima[0], "1"), (maxima[1], "1"), ("clone-max", "2"), ("clone-node-max", "1"),
             # the DRBD agent refuses to run without notifications (§10)
             ("notify", "true")]
    if clone.stopped:
        meta.append(("target-role", "Stopped"))
    return meta


def _op_words(op: Op, dialect: Dialect):
    words = [f"interval={op.interval}"]
    if op.role:
        words.append(f"role={dialect.role(op.role)}")
    words.append(f"timeout={op.timeout}")
    if op.check_level:  # after timeout: crmsh reads the op's attributes first, then its instance attributes
        words.append(f"OCF_CHECK_LEVEL={op.check_level}")
    return words


# ------------------------------------------------------------------------------------------------------------
# crm shell text


def _crm_primitive(p: Primitive, dialect):
    lines = [f"primitive {p.id} {p.agent}",
             "\tparams " + " ".join(f"{k}={v}" for k, v in p.params)]
    lines += ["\top " + " ".join([op.name] + _op_words(op, dialect)) for op in p.ops]
    return " \\\n".join(lines)


def render_crm(plan: Plan, dialect: Dialect) -> str:
    """The plan as crm shell text for ``crm configure load update``."""
    out = []
    for item in plan.items:
        if isinstance(item, PromotableClone):
            out.append(_crm_primitive(item.primitive, dialect))
            keyword = "ms" if dialect.legacy_master else "clone"
            meta = " ".join(f"{k}={v}" for k, v in _clone_meta(item, dialect))
            out.append(f"{keyword} {item.id} {item.primitive.id} \\\n\tmeta {meta}")
        elif isinstance(item, Primitive):
            out.append(_crm_primitive(item, dialect))
        elif isinstance(item, Colocation):
            with_rsc = item.with_rsc + (f":{dialect.role(item.with_role)}" if item.with_role else "")
            out.append(f"colocation {item.id} inf: {item.rsc} {with_rsc}")
        elif isinstance(item, Order):
            out.append(f"order {item.id} Mandatory: {item.first}:{item.first_action} "
                       f"{item.then}:{item.then_action}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------------------
# pcs commands


def _pcs_ops(p: Primitive):
    # roles as pcs 0.11 spells them; pcs itself writes Master/Slave on schemas before pacemaker-3.7
    words = ["op"]
    for op in p.ops:
        words.append(op.name)
        words += _op_words(op, dialect_for(LATEST_SCHEMA))
    return words


def pcs_commands(plan: Plan, dialect: Dialect) -> List[List[str]]:
    """The plan as pcs argument lists (without ``pcs`` and ``-f``), in the order they must run."""
    if dialect.legacy_master:
        raise UsageError(f"--format pcs: the schema {dialect.schema} predates promotable clones (pacemaker-3.0) "
                         "and pcs 0.10 or newer cannot write a <master> resource; use --format crm")
    commands = []
    for item in plan.items:
        if isinstance(item, PromotableClone):
            p = item.primitive
            commands.append(["resource", "create", p.id, p.agent] + [f"{k}={v}" for k, v in p.params]
                            + _pcs_ops(p) + ["promotable", item.id]
                            + [f"{k}={v}" for k, v in _clone_meta(item, dialect) if k != "promotable"]
                            + ["--no-default-ops"])
        elif isinstance(item, Primitive):
            commands.append(["resource", "create", item.id, item.agent] + [f"{k}={v}" for k, v in item.params]
                            + _pcs_ops(item) + ["--no-default-ops"])
        elif isinstance(item, Colocation):
            role = ["Promoted"] if item.with_role == PROMOTED else []
            commands.append(["constraint", "colocation", "add", item.rsc, "with"] + role
                            + [item.with_rsc, "INFINITY", f"id={item.id}"])
        elif isinstance(item, Order):
            commands.append(["constraint", "order", item.first_action, item.first, "then", item.then_action,
                             item.then, "kind=Mandatory", f"id={item.id}"])
    return commands


def render_pcs(plan: Plan, dialect: Dialect, cib_file=None) -> str:
    prefix = ["pcs"] + (["-f", str(cib_file)] if cib_file else [])
    return "".join(shlex.join(prefix + argv) + "\n" for argv in pcs_commands(plan, dialect))


# ------------------------------------------------------------------------------------------------------------
# applying to a CIB file, all or nothing

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
TOOL_TIMEOUT = 300


class ApplyError(CrmVeError):
    """pcs or crmsh refused a step; nothing was applied."""


class ConcurrentChangeError(CrmVeError):
    exit_code = 3


def _tool(name):
    path = shutil.which(name)
    if path is None:
        package = {"pcs": "pcs", "crm": "crmsh"}[name]
        raise ToolMissingError(f"{name} is not installed (install the {package} package)")
    return path


def _refusal(argv, proc):
    text = _ANSI.sub("", (proc.stderr or "") + "\n" + (proc.stdout or ""))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines or [f"exit code {proc.returncode}"]
    command = " ".join(argv[:4]) + (" ..." if len(argv) > 4 else "")
    return f"{command} failed, nothing applied: {errors[0]}"


def apply_to_file(cib_file, plan: Plan, dialect: Dialect, fmt="pcs", unfenced=False) -> str:
    """Run the plan against ``cib_file``: on a temporary copy beside it, renamed over it only when every
    step succeeded (and the file did not change meanwhile). Returns what was run, as text.

    ``unfenced``: the CIB has fencing enabled and no device (:attr:`TargetCib.fencing_device_missing`, which
    the caller warns about); crmsh's load refuses any change for that where pcs applies the same steps, so
    crmsh is run with ``-F`` then, and only then."""
    cib_file = os.path.abspath(cib_file)
    with open(cib_file, "rb") as handle:
        original = handle.read()
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(cib_file), prefix=".crm-ve-stack-", suffix=".xml")
    script = None
    done = []
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(original)
        if fmt == "pcs":
            pcs = _tool("pcs")
            for argv in pcs_commands(plan, dialect):
                proc = subprocess.run([pcs, "-f", temporary] + argv, capture_output=True, text=True,
                                      timeout=TOOL_TIMEOUT)
                if proc.returncode != 0:
                    raise ApplyError(_refusal(["pcs"] + argv, proc))
                done.append(shlex.join(["pcs", "-f", cib_file] + argv) + "\n")
        else:
            crm = _tool("crm")
            fd, script = tempfile.mkstemp(prefix="crm-ve-stack-", suffix=".crm")
            with os.fdopen(fd, "w") as stream:
                stream.write(render_crm(plan, dialect))
            env = dict(os.environ, CIB_file=temporary)
            argv = [crm] + (["-F"] if unfenced else []) + ["configure", "load", "update", script]
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=TOOL_TIMEOUT)
            if proc.returncode != 0:
                raise ApplyError(_refusal(["crm", "configure", "load", "update"], proc))
            done.append(f"# CIB_file={cib_file} crm configure load update:\n" + render_crm(plan, dialect))
        with open(cib_file, "rb") as handle:
            if handle.read() != original:
                raise ConcurrentChangeError(f"{cib_file} changed while the stack was being applied; nothing "
                                            "applied (run again)")
        shutil.copymode(cib_file, temporary)
        os.replace(temporary, cib_file)
        return "".join(done)
    except subprocess.TimeoutExpired as exc:
        raise ApplyError(f"{exc.cmd[0]} did not finish within {TOOL_TIMEOUT}s; nothing applied") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
        if script:
            os.unlink(script)
