"""A party's witness: follows a ceasefire server's log over HTTP, checks it, recomputes what the
mechanism publishes, and cosigns only what it has checked (design: "every party verifies the
mechanism on its own machine"; C2SP tlog-witness, tlog-cosignature).

Modules: ``remote`` (HTTP, the only httpx user), ``mirror`` (the witness's own copy of the log,
a ceasefire store in its data folder), ``follower`` (one cycle: checks 1–4), ``checks`` (those
checks that need no network), ``figures`` (published figures against the witness's
recomputation), ``receipts``, ``peers`` (split view), ``cosigners`` (the witnesses' cosignatures
read: dated in the future, contradicting, gone back), ``protocol`` (tlog-witness
``add-checkpoint``), ``state`` (atomic state file), ``alarms`` (JSON-lines record) and
``server`` (the ``--listen`` endpoints). See docs/witness.md.
"""
