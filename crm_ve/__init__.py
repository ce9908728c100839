"""crm-ve: check and build DRBD -> Filesystem -> OpenVZ container stacks for Pacemaker.

Plugins import :data:`hookimpl` from here to implement the hooks in :mod:`crm_ve.hookspecs`.
"""

PROJECT_NAME = "crm_ve"
__version__ = "0.1.0"


def __getattr__(name):
    """:data:`hookimpl`, the marker plugins (and the built-in rule modules) import, made on first use: importing
    pluggy is a tenth of the start-up, and ``crm-ve check`` starts parsing its inputs before it loads plugins."""
    if name == "hookimpl":
        import pluggy
        marker = globals()["hookimpl"] = pluggy.HookimplMarker(PROJECT_NAME)
        return marker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
