"""The agent's test nodes: stand-in vzctl nodes, and a way to run the agent as Pacemaker does.

Every agent call gets only OCF variables (Pacemaker passes no caller environment), and the
agent's `vzctl` parameter points at a generated wrapper around the vzctl stand-in.  Scratch
directories are world-accessible (ocf-tester runs the agent as `nobody`).  The fixtures that
use these are in tests/agent/conftest.py.
"""
import os
import subprocess
import tempfile

import pytest

from support.tools import in_ci, require_tools
from support.vzctl_standin import Node
from support.vzctl_wrapper import write_wrapper

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENT = os.path.join(REPO, "ra", "ManageVE")
AGENT_PYTHON = "/usr/bin/python3"   # the agent's shebang


def compile_agent_library():
    """Byte-compile ra/lib with the agent's interpreter, as `crm-ve install` does where the agent is installed:
    the agent never writes bytecode itself, and compiling its library on each call is a sixth of a test's time."""
    subprocess.run([AGENT_PYTHON, "-m", "compileall", "-q", os.path.join(REPO, "ra", "lib")], check=True,
                   stdout=subprocess.DEVNULL, timeout=120)


DTD_DIR = "/usr/share/resource-agents"


def need_tool(name):
    """The tool's path; a missing tool fails under CI=true and skips elsewhere."""
    return require_tools(name)[0]


def need_root():
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("this test needs root")
        pytest.skip("this test needs root")


class Run(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.lines = [line for line in proc.stderr.splitlines() if line.strip()]

    def __repr__(self):
        return "rc=%d stderr=%r" % (self.rc, self.stderr)

    def reasons(self):
        return [l[len("ocf-exit-reason:"):] for l in self.lines if
                l.startswith("ocf-exit-reason:")]


def run_agent(action, env, agent=AGENT, timeout=120):
    base = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "ct101",
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_RESKEY_CRM_meta_timeout": "20000",
            "OCF_RESKEY_CRM_meta_interval": "0" if action == "monitor" else "",
            "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1"}
    base.update(env)
    proc = subprocess.run([agent, action], env={k: v for k, v in base.items() if v != ""},
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)
    return Run(proc)


class Site(object):
    """One cluster node: its stand-in state, its vzctl wrapper, and the resource's settings."""

    def __init__(self, world, name, dialect, shared):
        self.name = name
        self.dir = os.path.join(world, name)
        self.node = Node(os.path.join(self.dir, "state"), dialect, name,
                         dumpdir=os.path.join(self.dir, "vzdump"))
        self.vzctl = write_wrapper(os.path.join(self.dir, "vzctl"), self.node.state, dialect,
                                   name)
        if dialect.startswith("legacy"):   # vzcptcheck ships with legacy vzctl only
            write_wrapper(os.path.join(self.dir, "vzcptcheck"), self.node.state, dialect, name,
                          entry="run_vzcptcheck")
        self.shared = shared
        self.params = {"veid": "101", "vzctl": self.vzctl, "vz_conf": self.node.vz_conf,
                       "dumpfile": os.path.join(shared, "dump", "ct101.dump")}

    @property
    def dumpfile(self):
        return self.params["dumpfile"]

    def env(self, **settings):
        """OCF environment: resource parameters, and CRM_meta_* / OCF_CHECK_LEVEL as given."""
        params = dict(self.params)
        meta = {"CRM_meta_on_node": self.name}
        other = {}
        for key, value in settings.items():
            if key.startswith("CRM_meta_"):
                meta[key] = value
            elif key.isupper():
                other[key] = value
            else:
                params[key] = value
        env = {"OCF_RESKEY_" + k: v for k, v in params.items() if v is not None}
        env.update({"OCF_RESKEY_" + k: v for k, v in meta.items()})
        env["MANAGEVE_TEST_VEINFO"] = self.node.veinfo   # the stand-in's /proc/vz/veinfo
        env["MANAGEVE_TEST_CPUINFO"] = self.node.cpuinfo   # and its /proc/cpuinfo
        env.update(other)
        return env

    def agent(self, action, agent=AGENT, **settings):
        return run_agent(action, self.env(**settings), agent=agent)

    def checkpointing(self, action, **settings):
        return self.agent(action, checkpoint_on_stop="true", **settings)


def world_dir():
    """A scratch directory that `nobody` can traverse (pytest's own are private)."""
    path = tempfile.mkdtemp(prefix="crm-ve-agent-")
    os.chmod(path, 0o755)
    return path


def make_sites(world, dialect, names=("a", "b")):
    shared = os.path.join(world, "shared")
    os.makedirs(os.path.join(shared, "dump"), exist_ok=True)
    return [Site(world, name, dialect, shared) for name in names]
