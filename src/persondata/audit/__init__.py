"""The tamper-evident audit trail: every change to personal data, roles, declarations, policy and settings."""
