"""The actions that change a container: start, stop, migrate_to, migrate_from, and the steps
they share."""
import os

from ManageVE import (Exit, OCF_ERR_GENERIC, OCF_ERR_INSTALLED, OCF_SUCCESS, exit_reason, getenv,
                      log, one_line, shown, vzctl_runnable)
from manage_ve.agent import report_problems, require_vzctl
from manage_ve.dumps import Dumps, read_record
from manage_ve.kernel import container_running, source
from manage_ve.vzctl import (VZ_BAD_KERNEL, VZ_ENV_MANAGE_DISABLED, VZ_FS_NOPRVT,
                             VZ_FS_NOT_MOUNTED, VZ_NOCONFIG, VZ_NOVECONFIG, VZ_VE_RUNNING,
                             VZ_VE_START_DISABLED, status_of)


def default_dumps(agent, status):
    """Where vzctl start would find a default dump and restore it by itself: legacy
    DUMPDIR/Dump.ID (DUMPDIR from vz_conf), OpenVZ 7 PRIVATE/dump/Dump."""
    ctid = status.ctid if status is not None else agent.veid
    conf = read_record(agent.params["vz_conf"]) or {}
    dumpdir = conf.get("DUMPDIR", "").strip("\"'")
    paths = [os.path.join(directory, "Dump." + ctid)
             for directory in ([dumpdir] if dumpdir else ["/vz/dump", "/vz/tmp"])]
    private = agent.params["register_private"]
    if not private:
        ct_conf = read_record(os.path.join(os.path.dirname(agent.params["vz_conf"]), "conf",
                                           ctid + ".conf")) or {}
        private = ct_conf.get("VE_PRIVATE", "").strip("\"'")
        for var in ("${VEID}", "$VEID", "${CTID}", "$CTID"):
            private = private.replace(var, ctid)
    if private:
        paths.append(os.path.join(private, "dump", "Dump"))
    return paths


def set_aside_default_dumps(agent, status):
    found = False
    for path in default_dumps(agent, status):
        if os.path.lexists(path):
            found = True
            Dumps.set_aside(path, "stale", "vzctl start would restore this default dump by "
                            "itself; a cold start must not resume an old state")
    if status is not None and status.suspended and not found:
        raise Exit(OCF_ERR_INSTALLED, "vzctl reports a default dump for container %s that the "
                   "agent cannot find (DUMPDIR in %s?); not starting it, since vzctl would "
                   "restore that old state" % (agent.veid, agent.params["vz_conf"]))


def register(agent):
    """OpenVZ 7 after a failover: take the private area over, then re-check."""
    private = agent.params["register_private"]
    if not private:
        raise Exit(OCF_ERR_INSTALLED, "container %s does not exist on this node (its config "
                   "or private area is missing, or owned by another node: set "
                   "register_private on OpenVZ 7)" % agent.veid)
    if not os.path.isdir(private):
        raise Exit(OCF_ERR_INSTALLED, "register_private=%s does not exist on this node (is the "
                   "replicated filesystem mounted?)" % shown(private))
    try:
        with open(os.path.join(private, ".owner")) as f:
            owner = f.read().strip() or "nobody"
    except (IOError, OSError):
        owner = "nobody"
    log("INFO", "registering %s (owned by %s) as container %s on this node"
        % (private, owner, agent.veid))
    args = ["register", private, agent.veid, "--force"]
    res = agent.run(args, share=0.3)
    if res.rc != 0:
        raise Exit(OCF_ERR_GENERIC, res.failure(args))
    status = agent.status(for_start=True)
    if status is None or not status.exists:
        raise Exit(OCF_ERR_GENERIC, "container %s still does not exist after vzctl register"
                   % agent.veid)
    return status


def restore(agent, dumps):
    """vzctl restore from `dumpfile`.  True when the container runs from the dump; False,
    with the dump set aside as failed, when the restore failed."""
    args = ["restore", agent.veid, "--dumpfile", dumps.path]
    res = agent.run(args, share=0.7)
    if res.rc == 0:
        status = agent.status_quiet()
        if status is not None and status.running:
            dumps.consume()
            return True
        why = "vzctl restore succeeded but the container does not run"
    else:
        why = res.failure(args)
    log("ERROR", "restore of container %s from %s failed: %s" % (agent.veid, dumps.path, why))
    if dumps.present():
        dumps.set_aside(dumps.path, "failed", why)
    return False


def start_failure(agent, res, args):
    """OCF_ERR_INSTALLED (this node only: Pacemaker tries the peer) for what is wrong on this
    node alone: its container config (missing, unparsable, DISABLED=yes: /etc/vz/conf is per
    node), private area, owner, kernel; OCF_ERR_GENERIC for the rest."""
    why = res.failure(args)
    if res.rc in (VZ_NOVECONFIG, VZ_FS_NOPRVT, VZ_ENV_MANAGE_DISABLED, VZ_BAD_KERNEL,
                  VZ_NOCONFIG, VZ_VE_START_DISABLED):
        return Exit(OCF_ERR_INSTALLED, why)
    return Exit(OCF_ERR_GENERIC, why)


def cold_start(agent, status):
    set_aside_default_dumps(agent, status)
    if agent.dumpfile and os.path.isdir(os.path.dirname(agent.dumpfile)):
        Dumps(agent).record_cold_start()
    args = ["start", agent.veid]
    res = agent.run(args)
    if res.rc not in (0, VZ_VE_RUNNING):
        raise start_failure(agent, res, args)
    status = agent.status()
    if status is None or not status.running:
        raise Exit(OCF_ERR_GENERIC, "vzctl start %s returned but the container is not running"
                   % agent.veid)
    log("INFO", "started container %s cold" % agent.veid)
    return OCF_SUCCESS


def set_aside_current_dump(agent, why):
    if agent.dumpfile:
        dumps = Dumps(agent)
        if dumps.present():
            dumps.set_aside(dumps.path, "stale", why)
        dumps.drop_orphan_record()


def stop_view(agent, quiet=False):
    """What stop knows of the container: ("down", Status or None) when it certainly does not
    run here, ("running", Status or None), or ("unclear", None) with the reason logged.

    Beyond vzctl status: exit 5 means no OpenVZ kernel, where no container runs; on exit 10
    (a configuration vzctl cannot parse) the kernel's own list decides.  Exit when vzctl cannot
    tell otherwise, or ("unclear", None) if `quiet`."""
    res = agent.run(["status", agent.veid])
    if res.rc == VZ_BAD_KERNEL:
        log("INFO", "vzctl status %s: this is not an OpenVZ kernel (exit 5: %s); no container "
            "runs here" % (agent.veid, one_line(res.out)))
        return "down", None
    if res.rc == VZ_NOCONFIG:
        return kernel_view(agent, "vzctl status %s cannot read a configuration (exit 10: %s)"
                           % (agent.veid, one_line(res.out)))
    try:
        status = status_of(agent.veid, res.rc, res.out)
    except Exit as e:
        if not quiet:
            raise
        log("WARNING", e.reason)
        return "unclear", None
    if status is None or not status.running:
        return "down", status
    return "running", status


def kernel_view(agent, why):
    """stop_view from the kernel's list of running containers, when vzctl cannot tell."""
    running = container_running(agent.veid, agent.params["vz_conf"])
    if running is False:
        log("WARNING", "%s; not running here, according to %s" % (why, source()))
        return "down", None
    log("WARNING", "%s; %s according to %s" % (why, "running" if running else "perhaps running",
                                               source()))
    return ("running" if running else "unclear"), None


def release_mount(agent, status):
    """vzctl umount a container that is down but still mounted ("exist mounted down", after
    vzctl mount or a crash): vzctl stop leaves it so, and the mount inside the replicated
    filesystem would keep the Filesystem from unmounting."""
    if status is None or not status.mounted or status.running:
        return
    if not status.exists:
        log("WARNING", "container %s is down but still mounted, and vzctl does not know it on "
            "this node: not unmounting it" % agent.veid)
        return
    args = ["umount", agent.veid]
    res = agent.run(args)
    if res.rc in (0, VZ_FS_NOT_MOUNTED):
        log("INFO", "unmounted container %s, which was down but still mounted" % agent.veid)
        return
    state, status = stop_view(agent, quiet=True)
    if state == "down" and (status is None or not status.mounted):
        return
    raise Exit(OCF_ERR_GENERIC, "container %s is down but stays mounted: %s"
               % (agent.veid, res.failure(args)))


def hard_stop(agent):
    """vzctl stop, then vzctl stop --fast; 0 once the container is certainly down."""
    for args, share in ((["stop", agent.veid], 0.6), (["stop", agent.veid, "--fast"], 1.0)):
        res = agent.run(args, share=share)
        if res.rc != 0:
            log("WARNING", res.failure(args))
        state, status = stop_view(agent, quiet=True)
        if state == "down":
            release_mount(agent, status)
            log("INFO", "stopped container %s" % agent.veid)
            return OCF_SUCCESS
    raise Exit(OCF_ERR_GENERIC, "container %s %s after vzctl stop and vzctl stop --fast"
               % (agent.veid, "is still running" if state == "running" else
                  "may still be running (vzctl cannot tell, see the log)"))


def do_start(agent):
    agent.require_config()
    require_vzctl(agent.vzctl)
    status = agent.status(for_start=True)
    if status.running:
        if status.state == "paused":   # OpenVZ 7: start unpauses
            res = agent.run(["start", agent.veid])
            if res.rc not in (0, VZ_VE_RUNNING):
                raise start_failure(agent, res, ["start", agent.veid])
        set_aside_current_dump(agent, "the container is already running")
        log("INFO", "container %s is already running" % agent.veid)
        return OCF_SUCCESS
    if not status.exists:
        status = register(agent)
    if agent.dumpfile:
        dumps = Dumps(agent)
        dumps.drop_orphan_record()
        if dumps.present():
            why = dumps.verdict()
            if why:
                dumps.set_aside(dumps.path, "stale", why)
            elif restore(agent, dumps):
                return OCF_SUCCESS
            else:
                status = agent.status(for_start=True)
                if status.running:
                    log("WARNING", "container %s runs although its restore failed" % agent.veid)
                    return OCF_SUCCESS
    return cold_start(agent, status)


def do_stop(agent):
    if agent.problem_of("veid"):
        # No container can have been started under this ID; a failed stop would only get
        # the node fenced (Pacemaker Explained, "Resource Operations": on-fail for stop).
        exit_reason(agent.problem_of("veid")[0] + "; nothing to stop")
        return OCF_SUCCESS
    if (agent.problem_of("vzctl") or not vzctl_runnable(agent.vzctl)) and container_running(
            agent.veid, agent.params["vz_conf"]) is False:
        log("WARNING", "vzctl=%s cannot be run; container %s is not running here, according "
            "to %s" % (shown(agent.vzctl), agent.veid, source()))
        return OCF_SUCCESS
    if agent.problem_of("vzctl"):
        report_problems(agent.problems)
    for _name, msg in agent.problems:
        log("ERROR", msg + "; stopping without checkpoint")
    require_vzctl(agent.vzctl)
    state, status = stop_view(agent)
    if state == "down":
        release_mount(agent, status)
        log("INFO", "container %s is already stopped" % agent.veid)
        return OCF_SUCCESS
    if state == "running" and status is not None and agent.checkpoint and not agent.problems:
        if Dumps(agent).checkpoint("stop"):
            state, status = stop_view(agent, quiet=True)
            if state == "down":
                release_mount(agent, status)
                return OCF_SUCCESS
        log("WARNING", "the checkpoint did not stop container %s; stopping it without "
            "checkpoint" % agent.veid)
    return hard_stop(agent)


def migration_target():
    return getenv("OCF_RESKEY_CRM_meta_migrate_target")


def default_dump_migration(agent, action):
    """migrate_to/migrate_from without dumpfile, as ocf:heartbeat:ManageVE does them: vzctl
    chkpnt ID / vzctl restore ID, with vzctl's own default dump (DUMPDIR/Dump.ID, on OpenVZ 7
    PRIVATE/dump/Dump), which must be on storage both nodes reach.  No provenance is kept."""
    args = [action, agent.veid]
    res = agent.run(args)
    if res.rc != 0:
        raise Exit(OCF_ERR_GENERIC, res.failure(args))
    log("INFO", "vzctl %s %s: done with vzctl's default dump (dumpfile is not set)"
        % (action, agent.veid))


def do_migrate_to(agent):
    agent.require_config()
    require_vzctl(agent.vzctl)
    status = agent.status()
    if status is None or not status.running:
        raise Exit(OCF_ERR_GENERIC, "container %s is not running here; nothing to migrate"
                   % agent.veid)
    if not agent.dumpfile:
        default_dump_migration(agent, "chkpnt")
    else:
        target = migration_target()
        if not target:
            log("WARNING", "no migration target given (OCF_RESKEY_CRM_meta_migrate_target); "
                "only a start will restore this dump")
        if not Dumps(agent).checkpoint("migration", target):
            raise Exit(OCF_ERR_GENERIC, "checkpoint of container %s for migration failed"
                       % agent.veid)
    status = agent.status_quiet()
    if status is None or status.running:
        raise Exit(OCF_ERR_GENERIC, "container %s still runs after its checkpoint" % agent.veid)
    return OCF_SUCCESS


def do_migrate_from(agent):
    agent.require_config()
    require_vzctl(agent.vzctl)
    status = agent.status(for_start=True)
    if status.running:
        set_aside_current_dump(agent, "the container is already running on this node")
        log("INFO", "container %s is already running" % agent.veid)
        return OCF_SUCCESS
    if not agent.dumpfile:
        if not status.exists:
            register(agent)
        default_dump_migration(agent, "restore")
        status = agent.status()
        if status is None or not status.running:
            raise Exit(OCF_ERR_GENERIC, "vzctl restore %s returned but the container is not "
                       "running" % agent.veid)
        return OCF_SUCCESS
    me = migration_target() or agent.node()
    dumps = Dumps(agent)
    if not dumps.present():
        raise Exit(OCF_ERR_GENERIC, "no migration dump at %s" % dumps.path)
    why = dumps.verdict(kinds=("migration",), target=me)
    if why:
        raise Exit(OCF_ERR_GENERIC, "not restoring %s: %s" % (dumps.path, why))
    if not status.exists:
        register(agent)
    if not restore(agent, dumps):
        raise Exit(OCF_ERR_GENERIC, "migration of container %s failed: its restore failed"
                   % agent.veid)
    return OCF_SUCCESS
