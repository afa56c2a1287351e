"""The append-only audit log, sealed into a hash chain."""

from . import chain as chain  # noqa: F401  (seals every entry on insert)
