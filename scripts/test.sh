#!/usr/bin/env bash
# make test and make test-fast: pytest in two parts. The tests marked `timing` (a real-time clock,
# the sound server, short real-time margins; tests/conftest.py and the tests themselves say which)
# run one at a time, after all the others have run on RAS_TEST_WORKERS pytest-xdist workers
# (default 2; 0 runs them in this process). The second part runs whatever the first gave; the
# exit status is that of the first part that failed, else 0.
# Usage: bash scripts/test.sh PYTHON MARKER-EXPRESSION [pytest options...]
set -u
if [ "$#" -lt 2 ]; then
  echo "usage: bash scripts/test.sh PYTHON MARKER-EXPRESSION [pytest options...]" >&2
  exit 2
fi
py="$1"
select="$2"
shift 2
workers="${RAS_TEST_WORKERS:-2}"
status=0
empty=0

part() {
  # pytest "$@"; no test selected (exit 5) is no failure: a marker expression may leave a part
  # empty (but not both: then the status is pytest's 5, as one pytest run would give)
  "$py" -m pytest "$@"
  local rc=$?
  if [ "$rc" -eq 5 ]; then
    empty=$((empty + 1))
  elif [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=$rc
  fi
}

echo "== part 1 of 2: tests not marked timing, on $workers workers"
# worksteal: a worker that runs out of tests takes some of the other's (the slow ones are uneven)
part -m "($select) and not timing" -n "$workers" --dist worksteal "$@"
echo "== part 2 of 2: tests marked timing, one at a time"
part -m "($select) and timing" "$@"
if [ "$status" -eq 0 ] && [ "$empty" -eq 2 ]; then
  status=5
fi
exit "$status"
