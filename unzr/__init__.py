"""The UNZR: the record number of the State Demographic Register."""

from unzr.validation import InvalidUnzr, validate_unzr

__all__ = ["InvalidUnzr", "validate_unzr"]
