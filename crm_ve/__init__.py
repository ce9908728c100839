"""crm-ve: check and build DRBD -> Filesystem -> OpenVZ container stacks for Pacemaker.

Plugins import :data:`hookimpl` from here to implement the hooks in :mod:`crm_ve.hookspecs`.
"""
import pluggy

PROJECT_NAME = "crm_ve"
__version__ = "0.1.0"

#: Marker to be imported and used in plugins (and in the built-in rule modules).
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
