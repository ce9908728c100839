"""Rebuild examples/*.xml from the crm shell text beside them with the real crmsh.

    .venv/bin/python tests/validator/rebuild_examples.py      # rewrites examples/good-stack.xml, broken-stack.xml

Each XML is ``cibadmin --empty`` with ``stonith-enabled=false`` and the ``.crm`` file loaded by
``CIB_file=X crm configure load update X.crm``. ``test_examples.py`` rebuilds them into a scratch directory and
fails when the committed XML has drifted from its ``.crm`` source.
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ("good-stack", "broken-stack")


def build(crm_file, xml_file):
    """Build ``xml_file`` from ``crm_file`` with cibadmin, crm_attribute and crmsh (written atomically)."""
    xml_file = Path(xml_file)
    fd, scratch = tempfile.mkstemp(dir=xml_file.parent, prefix=".example-", suffix=".xml")
    os.close(fd)
    env = dict(os.environ, CIB_file=scratch)
    try:
        empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout
        Path(scratch).write_text(empty)
        for argv in (["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"],
                     ["crm", "configure", "load", "update", str(crm_file)]):
            proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr}")
        os.replace(scratch, xml_file)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    return xml_file


def main():
    for name in NAMES:
        build(EXAMPLES / f"{name}.crm", EXAMPLES / f"{name}.xml")
        print(f"examples/{name}.xml rebuilt from examples/{name}.crm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
