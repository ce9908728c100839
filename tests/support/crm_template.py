"""Apply one of the repository's crmsh configuration templates (templates/) to a CIB file, offline.

crmsh reads templates only from ``SHAREDIR/templates`` (crm.conf ``[path] sharedir``) and keeps
the configurations made from them in ``~/.config/crm/crmconf``.  This builds a private share
directory (crmsh's own files, linked, with ``templates`` pointing at the repository) and a private
HOME, so nothing outside WORKDIR is read from or written to, then runs the real

    crm configure template new NAME TEMPLATE params KEY=VALUE ...
    crm configure template apply update NAME

with ``CIB_file`` set.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict

REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CRMSH_SHARE = Path("/usr/share/crmsh")


class TemplateFailed(RuntimeError):
    pass


def crmsh_env(workdir: Path, cib: Path) -> Dict[str, str]:
    share = workdir / "crmsh-share"
    if not share.exists():
        share.mkdir(parents=True)
        for entry in CRMSH_SHARE.iterdir():
            if entry.name != "templates":
                (share / entry.name).symlink_to(entry)
        (share / "templates").symlink_to(REPO_TEMPLATES)
    conf = workdir / "crm.conf"
    conf.write_text(f"[path]\nsharedir = {share}\n")
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    return dict(os.environ, CIB_file=str(cib), CRM_CONFIG_FILE=str(conf), HOME=str(home))


def apply_template(cib: Path, template: str, name: str, params: Dict[str, str], workdir: Path) -> str:
    """Apply TEMPLATE with PARAMS to the CIB file CIB (method update); return crmsh's output."""
    env = crmsh_env(Path(workdir), Path(cib))
    out = []
    for argv in (["crm", "configure", "template", "new", name, template, "params"]
                 + [f"{k}={v}" for k, v in params.items()],
                 ["crm", "configure", "template", "apply", "update", name]):
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        out.append(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise TemplateFailed(f"{' '.join(argv)} (CIB_file={cib}) exited {proc.returncode}:\n"
                                 f"{proc.stdout}{proc.stderr}")
    return "".join(out)
