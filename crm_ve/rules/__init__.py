"""The built-in rules. Each module is a plugin exactly like a third-party one: it implements ``crm_ve_rules``.

Add a rule module here (one line) to register it; ``-p no:crm_ve.rules.NAME`` turns one off.
"""

BUILTIN = (
    "crm_ve.rules.drbd_agent",
    "crm_ve.rules.chain_fs_colocation",
    "crm_ve.rules.chain_fs_order",
    "crm_ve.rules.chain_container_colocation",
    "crm_ve.rules.chain_container_order",
    "crm_ve.rules.clone_child_reference",
    "crm_ve.rules.group_member_reference",
    "crm_ve.rules.void_constraint",
    "crm_ve.rules.dangling_reference",
    "crm_ve.rules.unused_suppression",
    "crm_ve.rules.stack_anticolocation",
    "crm_ve.rules.stack_bans",
    "crm_ve.rules.stack_tickets",
    "crm_ve.rules.drbd_fencing",
    "crm_ve.rules.op_timeouts",
    "crm_ve.rules.workload_migration",
    "crm_ve.rules.workload_checkpoint",
    "crm_ve.rules.workload_storage",
    "crm_ve.rules.filesystem_device",
    "crm_ve.rules.drbd_promotable",
    "crm_ve.rules.drbd_notify",
    "crm_ve.rules.drbd_promoted_max",
    "crm_ve.rules.drbd_clone_max",
    "crm_ve.rules.drbd_monitors",
    "crm_ve.rules.drbd_never_promoted",
    "crm_ve.rules.stack_partly_unmanaged",
    "crm_ve.rules.agent_parameters",
)
