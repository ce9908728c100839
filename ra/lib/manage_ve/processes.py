"""Ending a vzctl call's process group at its deadline: SIGTERM first, so that vzctl and its
helpers may clean up, SIGKILL halfway through the time left, then a wait until no member runs.

ManageVE's spawn runs vzctl in a process group of its own, which vzctl's helpers inherit:
legacy chkpnt works in a grandchild (legacy vzctl src/lib/hooks_vz.c:741-760), OpenVZ 7 runs
vz-cpt and criu (libvzctl lib/cr_criu.c); none of them calls setsid, while a container's init
does (legacy src/lib/env.c:175, libvzctl lib/env.c:923), so ending the group ends vzctl's work
and never the container.
"""
import os
import time

from ManageVE import GroupSurvived, OCF_ERR_GENERIC


def end_group(pgid, argv, end):
    """End process group `pgid` (vzctl `argv` and its helpers) by `end`, and reap vzctl.

    Repeats the signal while members remain (one may be forking); SIGKILL can still leave a
    member, one in uninterruptible sleep on a stalled disk or inside a frozen cgroup, and
    then GroupSurvived is raised: no action may go on as if vzctl's work were over."""
    kill_at = time.monotonic() + (end - time.monotonic()) / 2
    while True:
        try:
            os.killpg(pgid, 9 if time.monotonic() >= kill_at else 15)
        except OSError:
            pass   # ESRCH: the group is gone
        try:
            os.waitpid(pgid, os.WNOHANG)   # vzctl itself, the group's leader
        except OSError:
            pass   # reaped already
        members = group_members(pgid)
        if not members:
            try:
                os.waitpid(pgid, 0)   # a zombie by now, if not reaped above
            except OSError:
                pass
            return
        if time.monotonic() >= end:
            raise GroupSurvived(OCF_ERR_GENERIC, "vzctl %s did not finish within the operation "
                                "timeout and %d of its processes (%s) still run after SIGKILL; "
                                "they may still write to the container's filesystem" % (
                                    " ".join(argv[1:3]), len(members),
                                    " ".join(str(pid) for pid in members[:5])))
        time.sleep(0.02)


def group_members(pgid):
    """The processes of group `pgid` that have not exited (zombies write nothing); [-1]
    when /proc cannot be read and the group still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []
    except OSError:
        pass   # EPERM: members exist
    try:
        names = os.listdir("/proc")
    except OSError:
        return [-1]
    members = []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
        except OSError:
            continue   # exited meanwhile
        fields = stat[stat.rfind(b")") + 2:].split()   # state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == b"%d" % pgid and fields[0] not in (b"Z", b"X"):
            members.append(int(name))
    return members
