"""``crm-ve install``: place the agent, its library, templates, cluster scripts and man pages where the cluster
looks."""
from crm_ve.errors import CrmVeError
from crm_ve.install import install, uninstall


def register(subparsers):
    parser = subparsers.add_parser(
        "install",
        help="install the agent, crmsh templates and scripts, and man pages at their fixed paths",
        description="Install ocf:crm-ve:ManageVE (/usr/lib/ocf/resource.d/crm-ve/ManageVE, 0755) and its library "
        "(/usr/lib/ocf/lib/crm-ve/manage_ve/, byte-compiled with the agent's interpreter), the crmsh "
        "templates (/usr/share/crmsh/templates/) and cluster scripts (/usr/share/crmsh/scripts/NAME/main.yml), "
        "and the man pages (/usr/share/man/man1, man7). Idempotent; records what it installed, with checksums, in "
        "/var/lib/crm-ve/installed-files.json so that --uninstall removes exactly that: only regular files "
        "under DIR that are unchanged, never through a symbolic link.",
    )
    parser.add_argument("--destdir", default="/", metavar="DIR", help="prefix every path with DIR (packagers)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be done, change nothing")
    parser.add_argument("--uninstall", action="store_true", help="remove exactly what was installed")
    parser.set_defaults(func=run)


def run(args):
    try:
        (uninstall if args.uninstall else install)(args.destdir, dry_run=args.dry_run)
    except OSError as exc:
        raise CrmVeError(f"install: {exc.filename or args.destdir}: {exc.strerror or exc}") from None
    return 0
