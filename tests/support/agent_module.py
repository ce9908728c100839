"""The agent (ra/ManageVE) loaded into the test process, so a test can call its functions directly.

The agent turns off writing bytecode for its own process (``sys.dont_write_bytecode``). Loaded here, it would turn
it off for the whole test session, and pytest would then rewrite every later test module's assertions on every
run instead of reading its cache: the setting is put back after loading.
"""
import importlib.machinery
import importlib.util
import sys

from crm_ve.package_files import agent_path


def load_agent():
    """ra/ManageVE as a module, its main() not run."""
    writes_bytecode = sys.dont_write_bytecode
    try:
        loader = importlib.machinery.SourceFileLoader("crm_ve_agent_under_test", str(agent_path()))
        spec = importlib.util.spec_from_loader(loader.name, loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        return module
    finally:
        sys.dont_write_bytecode = writes_bytecode
