"""The CV4xx/CV5xx rule tests build CIBs with the real crmsh and pcs and simulate them with crm_simulate:
see placement_support.py."""
