"""Run ``crm-ve`` in-process with only the built-in plugins: the shared ``crm_ve`` fixture."""
from support.inprocess_cli import crm_ve  # noqa: F401
