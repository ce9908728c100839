"""Generate the wrapper script that a test gives the agent as its `vzctl` parameter.

Pacemaker passes no environment to agents, and neither do the tests, so the stand-in's
settings (state directory, dialect, node name) travel in a small generated shell script that
`exec`s the stand-in: the agent kills exactly that process when a call hangs.  The script is
world-readable and world-executable, as it would be under /usr/sbin.
"""
import os
import shlex
import stat

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vzctl_standin.py")
PYTHON = "/usr/bin/python3"


def write_wrapper(path, state, dialect="legacy", node="node", python=PYTHON, entry="run"):
    """Write an executable wrapper at `path` that runs the stand-in on `state`: its vzctl, or
    with entry="run_vzcptcheck" its vzcptcheck (the agent finds that beside vzctl)."""
    settings = {"VZSTANDIN_STATE": state, "VZSTANDIN_DIALECT": dialect, "VZSTANDIN_NODE": node}
    text = "#!/bin/sh\n# vzctl stand-in wrapper, generated for a test (a test double)\n"
    text += "".join("%s=%s\nexport %s\n" % (k, shlex.quote(v), k) for k, v in settings.items())
    # Imported, not run as a script: an imported module comes from its cached bytecode, a script is compiled
    # again on every call (a third of a call's time).
    text += "PYTHONPATH=%s\nexport PYTHONPATH\n" % shlex.quote(os.path.dirname(STANDIN))
    text += 'exec %s -S -c "import vzctl_standin; vzctl_standin.%s()" "$@"\n' % (shlex.quote(python), entry)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    os.rename(tmp, path)
    return path
