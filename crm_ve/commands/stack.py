"""``crm-ve stack``: print (or apply to a CIB file) a checked DRBD -> Filesystem -> container stack.

The pcs and crm shell counterpart of the crmsh templates and cluster scripts ``ve-drbd-stack`` and
``ve-add-container``: same ids, operations and constraints, with the parameters checked first.
"""
import sys

from crm_ve.errors import UsageError
from crm_ve.help_format import HelpFormatter
from crm_ve.stack import (DEFAULT_FSTYPE, ContainerSpec, StackSpec, TargetCib, apply_to_file, container_problem,
                          default_container_id, default_device, dialect_for, filesystem_directory, known_schema,
                          plan_container, plan_stack, render_crm, render_pcs, stack_problem, stack_warnings,
                          target_warnings)

EPILOG = """exit status:
  0  printed (or applied); warnings (a device that is not DRBD, a filesystem type Linux does not
     know, a CIB without fencing) go to standard error
  2  a bad parameter, an id already taken in the CIB, an unreadable CIB, pcs/crmsh missing or refusing a
     step (then nothing is applied)
  3  the CIB file changed while the stack was being applied (nothing applied)

Without -f, the output is for the newest schema (promotable clone, Promoted); --schema names another.
With -f FILE, the output fits FILE's schema (validate-with): <master>/ms with Master/Slave before
pacemaker-3.0, a promotable clone with Master/Slave roles up to pacemaker-3.6, Promoted/Unpromoted from
pacemaker-3.7. The crmsh templates and cluster scripts of the same names cannot check their parameters:
this command does. Check the result with 'crm-ve check'.
"""

NEW_EXAMPLE = """example:
  crm-ve stack new vz1 --drbd-resource r0 --directory /vz \\
      --veid 101 --dumpfile /vz/dump/Dump.101
  crm-ve stack new vz1 --drbd-resource r0 --directory /vz \\
      --veid 101 --dumpfile /vz/dump/Dump.101 -f cib.xml --apply
"""

ADD_EXAMPLE = """example:
  crm-ve stack add-container vz1-fs --veid 102 \\
      --dumpfile /vz/dump/Dump.102 -f cib.xml
  crm-ve stack add-container vz1-fs --directory /vz --veid 102 \\
      --dumpfile /vz/dump/Dump.102 --format crm
"""


def _common_options(parser):
    parser.add_argument("--container", metavar="ID", help="id of the container's resource (default: veVEID)")
    parser.add_argument("--veid", required=True, help="the container: 1-2147483644, a name or an OpenVZ 7 UUID")
    parser.add_argument("--dumpfile", required=True, metavar="PATH",
                        help="checkpoint image: an absolute path below the Filesystem's mount point")
    parser.add_argument("--format", choices=("pcs", "crm"), default="pcs",
                        help="pcs commands (default) or crm shell text")
    parser.add_argument("-f", dest="cib_file", metavar="FILE",
                        help="the CIB the stack is for: its schema picks the syntax, its ids must not clash")
    parser.add_argument("--apply", action="store_true",
                        help="run the commands against -f FILE, all or nothing (a temporary copy renamed over it)")
    parser.add_argument("--schema", metavar="NAME",
                        help="write for this schema (such as pacemaker-3.5) when there is no -f FILE")


def register(subparsers):
    parser = subparsers.add_parser(
        "stack",
        help="print or apply a checked DRBD -> Filesystem -> container stack (pcs or crm shell)",
        description="Generate the DRBD -> Filesystem -> container stack, or one more container on it,\n"
        "as pcs commands or crm shell text, after checking every parameter.",
        epilog=EPILOG, formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="stack_command", metavar="ACTION", parser_class=type(parser))
    actions.required = True

    new = actions.add_parser(
        "new", help="the whole stack: DRBD promotable clone, Filesystem, one checkpointed container",
        description="The whole stack: a DRBD promotable clone (ID-drbd, ID-drbd-clone), a Filesystem on its "
        "device (ID-fs), one container checkpointed into a dump file on it, and the four constraints.",
        epilog=NEW_EXAMPLE + "\n" + EPILOG, formatter_class=HelpFormatter)
    new.add_argument("id", metavar="ID", help="stack id, the prefix of the resource and constraint ids")
    new.add_argument("--drbd-resource", required=True, metavar="NAME", help="DRBD resource (drbdadm name)")
    new.add_argument("--device", metavar="PATH", help="DRBD device (default: /dev/drbd/by-res/NAME/0)")
    new.add_argument("--directory", required=True, metavar="PATH", help="mount point (absolute)")
    new.add_argument("--fstype", default=DEFAULT_FSTYPE, help=f"filesystem type (default: {DEFAULT_FSTYPE})")
    new.add_argument("--options", default="", help="extra mount options (mount -o)")
    new.add_argument("--stopped", action="store_true",
                     help="create the stack stopped (target-role=Stopped on the DRBD clone)")
    _common_options(new)
    new.set_defaults(func=run_new)

    add = actions.add_parser(
        "add-container", help="one more checkpointed container on an existing stack's Filesystem",
        description="One more container on the Filesystem FILESYSTEM of an existing stack: the container, "
        "colocated with the Filesystem and started after it.",
        epilog=ADD_EXAMPLE + "\n" + EPILOG, formatter_class=HelpFormatter)
    add.add_argument("filesystem", metavar="FILESYSTEM", help="id of the existing Filesystem resource")
    add.add_argument("--directory", metavar="PATH",
                     help="the Filesystem's mount point (read from -f FILE when given)")
    _common_options(add)
    add.set_defaults(func=run_add_container)


def _target(args):
    if args.apply and args.cib_file in (None, "-"):
        raise UsageError("--apply needs -f FILE (the CIB file to change; not standard input)")
    if args.cib_file and args.schema:
        raise UsageError("--schema: the schema comes from -f FILE; give one or the other")
    if args.schema and not known_schema(args.schema):
        raise UsageError(f"--schema {args.schema!r} is no schema Pacemaker knows (such as pacemaker-3.9; "
                         "the newest is pacemaker-4.0)")
    target = TargetCib.read(args.cib_file) if args.cib_file else None
    dialect = dialect_for(target.validate_with if target else args.schema)
    return target, dialect


def _refuse(problem):
    if problem:
        option, message = problem
        raise UsageError(f"--{option} {message}" if option not in ("id", "filesystem") else f"{option} {message}")


def _container(args):
    return ContainerSpec(args.container or default_container_id(args.veid), args.veid, args.dumpfile)


def _emit(args, plan, dialect, warnings, target):
    """Print (or apply) the plan, then the warnings on standard error (none when it failed: one line says why)."""
    if args.apply:
        unfenced = target is not None and target.fencing_device_missing
        print(apply_to_file(args.cib_file, plan, dialect, args.format, unfenced), end="")
        print(f"# applied to {args.cib_file}")
    elif args.format == "crm":
        print(render_crm(plan, dialect), end="")
    else:
        print(render_pcs(plan, dialect, args.cib_file), end="")
    for warning in warnings:
        print(f"crm-ve stack: warning: {warning}", file=sys.stderr)
    return 0


def run_new(args):
    target, dialect = _target(args)
    spec = StackSpec(args.id, args.drbd_resource, args.device or default_device(args.drbd_resource),
                     args.directory, args.fstype, _container(args), args.options, args.stopped)
    _refuse(stack_problem(spec, target))
    return _emit(args, plan_stack(spec), dialect, stack_warnings(spec, target), target)


def run_add_container(args):
    target, dialect = _target(args)
    directory = args.directory
    if target is not None:
        mounted = filesystem_directory(target, args.filesystem)
        if directory and directory != mounted:
            raise UsageError(f"--directory {directory!r}: {args.filesystem} mounts {mounted} in {target.name}")
        directory = mounted
    elif not directory:
        raise UsageError("add-container: give -f FILE (the CIB) or --directory (the Filesystem's mount point), "
                         "to check that --dumpfile is on the Filesystem")
    spec = _container(args)
    _refuse(container_problem(spec, args.filesystem, directory, target))
    return _emit(args, plan_container(spec, args.filesystem), dialect, target_warnings(target), target)
