"""Report formats. Each module is a plugin declaring an :class:`~crm_ve.findings.OutputFormat`."""
