#!/usr/bin/env bash
# Runs a command while other work keeps every core busy, as on a shared build machine:
#
#   scripts/busy.sh npm test              one spinning node process per core (nproc) beside the command
#   BUSY_PROCESSES=4 scripts/busy.sh CMD  more (or fewer) spinners
#
# The spinners run at the command's own priority, so the command gets no more than its share.
# They stop when the command ends, however it ends; the command's exit status is this script's.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: scripts/busy.sh COMMAND [ARGS...]" >&2
  exit 2
fi

count=${BUSY_PROCESSES:-$(nproc)}
spinners=()
stop_spinners() {
  for pid in "${spinners[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${spinners[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_spinners EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in $(seq "$count"); do
  node -e 'for (;;) {}' &
  spinners+=("$!")
done
echo "busy.sh: $count spinning processes (${spinners[*]}) beside: $*" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
