"""Make a real installed-distribution entry point without pip: a module plus a ``.dist-info`` on a path.

``importlib.metadata`` finds distributions on ``sys.path``, so putting the directory on PYTHONPATH of a
``crm-ve`` subprocess registers the plugin through the ``crm_ve`` entry point group exactly as pip would.
"""
import os
import subprocess
import sys
import textwrap


def make_plugin_dist(directory, dist_name, module_name, source, entry_name=None):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{module_name}.py").write_text(textwrap.dedent(source))
    info = directory / f"{dist_name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[crm_ve]\n{entry_name or module_name} = {module_name}\n")
    return directory


def run_crm_ve(*args, pythonpath=None, env=None, stdin=None):
    """Run the real CLI in a subprocess (``python -m crm_ve``), returning the CompletedProcess."""
    environment = dict(os.environ)
    environment.pop("NO_COLOR", None)
    if pythonpath:
        environment["PYTHONPATH"] = os.pathsep.join([str(pythonpath), environment.get("PYTHONPATH", "")])
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "crm_ve", *map(str, args)],
        input=stdin, capture_output=True, text=True, env=environment, timeout=300,
    )
