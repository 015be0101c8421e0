"""The DfE's official statistics for every local authority in England, read without a database.

`areas` builds the area registry (England, regions, every authority) from the published files; `neighbours` reads
the DfE's statistical-neighbour lists; `reader.read_official` turns the published files into observation rows through
the declarative `mapping.yaml`. The `snapshot/` folder holds a dated, compressed copy of the published files.
"""

from pathlib import Path

OFFICIAL_DIR = Path(__file__).resolve().parent
SNAPSHOT_DIR = OFFICIAL_DIR / "snapshot"
