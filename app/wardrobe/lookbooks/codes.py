"""Try-on pickup codes: short, random, easy to read out at the counter. Pure: no DB, no I/O.

Sequential numbers told anyone how many reservations a store has and let a stranger guess the
next one; six characters from 31 (no 0/O, 1/I/L) give ~887 million codes per store.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # the migration that backfilled codes uses the same
LENGTH = 6


def new_code() -> str:
    """A fresh random pickup code, e.g. ``K7QM3X``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
