"""First-run setup in the browser: the data controller makes the shipped policy their own, step by step, without
editing files — company and controller, financial year, partners and their agreements, staff, the customer files,
a review of every ``policy check`` finding, and the adoption. The policy file stays the source of truth
(:mod:`persondata.setup.policy_file`); docs/setup.md walks through it."""
