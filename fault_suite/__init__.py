"""Machinery of the fault suite (tests/faults/, docs/fault-suite.md): the processes the suite controls
(a worker it can SIGKILL, a Temporal dev server it can stop and restart on its file), a TCP proxy that
can make PostgreSQL unreachable, the truth every synced UNZR must end in, and the checks against it."""
