"""Built-in plugin: the workload agents that get the storage-stack checks (OpenVZ containers)."""
from crm_ve import hookimpl
from crm_ve.findings import WorkloadAgent


@hookimpl
def crm_ve_workload_agents():
    return [
        WorkloadAgent("ocf", "heartbeat", "ManageVE", dump_parameter=None),
        WorkloadAgent("ocf", "crm-ve", "ManageVE", dump_parameter="dumpfile"),
    ]
