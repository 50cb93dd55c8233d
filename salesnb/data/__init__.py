"""Loading client data onto the canonical schema (docs/schema.md)."""

from salesnb.data.dataset import (
    SNAPSHOT_ID_ENV,
    SNAPSHOT_ID_FILE,
    CrmData,
    LoadReport,
    TableAccount,
    check_snapshot_id,
    deal_dates,
    from_frames,
    load_data,
    load_snapshot,
    read_canonical,
    save_snapshot,
)

__all__ = [
    "SNAPSHOT_ID_ENV",
    "SNAPSHOT_ID_FILE",
    "CrmData",
    "LoadReport",
    "TableAccount",
    "check_snapshot_id",
    "deal_dates",
    "from_frames",
    "load_data",
    "load_snapshot",
    "read_canonical",
    "save_snapshot",
]
