"""The code of the ManageVE resource agent (ra/ManageVE) that monitor's common case does not need.

Installed as $OCF_ROOT/lib/crm-ve/manage_ve (resource-agents keeps its agents' shared Python
code in $OCF_ROOT/lib/heartbeat); the agent imports a module of it only for the actions that
need it:

  agent      what the actions work with: the parameters, the deadline, vzctl; validate-all
  vzctl      vzctl's exit codes, its status line in full, the result of one vzctl call
  kernel     the kernel's list of running containers, for stop when vzctl cannot tell
  processes  ending a vzctl call's process group at its deadline
  monitor    monitor when its common case does not apply: the OCF code, with its reason
  dumps      the lifecycle of the checkpoint image at dumpfile and its records
  trust      whether root may act on a name in the dump directory
  actions    start, stop, migrate_to, migrate_from
  docs       every text of the meta-data and of the man page, keyed by the table's names
  metadata   meta-data (OCF 1.0 XML) and man-data (JSON), rendered from the table and docs

The agent file is a script, not a module on any path: before it imports this package it
registers itself in sys.modules as ``ManageVE``, so that these modules import its table and hot
path (Exit, spawn, the parameter checks, logging) with ``from ManageVE import ...``.  VERSION
must equal the agent's: the agent refuses a library of another version (OCF_ERR_INSTALLED).
"""

VERSION = "0.1.0"
