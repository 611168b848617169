"""Locks on names, held until the end of the current transaction.

For writers that would otherwise race on rows neither of them has written yet (two imports
of one file both see a product missing and both insert it): there is no row to
`select_for_update()`, so each takes a PostgreSQL advisory lock on what it is about to write,
and the second waits for the first to commit, then reads what it wrote.
"""
import hashlib

from django.db import connection


def lock_names(*names: str) -> None:
    """Wait for, then hold until commit or rollback, a lock on each name. Call it inside
    `transaction.atomic()`.

    Keys are taken in sorted order, so two writers locking overlapping names never deadlock.
    SQLite takes no locks here: it lets one writer in at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("lock_names() holds its locks until the transaction ends: call it inside atomic()")
    with connection.cursor() as cursor:
        for key in sorted({_key(name) for name in names}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _key(name: str) -> int:
    # PostgreSQL's advisory keys are signed 64-bit integers; two names sharing one only wait
    # for each other needlessly.
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big", signed=True)
