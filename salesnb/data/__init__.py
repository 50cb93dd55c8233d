"""Loading client data onto the canonical schema (docs/schema.md)."""

from salesnb.data.dataset import (
    CrmData,
    LoadReport,
    TableAccount,
    from_frames,
    load_data,
    load_snapshot,
    read_canonical,
    save_snapshot,
)

__all__ = [
    "CrmData",
    "from_frames",
    "LoadReport",
    "TableAccount",
    "load_data",
    "load_snapshot",
    "read_canonical",
    "save_snapshot",
]
