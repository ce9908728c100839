"""``crm-ve man``: regenerate the man pages in ``man/`` (or check that they are up to date)."""
import os
import re
import sys
import tempfile
from pathlib import Path

from crm_ve.errors import EXIT_FINDINGS, CrmVeError, UsageError
from crm_ve.resources import SOURCE_ROOT

_MAN_PAGE = re.compile(r"\.[1-9]$")


def register(subparsers):
    parser = subparsers.add_parser(
        "man",
        help="regenerate the man pages from the agent's meta-data, the CLI and the rules",
        description="Regenerate the man pages (ocf_crm-ve_ManageVE(7), crm-ve(1), crm-ve-rules(7)) from what they "
        "document: the agent's meta-data, this command's own parser and the built-in rules. Run it after "
        "changing any of these; tests fail while a committed page differs from what it generates.",
        epilog="exit status of --check: 0 the pages are up to date, 1 a page is missing, different or no longer "
        "generated, 2 could not run",
    )
    parser.add_argument(
        "--output-dir", metavar="DIR", type=Path,
        help="where the pages are (default: man/ of the crm-ve source tree)",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 and name every page that is out of date",
    )
    parser.set_defaults(func=run)


def default_output_dir():
    if not (SOURCE_ROOT / "setup.cfg").is_file():
        raise UsageError("man: crm-ve is not running from its source tree; name the directory with --output-dir")
    return SOURCE_ROOT / "man"


def run(args):
    output_dir = args.output_dir or default_output_dir()
    try:
        from crm_ve.manpages import build_pages  # docutils is only needed here

        pages = build_pages()
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "docutils":
            raise
        raise CrmVeError("man: regenerating the man pages needs docutils 0.22: pip install 'crm-ve[man]'") from None
    if args.check:
        return check(output_dir, pages)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CrmVeError(f"man: cannot create {output_dir}: {exc.strerror}") from None
    for name, text in pages.items():
        path = output_dir / name
        if _read(path) != text:
            _write_atomically(path, text)
            print(f"wrote {path}")
    for path in _strays(output_dir, pages):
        print(f"crm-ve: {path} is not generated any more; remove it", file=sys.stderr)
    return 0


def check(output_dir, pages):
    stale = []
    for name, text in pages.items():
        current = _read(output_dir / name)
        if current is None:
            stale.append(f"{output_dir / name} is missing")
        elif current != text:
            stale.append(f"{output_dir / name} is out of date")
    stale += [f"{path} is not generated any more" for path in _strays(output_dir, pages)]
    for line in stale:
        print(f"crm-ve: {line}; run 'crm-ve man' to regenerate", file=sys.stderr)
    return EXIT_FINDINGS if stale else 0


def _strays(output_dir, pages):
    if not output_dir.is_dir():
        return []
    return sorted(p for p in output_dir.iterdir() if _MAN_PAGE.search(p.name) and p.name not in pages)


def _read(path):
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CrmVeError(f"man: cannot read {path}: {exc}") from None


def _write_atomically(path, text):
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise CrmVeError(f"man: cannot write {path}: {exc.strerror}") from None
