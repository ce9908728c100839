"""What the actions work with: the parameters, the deadline, vzctl; and validate-all."""
import os
import time

from ManageVE import (Exit, GroupSurvived, OCF_ERR_CONFIGURED, OCF_ERR_INSTALLED, OCF_SUCCESS,
                      TRUE_WORDS, check_level, check_level_problem, deadline_from_env, exit_reason,
                      getenv, log, param_problems, read_params, shown, spawn, vzctl_runnable)
from manage_ve.compat import legacy_on_upstream_kernel
from manage_ve.kernel import veinfo_path
from manage_ve.vzctl import VZ_LOCKED, Result, status_of


def report_problems(problems):
    """Exit 6 with one line per bad parameter; the last one is the exit reason."""
    for _name, msg in problems[:-1]:
        exit_reason(msg)
    raise Exit(OCF_ERR_CONFIGURED, problems[-1][1])


def require_vzctl(path):
    if not vzctl_runnable(path):
        raise Exit(OCF_ERR_INSTALLED, "vzctl=%s: not installed or not executable" % shown(path))


class Agent(object):
    """What the actions work with: the parameters, the deadline, vzctl."""

    def __init__(self, action):
        self.action = action
        self.params = read_params()
        self.problems = param_problems(self.params)
        self.veid = self.params["veid"]
        self.dumpfile = self.params["dumpfile"]
        self.vzctl = self.params["vzctl"]
        self.checkpoint = self.params["checkpoint_on_stop"].lower() in TRUE_WORDS
        self.end = deadline_from_env()
        self.interrupted = set()   # vzctl commands this action killed at their deadline

    def node(self):
        return getenv("OCF_RESKEY_CRM_meta_on_node") or os.uname()[1]

    def problem_of(self, name):
        return [msg for param, msg in self.problems if param == name]

    def require_config(self):
        if self.problems:
            report_problems(self.problems)

    def deadline(self, share):
        """When a call given `share` of the time left must be over."""
        return time.monotonic() + max(0.0, self.end - time.monotonic()) * share

    def run(self, args, share=1.0):
        """Run `vzctl ARGS`, retrying while another vzctl holds the container's lock (9).

        `share` is the fraction of the time left that this call may use, so that later
        steps (the fallback stops after a failed checkpoint) keep some."""
        end = self.deadline(share)
        pause = 0.5
        while True:
            log("DEBUG", "running %r" % ([self.vzctl] + list(args),))
            res = Result(*spawn([self.vzctl] + list(args), end))
            if res.timed_out:
                self.interrupted.add(args[0])
            if res.rc != VZ_LOCKED:
                return res
            if end - time.monotonic() <= pause:
                log("ERROR", "vzctl %s: the container stayed locked by another vzctl until "
                    "the operation timeout" % " ".join(args))
                return res
            log("INFO", "vzctl %s: the container is locked by another vzctl; retrying in "
                "%.1fs" % (" ".join(args), pause))
            time.sleep(pause)
            pause = min(pause * 2, 4.0)

    def status(self, for_start=False):
        """One `vzctl status`; Exit when vzctl cannot tell."""
        res = self.run(["status", self.veid])
        return status_of(self.veid, res.rc, res.out, for_start)

    def status_quiet(self):
        """Status for re-checks after an action; None when vzctl cannot tell."""
        try:
            return self.status()
        except GroupSurvived:
            raise
        except Exit as e:
            log("WARNING", e.reason)
            return None


def do_validate(agent):
    level = check_level_problem()
    if level:
        agent.problems.append(("OCF_CHECK_LEVEL", level))
    agent.require_config()
    if check_level() >= 10:   # OCF 1.1: only level 10 checks this host
        require_vzctl(agent.vzctl)
        require_dumpfile_honoured(agent)
    return OCF_SUCCESS


def require_dumpfile_honoured(agent):
    """OCF_ERR_INSTALLED (this node only) when `dumpfile` is set on a node whose vzctl works
    on an upstream kernel (compat.legacy_on_upstream_kernel), which ignores --dumpfile, so
    that stop there stops hard and keeps no memory."""
    if not agent.dumpfile or not legacy_on_upstream_kernel(agent):
        return
    res = agent.run(["status", agent.veid])
    if res.rc == 0:
        raise Exit(OCF_ERR_INSTALLED, "dumpfile=%s cannot be honoured on this node: vzctl runs "
                   "on an upstream kernel (no %s) and ignores --dumpfile there, so stop stops "
                   "container %s without keeping its memory" % (shown(agent.dumpfile),
                                                               veinfo_path(), agent.veid))
