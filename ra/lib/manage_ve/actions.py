"""The actions that change a container: start, stop, migrate_to, migrate_from, and the steps
they share."""
import os

from ManageVE import (Exit, OCF_ERR_GENERIC, OCF_ERR_INSTALLED, OCF_SUCCESS, exit_reason, getenv,
                      log, one_line, shown, vzctl_runnable)
from manage_ve.agent import report_problems, require_vzctl
from manage_ve.dumps import Dumps, private_areas, read_record
from manage_ve.kernel import container_running, source
from manage_ve.trust import Untrusted, read_record_text
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
    paths += [os.path.join(private, "dump", "Dump") for private in
              private_areas(agent, ctid)[:1]]
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


def container_config(agent):
    """This node's config of the container, /etc/vz/conf/ID.conf beside vz_conf; None for a
    container given by name (its config is named by its number)."""
    veid = agent.veid
    if veid.isdigit():
        ctid = str(int(veid))
    elif len(veid) == 36 and veid.count("-") == 4:   # an OpenVZ 7 UUID
        ctid = veid.lower()
    else:
        return None
    return os.path.join(os.path.dirname(agent.params["vz_conf"]), "conf", ctid + ".conf")


def needs_registration(agent, status):
    """OpenVZ 7: whether this node must register the private area first.  It must whenever it
    has no config of the container (the container's first failover to this node), on any
    storage; the `.owner` check (vzctl exit 141) applies only on GFS2, NFS and FUSE."""
    if not status.exists:
        return True
    config = container_config(agent)
    return bool(agent.params["register_private"]) and config is not None and \
        not os.path.lexists(config)


def register(agent):
    """OpenVZ 7 on a node without the container's config: register the private area, then
    re-check."""
    private = agent.params["register_private"]
    if not private:
        raise Exit(OCF_ERR_INSTALLED, "container %s does not exist on this node (its config "
                   "or private area is missing here; on OpenVZ 7 set register_private to "
                   "register its private area on this node)" % agent.veid)
    if not os.path.isdir(private):
        raise Exit(OCF_ERR_INSTALLED, "register_private=%s does not exist on this node (is the "
                   "replicated filesystem mounted?)" % shown(private))
    try:
        owner = (read_record_text(os.path.join(private, ".owner")) or "").strip() or "nobody"
    except Untrusted:
        owner = "unknown"
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


def restore_at_start(agent, dumps, status):
    """None once the container runs from its dump; else (logged) the status to start it cold
    from, with the dump set aside if it is the agent's and unusable, or left alone if it is
    not the agent's."""
    dumps.drop_orphan_record()
    if not dumps.present():
        return status
    why = dumps.foreign()
    if why:
        log("WARNING", "not restoring container %s from %s and leaving it alone: %s"
            % (agent.veid, dumps.path, why))
        return status
    why = dumps.verdict()
    if why:
        dumps.set_aside(dumps.path, "stale", why)
        return status
    if restore(agent, dumps):
        return None
    status = agent.status(for_start=True)
    if status.running:
        log("WARNING", "container %s runs although its restore failed" % agent.veid)
        return None
    return status


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
        if dumps.present() and dumps.foreign() is None:
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


def hard_stop(agent, status):
    """Stop the container without checkpoint (`status` is what vzctl said before the stop
    began): vzctl stop, then vzctl stop --fast; 0 once the container is certainly down.

    A checkpoint killed at its deadline can leave the container suspended or frozen: legacy
    vzctl suspends it first and resumes it only when the dump fails (legacy
    src/lib/hooks_vz.c:617-638), OpenVZ 7 CRIU dumps it with its freezer cgroup frozen
    (libvzctl scripts/vz-cpt.in:126, status then says "paused", legacy status cannot tell).
    Stopping it needs its tasks to run: OpenVZ 7 `vzctl stop` enters the frozen container
    and waits for it (lib/env_nsops.c:1505-1541); legacy stop runs halt, then the reboot
    syscall, inside it (src/lib/env.c:845-990), which the kernel's side of a suspended
    container (not in vzctl's sources) is taken not to allow.  `vzctl chkpnt ID --resume`
    resumes it: legacy joins the checkpoint context (src/lib/cpt.c:74-93; exit 16 when there
    is none, nothing is suspended then), OpenVZ 7 thaws the cgroup (vzctl src/vzctl.c:320,
    libvzctl lib/env_nsops.c:1775-1784).  It runs first when this action interrupted a
    checkpoint or status says paused, else between the two stops."""
    resume = (["chkpnt", agent.veid, "--resume"], 0.3)
    stop, stop_fast = (["stop", agent.veid], 0.6), (["stop", agent.veid, "--fast"], 1.0)
    if "chkpnt" in agent.interrupted or (status is not None and status.state == "paused"):
        steps = (resume, stop, stop_fast)
    else:
        steps = (stop, resume, stop_fast)
    state = "running"
    for args, share in steps:
        res = agent.run(args, share=share)
        if res.rc != 0:
            log("WARNING", res.failure(args))
        if args[0] == "chkpnt":
            if res.rc == 0:
                log("INFO", "resumed container %s, should a checkpoint have left it suspended "
                    "or frozen" % agent.veid)
            continue
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
    if needs_registration(agent, status):
        status = register(agent)
    if agent.dumpfile:
        status = restore_at_start(agent, Dumps(agent), status)
        if status is None:
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
    return hard_stop(agent, status)


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
    why = dumps.foreign() or dumps.verdict(kinds=("migration",), target=me)
    if why:
        raise Exit(OCF_ERR_GENERIC, "not restoring %s: %s" % (dumps.path, why))
    if needs_registration(agent, status):
        register(agent)
    if not restore(agent, dumps):
        raise Exit(OCF_ERR_GENERIC, "migration of container %s failed: its restore failed"
                   % agent.veid)
    return OCF_SUCCESS
