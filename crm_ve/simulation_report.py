"""``crm-ve check --simulate``: prove each recognised stack on the real scheduler (work in progress)."""
import shutil

from crm_ve.simulate import SimulatorMissingError

#: The Pacemaker tools a simulation runs.
TOOLS = ("crm_simulate", "crm_attribute", "cibadmin")


def require_simulator():
    """One line and exit 2 (before any input is read) when a tool the simulation needs is missing."""
    for tool in TOOLS:
        if shutil.which(tool) is None:
            raise SimulatorMissingError(f"--simulate needs {tool}, which is not installed "
                                        f"(install pacemaker-cli-utils)")


def simulate_documents(documents, report, workload_agents):
    return None
