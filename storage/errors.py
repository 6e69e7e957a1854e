"""Failures of the storage layer that a person can act on."""

from __future__ import annotations


class StorageError(Exception):
    """The database cannot be used; the message says what to fix."""


class SchemaTooNewError(StorageError):
    """The database file was written by a newer newsbot than this one."""
