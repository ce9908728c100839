"""Render man pages as a reader sees them (``man -l``), for the man page tests."""
import os
import re
import subprocess

from crm_ve.package_files import SOURCE_ROOT
from support.tools import require_tools

#: The committed pages.
MAN_DIR = SOURCE_ROOT / "man"
AGENT_PAGE = "ocf_crm-ve_ManageVE.7"
CLI_PAGE = "crm-ve.1"
RULES_PAGE = "crm-ve-rules.7"
_OVERSTRIKE = re.compile(".\x08")


def render(path, width=80):
    """``man -l PAGE`` as a reader sees it at ``width`` columns, as plain text."""
    (man,) = require_tools("man")
    env = dict(os.environ, MANWIDTH=str(width), MANPAGER="cat", PAGER="cat", LC_ALL="C.UTF-8")
    env.pop("MAN_KEEP_FORMATTING", None)
    proc = subprocess.run([man, "-l", str(path)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"man -l {path} exited {proc.returncode}: {proc.stderr}"
    assert proc.stderr == "", f"man -l {path} complained: {proc.stderr}"
    return _OVERSTRIKE.sub("", proc.stdout)


def flat(text):
    """Text with every run of whitespace made one space, so that wrapped lines compare as prose."""
    return " ".join(text.split())


def section(text, heading):
    """The body of one ``.SH`` section of rendered text (up to the next unindented line)."""
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^\S|\Z)", text, re.M | re.S)
    assert match, f"no {heading} section in:\n{text}"
    return match.group(1)
