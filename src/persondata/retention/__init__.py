"""Retention: delete on time, provably, never too early (RULES R1–R5).

- ``schedule``  pure: when each rule that keeps a record expires, with the reason in words
- ``holds``     legal holds (GDPR Art. 17(3)(e)) that stop every deletion they cover
- ``deletion``  the deletion functions every path goes through (sweep, erasure request, reapply)
- ``sweep``     the chunked daily sweep (`persondata retention plan|run`)
- ``ledger``    the deletion ledger, also written to a file outside the database, and `reapply`
- ``erasure``   `erase_customer_now`: an erasure request's deletions (R4), through the same functions
- ``jobs``      the in-product job runner (`persondata jobs run`, `start_scheduler_thread`)
"""
