"""A real single-node Pacemaker cluster on this machine, for the live tests (issues 7 and 10).

Use it from an area's conftest::

    from support.live_cluster import live_cluster, clean_live_cluster, pytest_runtest_makereport  # noqa: F401

``live_cluster`` (session scope) starts the cluster at first use and stops it at the end of the
session; ``clean_live_cluster`` (function scope) gives the same cluster with no resources and no
constraints, idle.  The hook adds the cluster's state and log tails to the report of a failed test.

How it runs (root, no systemd): corosync (knet over 127.0.0.1, one node named after the host, so
that ``crm_node -n``, ``uname -n`` and crmsh agree) with a corosync.conf in a temporary directory
(``corosync -f -c FILE``; /etc/corosync is not touched), then ``pacemakerd -f``.  Both are
children of a *keeper* process (:mod:`support.cluster_keeper`) that stops them whenever the test
process ends, even by ``kill -9``; the keeper also moves the machine's ``/var/lib/pacemaker/cib``,
``/var/lib/pacemaker/pengine`` and ``/var/lib/corosync`` aside and puts them back afterwards.  The
first CIB is written before Pacemaker starts, with ``stonith-enabled=false`` (there is no fencing
device) and a short ``dc-deadtime``: the node is DC about 5 s after start instead of 25 s.

Timing on the 2-core Debian 12 test machine (pacemaker 2.1.5, corosync 3.1.7): start about 5 s (corosync
answers after 0.4 s, the node is DC 3.5 s later, idle 1 s after that), stop about 1.2 s (pacemakerd 0.1 s,
corosync 1 s); with the default dc-deadtime the DC would come after about 25 s.  ``cluster.timings`` has the
figures of a run.  :meth:`LiveCluster.wait_idle` costs about 0.1 s on an idle cluster (``crm_resource --wait``
alone always sleeps 2 s).

It refuses to run (:class:`LiveClusterError`) where a cluster is already running or configured
(a corosync.conf that is not the package's, an authkey, a CIB with resources or constraints);
the distribution services a package install may have started with the package's default
configuration (pcsd, pacemaker, corosync) are stopped first.  Concurrent test sessions on one
machine take turns (a lock file); a session killed with SIGKILL is cleaned up by its keeper, and a
killed keeper by the next session (the state file in /run).
"""
from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import pytest

from support.cluster_keeper import restore_saved
from support.tools import in_ci

KEEPER = Path(__file__).with_name("cluster_keeper.py")
LOCK_FILE = Path("/run/crm-ve-live-cluster.lock")
STATE_FILE = Path("/run/crm-ve-live-cluster.json")
SAVED_SUFFIX = ".crm-ve-saved"

#: What the cluster writes to, moved aside for the session and put back afterwards: a directory
#: with the glob patterns of the files concerned, or None for the whole directory.  In the CIB
#: directory only Pacemaker's own files (cib.xml, cib.xml.sig, cib-N.raw, cib.last, temporary
#: cib.XXXXXX) are moved: crm_shadow keeps shadow.NAME files there, which other tests may be using.
STATE_DIRS = {"/var/lib/pacemaker/cib": ["cib.*", "cib-*"], "/var/lib/pacemaker/pengine": None,
              "/var/lib/corosync": None}
#: pacemakerd chowns these to hacluster at start; their owner and mode are put back.
KEEP_ATTRS = ("/var/lib/pacemaker",)
CIB_DIR = "/var/lib/pacemaker/cib"
COROSYNC_CONF = "/etc/corosync/corosync.conf"
COROSYNC_AUTHKEY = "/etc/corosync/authkey"

REQUIRED_TOOLS = ("corosync", "corosync-cfgtool", "pacemakerd", "crm_mon", "crmadmin", "crm_resource",
                  "cibadmin", "crm_attribute", "crm_node", "crm_simulate")
CLUSTER_NAME = "crmve-live"

#: Cluster options of the first CIB.  No fencing device exists, hence stonith-enabled=false;
#: dc-deadtime (Pacemaker Explained, "Cluster Options") is how long a starting controller waits
#: for an existing DC before electing itself: 20 s by default, pointless for one node.
INITIAL_OPTIONS = {"stonith-enabled": "false", "dc-deadtime": "1s"}

#: Environment variables that would point Pacemaker's tools at something other than the live CIB.
OFFLINE_CIB_VARIABLES = ("CIB_file", "CIB_shadow", "CIB_shadow_dir")


ENV_LOCK_WAIT = "CRM_VE_LIVE_LOCK_WAIT"      # seconds to wait for another session (default 900)
ENV_KEEP_LOGS = "CRM_VE_LIVE_KEEP_LOGS"      # "1": keep the work directory even when all passed


class LiveClusterError(RuntimeError):
    """The live cluster refused to start, did not reach the expected state, or a command failed."""


# ------------------------------------------------------------------------- processes
def _stat_fields(pid: int) -> Optional[List[str]]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def start_tick(pid: int) -> Optional[int]:
    """Start time of PID in clock ticks after boot (field 22 of /proc/PID/stat)."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _cmdline(pid: int) -> List[str]:
    try:
        return [a for a in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if a]
    except OSError:
        return []


def _net_ns(pid) -> Optional[int]:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def is_cluster_daemon(comm: str) -> bool:
    return comm in ("corosync", "pacemakerd") or comm.startswith("pacemaker-")


def _is_pcsd(pid: int) -> bool:
    return _comm(pid) in ("pcsd", "pcsd-ruby") or any(
        os.path.basename(a) in ("pcsd", "pcsd-ruby") for a in _cmdline(pid)[:3])


def cluster_processes(predicate=is_cluster_daemon) -> List[Tuple[int, str]]:
    """(pid, name) of corosync / pacemakerd / pacemaker-* processes that can reach our CIB.

    Only processes in this process's network namespace count: Pacemaker's and corosync's IPC
    sockets are abstract unix sockets, which belong to a network namespace, so a cluster in
    another namespace (the two-node tests' nodes) neither conflicts with nor is disturbed by ours.
    """
    mine = _net_ns("self")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        comm = _comm(pid)
        if comm and predicate(comm) and _net_ns(pid) == mine:
            found.append((pid, comm))
    return sorted(found)


def _pcsd_processes() -> List[Tuple[int, str]]:
    mine = _net_ns("self")
    return [(pid, _comm(pid)) for pid in (int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit())
            if _net_ns(pid) == mine and _is_pcsd(pid)]


def _kill_recorded(pid: Optional[int], tick: Optional[int], sig=signal.SIGKILL) -> bool:
    if not pid or tick is None or start_tick(pid) != tick:
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


# ------------------------------------------------------------------ preconditions
def unavailable_reason() -> Optional[str]:
    """Why the live cluster cannot run on this machine at all (not root, a tool missing), or None."""
    if os.geteuid() != 0:
        return "the live cluster needs root (corosync and pacemakerd run as root)"
    missing = [t for t in REQUIRED_TOOLS if shutil.which(t) is None]
    if missing:
        return "required tool(s) not installed: " + ", ".join(missing)
    if not os.path.isdir(CIB_DIR):
        return f"{CIB_DIR} does not exist (is pacemaker installed?)"
    return None


def _package_conffile_md5(package: str, path: str) -> Optional[str]:
    if shutil.which("dpkg-query") is None:
        return None
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Conffiles}\n", package],
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == path:
            return parts[1]
    return None


def _has_children(element: Optional[ET.Element]) -> bool:
    return element is not None and len(element) > 0


def configured_reasons(corosync_conf: str = COROSYNC_CONF, authkey: str = COROSYNC_AUTHKEY,
                       cib_dir: str = CIB_DIR, state_dirs: Iterable[str] = STATE_DIRS) -> List[str]:
    """Why this machine looks like a configured cluster node (empty: it does not).

    A package install leaves the package's own corosync.conf, no authkey and no CIB; anything
    else was configured by someone, and the live tests must not run over it.
    """
    reasons = []
    if os.path.exists(corosync_conf):
        expected = _package_conffile_md5("corosync", COROSYNC_CONF)
        actual = hashlib.md5(Path(corosync_conf).read_bytes()).hexdigest()
        if expected is None:
            reasons.append(f"{corosync_conf} exists and cannot be compared with the package's (no dpkg)")
        elif actual != expected:
            reasons.append(f"{corosync_conf} differs from the corosync package's default")
    if os.path.exists(authkey):
        reasons.append(f"{authkey} exists (made by a cluster set-up)")
    cib = Path(cib_dir) / "cib.xml"
    if cib.exists():
        try:
            root = ET.parse(cib).getroot()
        except ET.ParseError as exc:
            reasons.append(f"{cib} exists and cannot be parsed: {exc}")
        else:
            used = [section for section in ("resources", "constraints")
                    if _has_children(root.find(f"configuration/{section}"))]
            if used:
                reasons.append(f"{cib} has {' and '.join(used)}")
    for path in state_dirs:
        if os.path.lexists(path + SAVED_SUFFIX):
            reasons.append(f"{path + SAVED_SUFFIX} exists (left by a killed test session): "
                           f"put it back as {path} by hand")
    return reasons


def running_reasons() -> List[str]:
    """The cluster daemons running here (in this network namespace), as refusal reasons."""
    running = cluster_processes()
    if not running:
        return []
    return ["a cluster is already running here (" + ", ".join(f"{name} pid {pid}" for pid, name in running)
            + "); stop it first"]


def _wait_gone(pids: Dict[int, Optional[int]], timeout: float) -> Dict[int, Optional[int]]:
    """Wait until the processes (pid -> start tick) are gone; return those still there."""
    deadline = time.monotonic() + timeout
    while True:
        alive = {pid: tick for pid, tick in pids.items() if tick is not None and start_tick(pid) == tick}
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def _stop_processes(pids: Iterable[int], timeout: float) -> None:
    """SIGTERM, wait, SIGKILL what is left: by process id (and start time, so a reused id is left alone)."""
    recorded = {pid: start_tick(pid) for pid in pids}
    for pid, tick in recorded.items():
        _kill_recorded(pid, tick, signal.SIGTERM)
    for pid, tick in _wait_gone(recorded, timeout).items():
        _kill_recorded(pid, tick)
    _wait_gone(recorded, 10)


def stop_distribution_services(log=print, timeout: float = 120) -> List[str]:
    """Stop pcsd, pacemaker and corosync that a package install started with its default configuration.

    Called only when :func:`configured_reasons` found nothing.  They are stopped by process id, in this
    network namespace only: the packages' init scripts find their daemons with pidof and killall, which would
    also stop the clusters of other namespaces (the two-node tests' nodes).
    """
    stopped = []
    pcsd = [pid for pid, _ in _pcsd_processes()]
    if pcsd:
        _stop_processes(pcsd, 30)
        stopped.append("pcsd")
    pacemakerd = [pid for pid, comm in cluster_processes() if comm == "pacemakerd"]
    if pacemakerd or [pid for pid, comm in cluster_processes() if comm.startswith("pacemaker-")]:
        # pacemakerd stops its sub-daemons (and the resources) on SIGTERM; what it leaves is stopped after.
        _stop_processes(pacemakerd, timeout)
        _stop_processes([pid for pid, comm in cluster_processes() if comm.startswith("pacemaker-")], 30)
        stopped.append("pacemaker")
    corosync = [pid for pid, comm in cluster_processes() if comm == "corosync"]
    if corosync:
        _stop_processes(corosync, 60)
        stopped.append("corosync")
    for pidfile in ("/run/corosync.pid", "/run/pacemakerd.pid", "/run/pcsd.pid"):
        try:
            pid = int(Path(pidfile).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if start_tick(pid) is None:
            Path(pidfile).unlink(missing_ok=True)
    for service in stopped:
        log(f"live cluster: stopped the distribution service {service} (it ran with the package's configuration)")
    return stopped


def reap_stale(state_file: Path = STATE_FILE, log=print) -> bool:
    """Clean up after a session whose keeper was killed: its daemons, its saved directories.

    Called with the lock held, so the session that wrote STATE_FILE has ended.  Returns True when
    there was something to clean.
    """
    try:
        state = json.loads(state_file.read_text())
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        state = {}
    keeper, keeper_tick = state.get("keeper"), state.get("keeper_tick")
    if keeper and start_tick(keeper) == keeper_tick:
        # The keeper outlived its session and is tearing down (or stuck): let it finish.
        _kill_recorded(keeper, keeper_tick, signal.SIGTERM)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and start_tick(keeper) == keeper_tick:
            time.sleep(0.2)
        _kill_recorded(keeper, keeper_tick)
    since = state.get("keeper_tick")
    if since is not None:
        # Started after that keeper, while its session held the lock (and found no cluster
        # running before it started): these daemons are that session's.
        for pid, comm in cluster_processes():
            tick = start_tick(pid)
            if tick is not None and tick >= since:
                log(f"live cluster: killing {comm} ({pid}) left by a killed test session")
                _kill_recorded(pid, tick)
    for path, patterns in dict(state.get("saved", {})).items():
        saved = path + SAVED_SUFFIX
        if os.path.lexists(saved):
            log(f"live cluster: putting back {path} saved by a killed test session")
            restore_saved(path, saved, patterns)
    for path, (mode, uid, gid) in state.get("attrs", {}).items():
        if os.path.exists(path):
            os.chown(path, uid, gid)
            os.chmod(path, mode)
    state_file.unlink(missing_ok=True)
    return True


def acquire_lock(wait: float, log=print) -> int:
    """Open LOCK_FILE and take its lock (waiting up to WAIT seconds for another session); return the fd.

    Closing the descriptor releases the lock; so does the end of the process, however it ends.
    """
    fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 100, 0).decode(errors="replace").strip()
                os.close(fd)
                raise LiveClusterError(
                    f"another test session (pid {holder or '?'}) holds {LOCK_FILE} and runs the live "
                    f"cluster; waited {wait:.0f} s (set {ENV_LOCK_WAIT} to wait longer)") from None
            if not told:
                log(f"live cluster: waiting for another test session to release {LOCK_FILE}")
                told = True
            time.sleep(1)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


# ------------------------------------------------------------------------- helpers
def offline_free_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """os.environ without the variables that redirect Pacemaker's tools to a file or a shadow."""
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_CIB_VARIABLES}
    env.update(extra or {})
    return env


def configuration_digest_of(xml_text: str) -> str:
    """sha256 of the canonical form (C14N 2.0, whitespace-only text dropped) of an XML element."""
    return hashlib.sha256(ET.canonicalize(xml_data=xml_text, strip_text=True).encode()).hexdigest()


_ROLE_ALIASES = {"Promoted": ("Promoted", "Master"), "Unpromoted": ("Unpromoted", "Slave")}


@dataclass(frozen=True)
class CibVersion:
    """The CIB's version triple; Pacemaker orders CIBs by (admin_epoch, epoch, num_updates)."""

    admin_epoch: int
    epoch: int
    num_updates: int

    def as_tuple(self) -> Tuple[int, int, int]:
        return (self.admin_epoch, self.epoch, self.num_updates)

    def __str__(self) -> str:
        return f"{self.admin_epoch}.{self.epoch}.{self.num_updates}"


@dataclass(frozen=True)
class ResourceInstance:
    """One line of crm_mon's resource list: a primitive, or one instance of a clone."""

    id: str
    role: str
    active: bool
    failed: bool
    blocked: bool
    managed: bool
    nodes: Tuple[str, ...]


# ------------------------------------------------------------------------- the cluster
class LiveCluster:
    """A single-node cluster of this machine.  :meth:`start`, then always :meth:`stop`."""

    def __init__(self, workdir: Optional[Path] = None, lock_wait: Optional[float] = None,
                 log=None, lock_fd: Optional[int] = None):
        """LOCK_FD: a descriptor of LOCK_FILE on which the caller already holds the lock (see
        :func:`acquire_lock`), for a test that must keep other sessions out before and after this cluster;
        it is not released by :meth:`stop`."""
        self.node_name = os.uname().nodename
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="crm-ve-live-"))
        self.lock_wait = float(os.environ.get(ENV_LOCK_WAIT, 900)) if lock_wait is None else lock_wait
        self.timings: Dict[str, float] = {}
        self.stop_report: Optional[dict] = None
        self.stopped_services: List[str] = []
        self._log = log or (lambda msg: print(msg, file=sys.stderr))
        self._lock_fd: Optional[int] = None
        self._given_lock_fd = lock_fd
        self._keeper: Optional[subprocess.Popen] = None
        self._started = False
        self._stopped = False

    # ------------------------------------------------------------------ paths
    @property
    def corosync_conf(self) -> Path:
        return self.workdir / "corosync.conf"

    @property
    def logs(self) -> Dict[str, Path]:
        return {name: self.workdir / name for name in
                ("pacemaker.log", "corosync.log", "pacemakerd.out", "corosync.out")}

    # ------------------------------------------------------------------ start
    def start(self) -> "LiveCluster":
        if self._started:
            raise LiveClusterError("this live cluster was already started")
        self._started = True
        t0 = time.monotonic()
        reason = unavailable_reason()
        if reason:
            raise LiveClusterError(reason)
        atexit.register(self.stop)
        try:
            self._acquire_lock()
            self.timings["lock"] = time.monotonic() - t0
            reap_stale(log=self._log)
            self._refuse_if_configured_or_running()
            self._start_keeper()
            self._write_corosync_conf()
            self._write_initial_cib()
            t1 = time.monotonic()
            self._keeper_call({"op": "spawn", "argv": ["corosync", "-f", "-c", str(self.corosync_conf)],
                               "log": str(self.logs["corosync.out"])})
            self._wait(self._corosync_ready, 30, "corosync did not answer corosync-cfgtool -s")
            self.timings["corosync"] = time.monotonic() - t1
            self._keeper_call({"op": "spawn", "argv": ["pacemakerd", "-f"],
                               "env": {"PCMK_logfile": str(self.logs["pacemaker.log"]),
                                       "PCMK_logfacility": "none", "PCMK_debug": "no"},
                               "log": str(self.logs["pacemakerd.out"])})
            self._wait(lambda: self.dc() == self.node_name, 120, f"{self.node_name} did not become DC")
            self.timings["dc"] = time.monotonic() - t1
            self._ensure_stonith_disabled()
            self.wait_idle()
            self.timings["ready"] = time.monotonic() - t1
            self.timings["total"] = time.monotonic() - t0
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def _acquire_lock(self) -> None:
        if self._given_lock_fd is not None:
            return
        self._lock_fd = acquire_lock(self.lock_wait, self._log)

    def _refuse_if_configured_or_running(self) -> None:
        reasons = configured_reasons()
        if reasons:
            raise LiveClusterError("refusing to start the live test cluster: this machine looks like a "
                                   "configured cluster node: " + "; ".join(reasons))
        self.stopped_services = stop_distribution_services(log=self._log)
        reasons = running_reasons()
        if reasons:
            raise LiveClusterError("refusing to start the live test cluster: " + "; ".join(reasons))

    def _start_keeper(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        self._keeper = subprocess.Popen(
            [sys.executable, "-I", str(KEEPER), str(STATE_FILE)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(self.workdir / "keeper.err", "ab"),
            start_new_session=True, close_fds=True)
        state = {"owner": os.getpid(), "keeper": self._keeper.pid,
                 "keeper_tick": start_tick(self._keeper.pid), "saved": STATE_DIRS,
                 "attrs": {p: [os.stat(p).st_mode & 0o7777, os.stat(p).st_uid, os.stat(p).st_gid]
                           for p in KEEP_ATTRS if os.path.exists(p)},
                 "workdir": str(self.workdir)}
        tmp = STATE_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(STATE_FILE)
        for path in KEEP_ATTRS:
            if os.path.exists(path):
                self._keeper_call({"op": "keep_attrs", "path": path})
        for path, patterns in STATE_DIRS.items():
            if os.path.isdir(path):
                self._keeper_call({"op": "save", "path": path, "patterns": patterns})

    def _keeper_call(self, request: dict) -> dict:
        keeper = self._keeper
        if keeper is None or keeper.poll() is not None:
            raise LiveClusterError("the cluster keeper is not running" + self._keeper_stderr())
        try:
            keeper.stdin.write((json.dumps(request) + "\n").encode())
            keeper.stdin.flush()
            line = keeper.stdout.readline()
        except (BrokenPipeError, OSError) as exc:
            raise LiveClusterError(f"the cluster keeper stopped answering: {exc}" + self._keeper_stderr())
        if not line:
            raise LiveClusterError("the cluster keeper exited" + self._keeper_stderr())
        answer = json.loads(line)
        if "error" in answer:
            raise LiveClusterError(f"cluster keeper: {request.get('op')}: {answer['error']}")
        return answer

    def _keeper_stderr(self) -> str:
        path = self.workdir / "keeper.err"
        text = path.read_text(errors="replace").strip() if path.exists() else ""
        return f": {text}" if text else ""

    def _write_corosync_conf(self) -> None:
        conf = (
            "# Written by tests/support/live_cluster.py: a single-node test cluster on loopback.\n"
            "totem {\n    version: 2\n    cluster_name: " + CLUSTER_NAME + "\n"
            "    transport: knet\n    crypto_cipher: none\n    crypto_hash: none\n}\n"
            # The node is named after the host, so crm_node -n, uname -n and crmsh agree.
            "nodelist {\n    node {\n        name: " + self.node_name + "\n        nodeid: 1\n"
            "        ring0_addr: 127.0.0.1\n    }\n}\n"
            "quorum {\n    provider: corosync_votequorum\n}\n"
            "logging {\n    to_stderr: no\n    to_syslog: no\n    to_logfile: yes\n"
            f"    logfile: {self.logs['corosync.log']}\n    timestamp: on\n}}\n")
        self.corosync_conf.write_text(conf)
        proc = subprocess.run(["corosync", "-t", "-c", str(self.corosync_conf)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise LiveClusterError(f"corosync rejects {self.corosync_conf}: {proc.stdout}{proc.stderr}")

    def _write_initial_cib(self) -> None:
        """An empty CIB with INITIAL_OPTIONS, in the emptied CIB directory (no .sig: a new CIB)."""
        cib = Path(CIB_DIR) / "cib.xml"
        empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout
        draft = self.workdir / "initial-cib.xml"
        draft.write_text(empty)
        for name, value in INITIAL_OPTIONS.items():
            subprocess.run(["crm_attribute", "-t", "crm_config", "-n", name, "-v", value],
                           env=dict(offline_free_env(), CIB_file=str(draft)), check=True, capture_output=True)
        shutil.copyfile(draft, cib)
        st = os.stat(CIB_DIR)
        os.chown(cib, st.st_uid, st.st_gid)
        os.chmod(cib, 0o600)

    def _corosync_ready(self) -> bool:
        self._check_daemons_alive()
        return subprocess.run(["corosync-cfgtool", "-s"], capture_output=True).returncode == 0

    def _check_daemons_alive(self) -> None:
        alive = self._keeper_call({"op": "alive"})["alive"]
        dead = [pid for pid, up in alive.items() if not up]
        if dead:
            raise LiveClusterError(f"a cluster daemon exited during start-up (pid {', '.join(dead)})\n"
                                   + self.diagnostics())

    def _ensure_stonith_disabled(self) -> None:
        value = self.run("crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-G", "-q",
                         check=False).stdout.strip()
        if value != "false":
            self.run("crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false")

    # ------------------------------------------------------------------ stop
    def stop(self, check: bool = True) -> Optional[dict]:
        """Stop pacemakerd then corosync (by the keeper), put the saved directories back.

        Safe to call more than once and after a failed start.  With CHECK, raise when a cluster
        daemon is still running afterwards or a directory could not be put back.
        """
        if self._stopped:
            return self.stop_report
        self._stopped = True
        try:
            atexit.unregister(self.stop)
        except Exception:  # noqa: BLE001 - atexit is best effort
            pass
        t0 = time.monotonic()
        problems = []
        keeper = self._keeper
        if keeper is not None:
            try:
                if keeper.poll() is None:
                    try:
                        keeper.stdin.write(b'{"op": "stop"}\n')
                        keeper.stdin.flush()
                    except OSError:
                        pass
                    line = keeper.stdout.readline()
                    self.stop_report = json.loads(line) if line.strip() else None
                keeper.wait(timeout=300)
            except subprocess.TimeoutExpired:
                keeper.kill()
                keeper.wait()
                problems.append("the cluster keeper did not finish its teardown in 300 s")
            finally:
                for stream in (keeper.stdin, keeper.stdout):
                    try:
                        stream.close()
                    except OSError:
                        pass
            report = self.stop_report or {}
            problems += report.get("errors", [])
            if report.get("leftovers"):
                self._log("live cluster: killed leftover processes: "
                          + ", ".join(f"{p['name']} ({p['pid']})" for p in report["leftovers"]))
            if self.stop_report is None:
                # The keeper died before answering: clean up as for a killed session.
                reap_stale(log=self._log)
        remaining = cluster_processes() if keeper is not None else []
        if remaining:
            problems.append("cluster processes still running after teardown: "
                            + ", ".join(f"{name} ({pid})" for pid, name in remaining))
        self.timings["stop"] = time.monotonic() - t0
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None
        if check and problems:
            raise LiveClusterError("; ".join(problems))
        return self.stop_report

    def remove_workdir(self) -> None:
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ commands
    def run(self, *argv: str, check: bool = True, input: Optional[str] = None, timeout: float = 120,
            env: Optional[Dict[str, str]] = None, cwd=None) -> subprocess.CompletedProcess:
        """Run a command against the live CIB (CIB_file / CIB_shadow are removed from its environment)."""
        proc = subprocess.run(list(argv), capture_output=True, text=True, input=input, timeout=timeout,
                              env=offline_free_env(env), cwd=cwd)
        if check and proc.returncode != 0:
            raise LiveClusterError(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        return proc

    def crm(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """crmsh against the live cluster, e.g. ``crm("configure", "primitive", "d", "ocf:pacemaker:Dummy")``."""
        return self.run("crm", *args, **kwargs)

    # ------------------------------------------------------------------ CIB
    def cib_xml(self, scope: Optional[str] = None) -> str:
        argv = ["cibadmin", "--query"] + (["--scope", scope] if scope else [])
        return self.run(*argv).stdout

    def cib_version(self) -> CibVersion:
        root = ET.fromstring(self.run("cibadmin", "--query", "--no-children").stdout)
        return CibVersion(int(root.get("admin_epoch", 0)), int(root.get("epoch", 0)),
                          int(root.get("num_updates", 0)))

    def configuration_digest(self) -> str:
        """A digest of the configuration section (status excluded): equal iff the configuration is."""
        return configuration_digest_of(self.cib_xml("configuration"))

    def reset_configuration(self) -> None:
        """Remove every resource and constraint (Pacemaker stops what ran), then wait until idle."""
        self.run("cibadmin", "--replace", "--scope", "constraints", "--xml-text", "<constraints/>")
        self.run("cibadmin", "--replace", "--scope", "resources", "--xml-text", "<resources/>")
        self.run("crm_resource", "--cleanup", check=False)
        self.wait_idle()

    # ------------------------------------------------------------------ status
    def status_xml(self) -> Optional[ET.Element]:
        proc = self.run("crm_mon", "-1", "--output-as=xml", check=False, timeout=30)
        if proc.returncode != 0:
            return None
        try:
            return ET.fromstring(proc.stdout)
        except ET.ParseError:
            return None

    def dc(self) -> Optional[str]:
        """The DC's name once one with quorum is elected, else None."""
        status = self.status_xml()
        dc = status.find("./summary/current_dc") if status is not None else None
        if dc is None or dc.get("present") != "true" or dc.get("with_quorum") != "true":
            return None
        return dc.get("name")

    def resources(self, resource_id: Optional[str] = None) -> List[ResourceInstance]:
        """crm_mon's view of RESOURCE_ID (and its clone instances ``ID:N``), or of every resource."""
        status = self.status_xml()
        found = []
        if status is None:
            return found
        for res in status.iter("resource"):
            rid = res.get("id", "")
            if resource_id is not None and rid != resource_id and rid.split(":")[0] != resource_id:
                continue
            found.append(ResourceInstance(
                rid, res.get("role", ""), res.get("active") == "true", res.get("failed") == "true",
                res.get("blocked") == "true", res.get("managed") != "false",
                tuple(n.get("name") for n in res.iter("node"))))
        return found

    def locate(self, resource_id: str) -> List[str]:
        """Nodes where RESOURCE_ID runs, per ``crm_resource --locate``."""
        proc = self.run("crm_resource", "--locate", "--resource", resource_id, "--quiet", check=False)
        if proc.returncode != 0:
            return []
        return sorted(line.split()[0] for line in proc.stdout.splitlines() if line.strip())

    def failed_actions(self) -> List[Dict[str, str]]:
        status = self.status_xml()
        return [dict(f.attrib) for f in status.iter("failure")] if status is not None else []

    def resource_has_state(self, resource_id: str, state: str) -> bool:
        """STATE: Started, Stopped, Promoted, Unpromoted (old names accepted), or Failed."""
        instances = self.resources(resource_id)
        if state == "Stopped":
            return not self.locate(resource_id) and all(
                not i.active and i.role == "Stopped" for i in instances)
        if state == "Failed":
            return any(i.failed for i in instances)
        roles = _ROLE_ALIASES.get(state, (state,))
        return bool(self.locate(resource_id)) and any(
            i.role in roles and i.active and not i.failed for i in instances)

    def wait_for_resource(self, resource_id: str, state: str = "Started", timeout: float = 60) -> None:
        self._wait(lambda: self.resource_has_state(resource_id, state), timeout,
                   f"resource {resource_id} not {state}")

    def is_idle(self) -> bool:
        """The DC is in S_IDLE, no operation is in flight, and the scheduler has nothing to do.

        S_IDLE alone can be seen before the controller reacts to a change just made; a simulation
        of the live CIB (what ``crm_resource --wait`` does, without its fixed 2 s sleep) alone can
        miss an operation still running: all three are required.
        """
        state = self.run("crmadmin", "--quiet", "--status", self.node_name, check=False, timeout=30)
        if "S_IDLE" not in state.stdout + state.stderr:
            return False
        status = ET.fromstring(self.cib_xml("status"))
        # op-status -1 is PCMK_EXEC_PENDING: an operation recorded before it completes
        # (record-pending, Pacemaker Explained "Operation Properties").
        if any(op.get("op-status") == "-1" for op in status.iter("lrm_rsc_op")):
            return False
        fd, graph = tempfile.mkstemp(prefix="graph-", suffix=".xml", dir=self.workdir)
        os.close(fd)
        try:
            proc = self.run("crm_simulate", "--live-check", "--save-graph", graph, check=False, timeout=60)
            if proc.returncode != 0:
                return False
            try:
                return ET.parse(graph).getroot().find("synapse") is None
            except ET.ParseError:
                return False
        finally:
            os.unlink(graph)

    def wait_idle(self, timeout: float = 120) -> None:
        self._wait(self.is_idle, timeout, "cluster not idle")

    # ------------------------------------------------------------------ diagnostics
    def _wait(self, predicate, timeout: float, what: str, interval: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise LiveClusterError(f"{what} within {timeout:.0f} s\n{self.diagnostics()}")
            time.sleep(interval)

    def diagnostics(self, tail: int = 60) -> str:
        parts = [f"== live cluster work directory: {self.workdir}"]
        if self._keeper is not None and self._keeper.poll() is None and not self._stopped:
            mon = self.run("crm_mon", "-1", "-r", "-f", "-A", check=False, timeout=30)
            parts.append(f"== crm_mon -1 -r -f -A (exit {mon.returncode})\n{mon.stdout}{mon.stderr}")
        for name, path in self.logs.items():
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail:]
                parts.append(f"== {path} (last {len(lines)} lines)\n" + "\n".join(lines))
        return "\n".join(parts)


# ------------------------------------------------------------------------- pytest glue
_SESSION_CLUSTER: Dict[str, LiveCluster] = {}


def require_live_cluster_possible() -> None:
    """Skip (fail with CI=true) when the live cluster cannot run here: not root, a tool missing."""
    reason = unavailable_reason()
    if reason:
        if in_ci():
            pytest.fail(f"live cluster tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(f"live cluster cannot run here: {reason}")


@pytest.fixture(scope="session")
def live_cluster(request):
    """The single-node cluster, started at first use, stopped at the end of the session.

    Its work directory (corosync.conf, logs) is a fresh ``/tmp/crm-ve-live-*`` (pytest's own
    temporary directories are closed to the hacluster user, which Pacemaker's daemons log as);
    it is removed after a session without failures, unless CRM_VE_LIVE_KEEP_LOGS=1.  The teardown
    fails when a corosync or pacemaker process is left behind.

    Each area's conftest imports this fixture, and pytest keeps one session fixture per conftest:
    the first to run starts the cluster, the others share it (a second cluster would wait for the
    first one's lock until the session ends).
    """
    shared = _SESSION_CLUSTER.get("cluster")
    if shared is not None:
        yield shared
        return
    require_live_cluster_possible()
    cluster = LiveCluster()
    _SESSION_CLUSTER["cluster"] = cluster
    try:
        try:
            cluster.start()
        except LiveClusterError as exc:
            pytest.fail(f"live cluster: {exc}", pytrace=False)
        print(f"\nlive cluster: {cluster.node_name} is DC, ready in {cluster.timings['total']:.1f} s "
              f"(work directory {cluster.workdir})", file=sys.stderr)
        yield cluster
    finally:
        _SESSION_CLUSTER.pop("cluster", None)
        try:
            cluster.stop()
        finally:
            if request.session.testsfailed or os.environ.get(ENV_KEEP_LOGS) == "1":
                print(f"\nlive cluster: logs kept in {cluster.workdir}", file=sys.stderr)
            else:
                cluster.remove_workdir()


@pytest.fixture
def clean_live_cluster(live_cluster):
    """The session's cluster with no resources and no constraints, idle (before and after the test)."""
    live_cluster.reset_configuration()
    yield live_cluster
    live_cluster.reset_configuration()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Add the cluster's state and log tails to the report of a failed test that used it."""
    outcome = yield
    report = outcome.get_result()
    cluster = _SESSION_CLUSTER.get("cluster")
    if report.failed and cluster is not None and "live_cluster" in getattr(item, "fixturenames", ()):
        report.sections.append(("live cluster", cluster.diagnostics()))
