"""Two Pacemaker cluster nodes on one machine, for the end-to-end tests of issue 12.

Each node is a small *init* process started by
``unshare --net --mount --uts --pid --fork --mount-proc --propagation private``;
everything the node runs (corosync, pacemakerd, the agents they fork, the commands a test
issues) is entered into that init's namespaces with ``nsenter -t INIT -n -m -u -p``.

Why each namespace:

* **net**: the nodes talk over a veth pair (``crmve0``, 10.231.0.1/24 and 10.231.0.2/24) created
  directly inside the two namespaces, so no address or link ever exists on the host.  libqb's IPC
  endpoints (``cib_rw``, ``cpg``, ...) are *abstract* unix sockets, which belong to a network
  namespace: this is what keeps node 1's tools from talking to node 2's daemons.
* **mount**: libqb puts its IPC ring buffers in ``/dev/shm``, pacemaker keeps the CIB in
  ``/var/lib/pacemaker``, corosync and pacemaker keep pid and lock files in ``/run``: each node
  bind-mounts its own copies (see :data:`PRIVATE_DIRS`).  Mounts made by an agent on a node (the
  FakeFS "replicated filesystem") are visible on that node only.
* **uts**: the hostname is ``node1`` / ``node2``, as in the corosync nodelist.
* **pid**: pacemakerd looks for already running sub-daemons by name in ``/proc``; with one
  ``/proc`` per node it never sees the other node's.  It also makes teardown certain: when a
  node's init dies, the kernel kills every process of that node.  The init reaps orphans
  (a hard-killed pacemakerd leaves its children to it).

The unshare process gets ``PR_SET_PDEATHSIG`` and runs with ``--kill-child``, so even a
``kill -9`` of the test process takes both nodes down; :func:`reap_stale` cleans up after a run
that died some other way, using the process ids it recorded (never names).
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

NODE_NAMES = ("node1", "node2")
NODE_ADDRESSES = ("10.231.0.1", "10.231.0.2")
PREFIX_LENGTH = 24
LINK_NAME = "crmve0"
CLUSTER_NAME = "crmve-twonode"

#: Host paths that each node sees as its own directory (bind mounts of per-node directories).
#: Mode and owner are copied from the host path; the listed sub-directories are created the same way.
PRIVATE_DIRS: Dict[str, Sequence[str]] = {
    "/etc/corosync": ("uidgid.d",),
    "/var/lib/corosync": (),
    "/var/log/corosync": (),
    "/var/lib/pacemaker": ("cib", "pengine", "blackbox", "cores"),
    "/var/log/pacemaker": (),
    "/run": ("lock", "resource-agents"),
    "/dev/shm": (),
}

#: A directory that is private to each node (it lives in the node's own /run): the place for
#: per-node state such as the vzctl stand-in's, and for mount points.
NODE_PRIVATE_DIR = "/run/crmve-node"

#: Where this module records the process ids of running nodes (one file per test process), so
#: that a later run can stop a cluster left behind by a run that was killed.
STATE_DIR = Path("/run/crmve-twonode")

#: Cluster options every test cluster starts with (Pacemaker Explained, "Cluster Options").
#: There is no fencing device (and nothing to fence: the nodes share a kernel), hence
#: stonith-enabled=false; dc-deadtime is shortened so the first election does not wait the
#: default 20 s; cluster-delay (60 s by default: the network round trip the DC allows on top of an
#: action's timeout) is shortened because the nodes share a machine: see FAILOVER_TIMEOUT.
DEFAULT_CLUSTER_OPTIONS = {"stonith-enabled": "false", "dc-deadtime": "5s", "cluster-delay": "10s"}

#: How long a test waits for the survivor to recover after a node's pacemaker is killed.
#: Usually a few seconds; but Pacemaker 2.1.5 has a window, while the DC handles the peer's
#: loss, in which it deletes the lost node's transient attributes (promotion scores) and runs
#: the scheduler before the node's state says its controller is gone: the scheduler then plans
#: an ordinary move whose first action (the container's stop, timeout 120 s in our template) is
#: sent to the dead controller, and the DC recovers only when that action times out (its
#: timeout plus cluster-delay).  Seen about once in three runs on a loaded machine.
FAILOVER_TIMEOUT = 300

PACEMAKER_LOG = "/var/log/pacemaker/pacemaker.log"
# "Nov 25 22:45:29.441 node1 pacemaker-controld  [74] (execute_rsc_action) notice: Initiating
#  stop operation fs_stop_0 locally on node1 | action 4"
_INITIATING = re.compile(
    r"^(?P<stamp>\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}) \S+ pacemaker-controld .*?"
    r"Initiating (?P<action>\w+) operation (?P<key>\S+) (?:locally )?on (?P<node>[^\s|]+)")

#: Actions that are not part of a transition's moves: recurring monitors (and their cancellation),
#: clone notifications.
HOUSEKEEPING = ("monitor", "cancel", "notify")

PR_SET_PDEATHSIG = 1
NAMESPACE_KINDS = ("net", "mnt", "uts", "pid")

# The init of each node: pid 1 of the node's pid namespace.  It exits on SIGTERM (which makes
# the kernel kill everything else in the namespace) and otherwise reaps orphans forever.
_INIT_SCRIPT = """
import os, signal, time
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        time.sleep(0.2)
"""

REQUIRED_TOOLS = ("unshare", "nsenter", "ip", "mount", "corosync", "corosync-cfgtool",
                  "pacemakerd", "crm_mon", "crmadmin", "crm_resource", "cibadmin", "crm_attribute")


class TwoNodeError(RuntimeError):
    """The two-node environment could not be set up or did not reach the expected state."""


def namespaces_unavailable_reason() -> Optional[str]:
    """Why two namespaced nodes cannot run here, or None when they can.

    Tries, without leaving anything behind, what :meth:`TwoNodeCluster.start` needs: root, the
    tools, the namespaces, and a veth pair (created inside a throwaway network namespace).
    """
    if os.geteuid() != 0:
        return "needs root (namespaces, mounts, corosync and pacemaker)"
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return "missing tools: " + ", ".join(missing)
    probe = ("ip link set lo up && ip link add crmvea type veth peer name crmveb"
             " && mount -t tmpfs none /mnt && hostname probe")
    try:
        proc = subprocess.run(
            ["unshare", "--net", "--mount", "--uts", "--pid", "--fork", "--mount-proc",
             "--propagation", "private", "sh", "-c", probe],
            capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot create namespaces: {exc}"
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        return "cannot create namespaces or a veth pair: " + (detail[-1] if detail else f"exit {proc.returncode}")
    return None


def _set_parent_death_signal() -> None:
    """preexec_fn: the child gets SIGKILL when the test process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _ns_inode(pid: int, kind: str) -> Optional[int]:
    try:
        return os.stat(f"/proc/{pid}/ns/{kind}").st_ino
    except OSError:
        return None


def _start_time(pid: int) -> Optional[str]:
    """Field 22 of /proc/PID/stat (start time in clock ticks): with the pid, identifies a process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _children(pid: int) -> List[int]:
    out: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _copy_mode_and_owner(host_path: str, target: Path) -> None:
    st = os.stat(host_path)
    os.chown(target, st.st_uid, st.st_gid)
    os.chmod(target, st.st_mode & 0o7777)


def _kill_pid(pid: int, start_time: Optional[str], sig: int = signal.SIGKILL) -> None:
    """Signal one process, only if it is still the one that was recorded."""
    if start_time is not None and _start_time(pid) != start_time:
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def reap_stale() -> List[int]:
    """Stop nodes recorded in :data:`STATE_DIR` by test processes that died without tearing down.

    A record whose test process is still running belongs to a concurrent run and is left alone.
    """
    killed = []
    for state in STATE_DIR.glob("*.json"):
        try:
            records = json.loads(state.read_text())
        except (OSError, ValueError):
            continue
        owner = records.get("owner")
        if owner and _start_time(owner) == records.get("owner_start"):
            continue
        for rec in records.get("nodes", []):
            for key in ("init", "unshare"):
                pid, started = rec.get(key), rec.get(key + "_start")
                if pid and _start_time(pid) == started:
                    _kill_pid(pid, started)
                    killed.append(pid)
        state.unlink(missing_ok=True)
    return killed


@dataclass
class Node:
    """One cluster node: its namespaces (held by ``init_pid``) and its private directories."""

    number: int
    name: str
    address: str
    root: Path
    unshare: subprocess.Popen
    init_pid: int
    init_start: Optional[str]
    daemons: List[subprocess.Popen] = field(default_factory=list)
    #: Inodes of the node's namespaces, kept so that a test can check that they are gone.
    namespaces: Dict[str, Optional[int]] = field(default_factory=dict)

    def nsenter(self) -> List[str]:
        return ["nsenter", "-t", str(self.init_pid), "-n", "-m", "-u", "-p", "--"]

    def run(self, *argv: str, check: bool = True, timeout: float = 120,
            input: Optional[str] = None, env: Optional[Dict[str, str]] = None
            ) -> subprocess.CompletedProcess:
        """Run a command on this node; with check, a failure raises with the command's output."""
        full_env = dict(os.environ, **(env or {}))
        proc = subprocess.run(self.nsenter() + list(argv), capture_output=True, text=True,
                              timeout=timeout, input=input, env=full_env)
        if check and proc.returncode != 0:
            raise TwoNodeError(f"{self.name}: {' '.join(argv)} exited {proc.returncode}:\n"
                               f"{proc.stdout}{proc.stderr}")
        return proc

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run("sh", "-c", script, **kwargs)

    def spawn(self, argv: Sequence[str], log_name: str, env: Optional[Dict[str, str]] = None
              ) -> subprocess.Popen:
        """Start a long-running command on this node, its output going to ROOT/LOG_NAME."""
        log = open(self.root / log_name, "ab")
        try:
            proc = subprocess.Popen(self.nsenter() + list(argv), stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=dict(os.environ, **(env or {})),
                                    start_new_session=True)
        finally:
            log.close()
        self.daemons.append(proc)
        return proc

    def host_path(self, private_path: str) -> Path:
        """Where the host sees a path that is private to this node (one of PRIVATE_DIRS)."""
        for mounted in sorted(PRIVATE_DIRS, key=len, reverse=True):
            if private_path == mounted or private_path.startswith(mounted + "/"):
                rel = private_path[len(mounted):].lstrip("/")
                return self.root / _dir_key(mounted) / rel
        raise ValueError(f"{private_path} is not private to a node")

    def processes(self) -> List[tuple]:
        """(host pid, comm) of every process in any of this node's namespaces, init included."""
        mine = {(kind, ino) for kind, ino in self.namespaces.items() if ino is not None}
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                pid = int(entry.name)
                if any((kind, _ns_inode(pid, kind)) in mine for kind in NAMESPACE_KINDS):
                    out.append((pid, _comm(pid)))
        return out

    def is_mounted(self, path: str) -> bool:
        """Is PATH a mount point in this node's own mount namespace?"""
        return self.run("awk", '$5 == p { f = 1 } END { exit !f }', "p=" + path,
                        "/proc/self/mountinfo", check=False).returncode == 0

    def alive(self) -> bool:
        return self.init_start is not None and _start_time(self.init_pid) == self.init_start

    def net_inode(self) -> Optional[int]:
        return _ns_inode(self.init_pid, "net")


def _dir_key(host_path: str) -> str:
    return host_path.strip("/").replace("/", "-")


class TwoNodeCluster:
    """Two nodes, each running corosync (knet over the veth pair) and pacemakerd.

    Use as a context manager, or call :meth:`start` and, always, :meth:`stop`.
    ``shared_dir`` is a host directory that both nodes see at the same path (it is outside the
    private mounts): the stand-in for storage that DRBD replicates.
    """

    def __init__(self, workdir: Optional[Path] = None, cluster_options: Optional[Dict[str, str]] = None,
                 keep_files: Optional[bool] = None):
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="crmve-twonode-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        self.shared_dir = self.workdir / "shared"
        self.cluster_options = dict(DEFAULT_CLUSTER_OPTIONS, **(cluster_options or {}))
        self.keep_files = (not self._own_workdir) if keep_files is None else keep_files
        self.nodes: List[Node] = []
        self._stopped = False
        self.timings: Dict[str, float] = {}

    # ----------------------------------------------------------------- set-up
    def __enter__(self) -> "TwoNodeCluster":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def node(self, which) -> Node:
        """A node by number (1, 2) or name ('node1')."""
        for node in self.nodes:
            if which in (node.number, node.name):
                return node
        raise KeyError(which)

    def start(self, wait: bool = True) -> None:
        t0 = time.monotonic()
        reap_stale()
        atexit.register(self.stop)
        self.shared_dir.mkdir(exist_ok=True)
        os.chmod(self.shared_dir, 0o755)
        for number, (name, address) in enumerate(zip(NODE_NAMES, NODE_ADDRESSES), start=1):
            self.nodes.append(self._create_node(number, name, address))
            self._record()
        self._link_nodes()
        for node in self.nodes:
            self._write_corosync_conf(node)
            self._write_initial_cib(node)
        for node in self.nodes:
            node.spawn(["corosync", "-f"], "corosync.out")
        for node in self.nodes:
            self._wait(lambda n=node: n.run("corosync-cfgtool", "-s", check=False).returncode == 0,
                       60, f"corosync on {node.name} did not come up", node)
        self.timings["corosync"] = time.monotonic() - t0
        for node in self.nodes:
            node.spawn(["pacemakerd", "-f"], "pacemakerd.out", env=self._pacemaker_env())
        if wait:
            self.wait_online()
            self.timings["online"] = time.monotonic() - t0

    def _create_node(self, number: int, name: str, address: str) -> Node:
        root = self.workdir / name
        root.mkdir(exist_ok=True)
        os.chmod(root, 0o755)
        for host_path, subdirs in PRIVATE_DIRS.items():
            private = root / _dir_key(host_path)
            private.mkdir(exist_ok=True)
            _copy_mode_and_owner(host_path, private)
            for sub in subdirs:
                (private / sub).mkdir(exist_ok=True)
                if os.path.isdir(os.path.join(host_path, sub)):
                    _copy_mode_and_owner(os.path.join(host_path, sub), private / sub)
        for src in Path("/etc/corosync/uidgid.d").glob("*"):
            shutil.copy2(src, root / "etc-corosync" / "uidgid.d" / src.name)
        unshare = subprocess.Popen(
            ["unshare", "--net", "--mount", "--uts", "--pid", "--fork", "--kill-child",
             "--mount-proc", "--propagation", "private", sys.executable, "-I", "-S", "-c", _INIT_SCRIPT],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(root / "init.err", "ab"),
            preexec_fn=_set_parent_death_signal, start_new_session=True)
        deadline = time.monotonic() + 10
        init_pid = None
        while time.monotonic() < deadline and init_pid is None:
            kids = _children(unshare.pid)
            if kids and _ns_inode(kids[0], "pid") != _ns_inode(os.getpid(), "pid"):
                init_pid = kids[0]
            elif unshare.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if init_pid is None:
            unshare.kill()
            unshare.wait()
            raise TwoNodeError(f"{name}: unshare did not start the node's init: "
                               f"{(root / 'init.err').read_text().strip()}")
        node = Node(number, name, address, root, unshare, init_pid, _start_time(init_pid),
                    namespaces={kind: _ns_inode(init_pid, kind) for kind in NAMESPACE_KINDS})
        for host_path in PRIVATE_DIRS:
            node.run("mount", "--bind", str(root / _dir_key(host_path)), host_path)
        # Node names must resolve, as on a real cluster: crmsh pings a node before it puts it in
        # standby, and does nothing (exit 0, a warning) when the name does not resolve.
        hosts = root / "hosts"
        hosts.write_text(Path("/etc/hosts").read_text() + "".join(
            f"{a}\t{n}\n" for n, a in zip(NODE_NAMES, NODE_ADDRESSES)))
        os.chmod(hosts, 0o644)
        node.run("mount", "--bind", str(hosts), "/etc/hosts")
        node.run("mkdir", "-p", NODE_PRIVATE_DIR)
        node.run("hostname", name)
        node.run("ip", "link", "set", "lo", "up")
        return node

    def _link_nodes(self) -> None:
        one, two = self.nodes
        # Created inside node 1's namespace with its peer placed straight into node 2's: the
        # link never exists on the host.
        # (Only node 1's network namespace is entered, so that "netns PID" is read in the host's
        # pid namespace.)
        subprocess.run(["nsenter", "-t", str(one.init_pid), "-n", "--", "ip", "link", "add", LINK_NAME,
                        "type", "veth", "peer", "name", LINK_NAME, "netns", str(two.init_pid)],
                       check=True, capture_output=True, text=True, timeout=30)
        for node in self.nodes:
            node.run("ip", "addr", "add", f"{node.address}/{PREFIX_LENGTH}", "dev", LINK_NAME)
            node.run("ip", "link", "set", LINK_NAME, "up")

    def _write_corosync_conf(self, node: Node) -> None:
        nodelist = "".join(
            f"    node {{\n        name: {n.name}\n        nodeid: {n.number}\n"
            f"        ring0_addr: {n.address}\n    }}\n" for n in self.nodes)
        conf = (
            "# Written by tests/support/twonode.py for one node of a test cluster.\n"
            "totem {\n    version: 2\n    cluster_name: " + CLUSTER_NAME + "\n"
            "    transport: knet\n    crypto_cipher: none\n    crypto_hash: none\n}\n"
            "nodelist {\n" + nodelist + "}\n"
            # two_node: either node keeps quorum alone (and implies wait_for_all at start-up).
            "quorum {\n    provider: corosync_votequorum\n    two_node: 1\n}\n"
            "logging {\n    to_stderr: no\n    to_syslog: no\n    to_logfile: yes\n"
            "    logfile: /var/log/corosync/corosync.log\n    timestamp: on\n}\n")
        path = node.host_path("/etc/corosync/corosync.conf")
        path.write_text(conf)
        os.chmod(path, 0o644)

    def _write_initial_cib(self, node: Node) -> None:
        """An empty CIB with the cluster options, identical on both nodes (no .sig: a new CIB)."""
        cib = node.host_path("/var/lib/pacemaker/cib/cib.xml")
        empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout
        cib.write_text(empty)
        for name, value in self.cluster_options.items():
            subprocess.run(["crm_attribute", "--type", "crm_config", "--name", name, "--update", value],
                           env=dict(os.environ, CIB_file=str(cib)), check=True, capture_output=True)
        st = os.stat(cib.parent)
        os.chown(cib, st.st_uid, st.st_gid)
        os.chmod(cib, 0o600)

    @staticmethod
    def _pacemaker_env() -> Dict[str, str]:
        return {"PCMK_logfile": PACEMAKER_LOG, "PCMK_logfacility": "none",
                "PCMK_debug": "no"}

    @property
    def _state_file(self) -> Path:
        return STATE_DIR / f"{os.getpid()}-{id(self)}.json"

    def _record(self) -> None:
        STATE_DIR.mkdir(mode=0o700, exist_ok=True)
        records = {"owner": os.getpid(), "owner_start": _start_time(os.getpid()),
                   "nodes": [{"name": n.name, "init": n.init_pid, "init_start": n.init_start,
                              "unshare": n.unshare.pid, "unshare_start": _start_time(n.unshare.pid)}
                             for n in self.nodes]}
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(records))
        tmp.replace(self._state_file)

    # ------------------------------------------------------------ observation
    def _wait(self, predicate: Callable[[], bool], timeout: float, what: str,
              node: Optional[Node] = None, interval: float = 0.5) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if time.monotonic() > deadline:
                raise TwoNodeError(f"{what} within {timeout:.0f} s\n{self.diagnostics()}")
            time.sleep(interval)

    def status_xml(self, node=1) -> Optional[ET.Element]:
        proc = self.node(node).run("crm_mon", "-1", "--output-as=xml", check=False, timeout=30)
        if proc.returncode != 0:
            return None
        try:
            return ET.fromstring(proc.stdout)
        except ET.ParseError:
            return None

    def online_nodes(self, node=1) -> List[str]:
        status = self.status_xml(node)
        if status is None:
            return []
        return sorted(n.get("name") for n in status.iter("node")
                      if n.get("online") == "true" and n.get("name"))

    def dc(self, node=1) -> Optional[str]:
        """The DC as a node sees it, or None while there is none (or no quorum)."""
        status = self.status_xml(node)
        if status is None:
            return None
        dc = status.find("./summary/current_dc")
        if dc is None or dc.get("present") != "true" or dc.get("with_quorum") != "true":
            return None
        return dc.get("name")

    def wait_online(self, timeout: float = 180, names: Iterable[str] = NODE_NAMES, via=None) -> str:
        """Wait until the nodes NAMES are online and a DC with quorum is elected; return the DC.

        VIA lists the nodes whose view is checked (default: every node in NAMES)."""
        names = sorted(names)
        views = via if via is not None else names
        result = {}

        def settled() -> bool:
            dcs = {self.dc(v) for v in views}
            if len(dcs) != 1 or None in dcs:
                return False
            if not all(self.online_nodes(v) == names for v in views):
                return False
            result["dc"] = dcs.pop()
            return True

        self._wait(settled, timeout, f"nodes {names} not online with an elected DC", interval=1)
        return result["dc"]

    def wait_idle(self, timeout: float = 180, via=1) -> None:
        """Wait until the DC is idle and the scheduler has nothing left to do.

        ``crm_resource --wait`` alone can return between transitions; the DC state S_IDLE alone
        can be seen before the scheduler has run for a new CIB change: require both, twice.
        """
        node = self.node(via)
        streak = {"n": 0}

        def idle() -> bool:
            dc = self.dc(via)
            ok = False
            if dc:
                state = node.run("crmadmin", "-q", "-S", dc, check=False, timeout=30)
                if "S_IDLE" in state.stdout + state.stderr:
                    ok = node.run("crm_resource", "--wait", "--timeout", "60s", check=False,
                                  timeout=90).returncode == 0
            streak["n"] = streak["n"] + 1 if ok else 0
            return streak["n"] >= 2

        self._wait(idle, timeout, "cluster not idle", interval=1)

    def resource_nodes(self, resource: str, via=1, role: Optional[str] = None) -> List[str]:
        """Nodes where RESOURCE (a primitive or a clone instance) is active, per crm_mon."""
        status = self.status_xml(via)
        found = []
        if status is None:
            return found
        for res in status.iter("resource"):
            rid = res.get("id", "")
            if rid != resource and rid.split(":")[0] != resource:
                continue
            if res.get("active") != "true" or res.get("failed") == "true":
                continue
            if role and res.get("role") not in _role_names(role):
                continue
            found += [n.get("name") for n in res.iter("node")]
        return sorted(found)

    def log_mark(self) -> Dict[str, int]:
        """Current size of each node's pacemaker log: pass it to :meth:`initiated_actions`."""
        mark = {}
        for node in self.nodes:
            path = node.host_path(PACEMAKER_LOG)
            mark[node.name] = path.stat().st_size if path.exists() else 0
        return mark

    def initiated_actions(self, since: Optional[Dict[str, int]] = None,
                          include_housekeeping: bool = False) -> List[tuple]:
        """The resource actions the DC initiated, in order: (action, resource, node) tuples.

        Monitors, their cancellations and clone notifications are left out unless
        INCLUDE_HOUSEKEEPING.

        Read from the controllers' "Initiating ACTION operation KEY [locally] on NODE" log lines
        of both nodes (whichever was DC), merged by their millisecond time stamps.  A DC initiates
        an action only once the actions it depends on are confirmed, so this is the order the
        cluster executed the transition in.  Clone instance numbers are dropped (``stateful:1``
        is ``stateful``).
        """
        since = since or {}
        found = []
        for node in self.nodes:
            path = node.host_path(PACEMAKER_LOG)
            if not path.exists():
                continue
            with open(path, "rb") as log:
                log.seek(since.get(node.name, 0))
                text = log.read().decode(errors="replace")
            for line in text.splitlines():
                m = _INITIATING.match(line)
                if not m or (m["action"] in HOUSEKEEPING and not include_housekeeping):
                    continue
                resource = m["key"][:m["key"].rfind("_" + m["action"] + "_")].split(":")[0]
                found.append((m["stamp"], m["action"], resource, m["node"]))
        found.sort(key=lambda item: item[0])
        return [item[1:] for item in found]

    def load_configuration(self, configuration: bytes, via=1) -> None:
        """Replace the live resources and constraints by those of CONFIGURATION (a ``<cib>``).

        Resources go first, so that the constraints never name a resource the CIB lacks.
        """
        root = ET.fromstring(configuration)
        for section in ("resources", "constraints"):
            element = root if root.tag == section else root.find(f".//{section}")
            if element is None:
                raise TwoNodeError(f"configuration has no <{section}> section")
            self.node(via).run("cibadmin", "--replace", "--scope", section, "--xml-pipe",
                               input=ET.tostring(element, encoding="unicode"))

    def crm(self, *args: str, via=1, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return self.node(via).run("crm", *args, check=check, **kwargs)

    def diagnostics(self, tail: int = 40) -> str:
        parts = []
        for node in self.nodes:
            if not node.alive():
                parts.append(f"== {node.name}: not running")
                continue
            mon = node.run("crm_mon", "-1", "-r", "-f", check=False, timeout=20)
            parts.append(f"== {node.name}: crm_mon\n{mon.stdout}{mon.stderr}")
            for log in (PACEMAKER_LOG, "/var/log/corosync/corosync.log"):
                path = node.host_path(log)
                if path.exists():
                    lines = path.read_text(errors="replace").splitlines()[-tail:]
                    parts.append(f"== {node.name}: {log} (last {len(lines)} lines)\n" + "\n".join(lines))
        return "\n".join(parts)

    # ------------------------------------------------------------- failures
    def kill_pacemaker(self, which) -> List[int]:
        """kill -9 a node's pacemakerd and every pacemaker daemon (corosync stays up)."""
        node = self.node(which)
        targets = [pid for pid, comm in node.processes()
                   if comm == "pacemakerd" or comm.startswith("pacemaker-")]
        for pid in targets:
            _kill_pid(pid, None)
        self._wait(lambda: not any(c == "pacemakerd" or c.startswith("pacemaker-")
                                   for _, c in node.processes()),
                   30, f"pacemaker on {node.name} did not die")
        return targets

    def kill_node(self, which) -> List[int]:
        """A node failure: kill -9 its pacemaker daemons, then its corosync, so the survivor sees the node
        leave the membership. Killing pacemaker alone leaves corosync up, and Pacemaker 2.1.5 then sometimes
        keeps scheduling for the half-dead node until an action on it times out."""
        targets = self.kill_pacemaker(which)
        node = self.node(which)
        coro = [pid for pid, comm in node.processes() if comm == "corosync"]
        for pid in coro:
            _kill_pid(pid, None)
        self._wait(lambda: not any(c == "corosync" for _, c in node.processes()),
                   30, f"corosync on {node.name} did not die")
        return targets + coro

    # --------------------------------------------------------------- teardown
    def stop(self, graceful_timeout: float = 60) -> None:
        """Stop everything this cluster started; safe to call more than once and after a failure.

        Pacemaker is first asked to stop (SIGTERM to pacemakerd, which stops the resources), then
        every node's init is killed, which kills whatever is left in its pid namespace; the
        namespaces, the veth pair and the mounts go with their last process.
        """
        if self._stopped:
            return
        self._stopped = True
        try:
            alive = [n for n in self.nodes if n.alive()]
            if graceful_timeout > 0:
                for node in alive:
                    for pid, comm in node.processes():
                        if comm == "pacemakerd":
                            _kill_pid(pid, None, signal.SIGTERM)
                deadline = time.monotonic() + graceful_timeout
                while time.monotonic() < deadline and any(
                        c == "pacemakerd" for n in alive for _, c in n.processes()):
                    time.sleep(0.5)
        finally:
            for node in self.nodes:
                _kill_pid(node.init_pid, node.init_start)
            for node in self.nodes:
                # unshare exits once its child, the init, is gone.
                for proc in [node.unshare] + node.daemons:
                    try:
                        proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=10)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(n.processes() for n in self.nodes):
                time.sleep(0.1)
            self._state_file.unlink(missing_ok=True)
            try:
                atexit.unregister(self.stop)
            except Exception:
                pass
            if not self.keep_files:
                shutil.rmtree(self.workdir, ignore_errors=True)


def is_subsequence(expected: Sequence, actual: Sequence) -> bool:
    """Do the EXPECTED items occur in ACTUAL in this order (other items may come between)?"""
    remaining = iter(actual)
    return all(any(item == seen for seen in remaining) for item in expected)


def _role_names(role: str) -> Sequence[str]:
    """crm_mon prints the new role names (Promoted/Unpromoted) or the old ones, by version."""
    aliases = {"Promoted": ("Promoted", "Master"), "Unpromoted": ("Unpromoted", "Slave")}
    return aliases.get(role, (role,))
