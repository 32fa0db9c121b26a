"""A stand-in for the ``mercury`` command that ``mercury schedule`` starts as a child process.

It is not Mercury. Tests put it first on PATH as ``mercury``; it appends one JSON line per call
to ``$FAKE_MERCURY_LOG`` (arguments and which variables were set, never their values except
``MERCURY_HOME``), prints what the real command prints, and behaves as ``$FAKE_MERCURY_MODE``
says: ``ok``, ``busy``, ``reauthorize``, or ``slow`` (runs until SIGTERM, then exits 143).
"""

import json
import os
import signal
import sys
import time

VARIABLES = ("MERCURY_HOME", "MERCURY_WAREHOUSE", "MERCURY_METABASE_DB_URL", "MERCURY_LANG")


def record(event: str) -> None:
    with open(os.environ["FAKE_MERCURY_LOG"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps({
            "event": event,
            "args": sys.argv[1:],
            "env": {name: os.environ.get(name) for name in VARIABLES},
        }) + "\n")


def main() -> int:
    mode = os.environ.get("FAKE_MERCURY_MODE", "ok")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    record("start")
    if mode == "slow":
        def on_term(_number, _frame):
            record("terminated")
            sys.exit(143)

        signal.signal(signal.SIGTERM, on_term)
        while True:
            time.sleep(0.05)
    if mode == "busy":
        print("error: another Mercury run is in progress (pid 1, since 2026-01-01T00:00:00+00:00); "
              "try again when it has finished", file=sys.stderr)
        return 1
    if mode == "reauthorize" and command == "sync":
        print("me: the authorization was refused; re-authorization needed: run 'mercury auth "
              "--listener me'", file=sys.stderr)
        return 1
    if command == "sync":
        print("me: 3 new plays")
        print("partner: 2 new plays")
    elif command == "backup":
        print(json.dumps({"file": "/data/backups/mercury-backup-x.tar", "manifest": {}, "removed": ["a", "b"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
