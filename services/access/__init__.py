"""Who may do what and see whom: the policy, accounts, API tokens, one-time codes, the audit log."""
