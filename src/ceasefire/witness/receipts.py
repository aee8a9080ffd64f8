"""Receipts a party's liaison officers kept, held against the log (design idea 8).

A receipt (``log.receipt``) is the log's signed promise: the entry with ``leaf`` stands at
``index`` in every checkpoint published from ``include-by`` on. The witness reads the
``*.receipt`` files ``ceasefire event post --receipts DIR`` saves and, against its own checked
copy of the log:

- kept: the copy holds an entry at ``index`` whose leaf hash is the promised one;
- broken: the copy holds another entry at ``index``, or, once the witness's clock has passed
  ``include-by``, the latest checked tree does not reach ``index`` — an alarm, and the receipt
  with the checkpoint is the proof that the operator dropped the entry;
- pending: not yet in a checked tree, and ``include-by`` is still to come.

A file that is not a receipt signed by the log's key is an alarm too: the party holds no
promise it thought it held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ceasefire.errors import CeasefireError
from ceasefire.log.envelope import format_time
from ceasefire.log.keys import VerifierKey
from ceasefire.log.receipt import verify_receipt
from ceasefire.witness.alarms import Check, Finding
from ceasefire.witness.mirror import Mirror


@dataclass(frozen=True)
class ReceiptCount:
    kept: int = 0
    pending: int = 0
    broken: int = 0


def check_receipts(
    folder: Path, log_key: VerifierKey, mirror: Mirror, now: datetime
) -> tuple[ReceiptCount, list[Finding]]:
    """Hold every receipt in ``folder`` against the witness's copy of the log."""
    kept = pending = 0
    findings: list[Finding] = []
    size = mirror.size()
    for path in sorted(folder.glob("*.receipt")):
        try:
            receipt = verify_receipt(path.read_text(encoding="utf-8"), log_key)
        except (CeasefireError, OSError, UnicodeDecodeError) as exc:
            findings.append(
                Finding(Check.RECEIPT, f"{path.name} is not a receipt signed by the log: {exc}")
            )
            continue
        where = {"file": str(path), "event": receipt.event_id}
        if receipt.index < size:
            (_, _, held) = mirror.store.entry_rows(receipt.index, receipt.index + 1)[0]
            if held == receipt.leaf_hash:
                kept += 1
                continue
            findings.append(
                Finding(
                    Check.RECEIPT,
                    f"broken promise ({path.name}): event {receipt.event_id} was promised at "
                    f"index {receipt.index}, which the log holds another entry at",
                    size=size,
                    index=receipt.index,
                    expected=receipt.leaf_hash.hex(),
                    found=held.hex(),
                    events=(receipt.index,),
                    details=where,
                )
            )
        elif now >= receipt.include_by:
            findings.append(
                Finding(
                    Check.RECEIPT,
                    f"broken promise ({path.name}): event {receipt.event_id}, accepted "
                    f"{format_time(receipt.accepted)}, was to be in the log at index "
                    f"{receipt.index} by {format_time(receipt.include_by)}; the log's tree has "
                    f"only {size} entries",
                    size=size,
                    index=receipt.index,
                    expected=f"entry {receipt.index} with leaf hash {receipt.leaf_hash.hex()}",
                    found=f"a tree of {size} entries",
                    details=where,
                )
            )
        else:
            pending += 1
    return ReceiptCount(kept, pending, len(findings)), findings
