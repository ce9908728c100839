"""An example third-party crm-ve plugin, used by the tests to prove the plugin interface end to end."""
