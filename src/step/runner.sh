#!/usr/bin/env bash
# The half of a converge that changes the host (see src/step/render.ts). It runs detached
# from the SSH session (a transient systemd unit, or setsid where systemd is not PID 1), so a
# connection cut in the middle of apt or dpkg never kills them halfway.
#
# Usage: bash runner RUN_DIR STEP_ID LOCK LOG_DIR
# RUN_DIR holds the step's check and apply (and its secrets). Everything the runner and the
# phases print goes to RUN_DIR/out, which the SSH session follows; RUN_DIR/status is written
# last: "in-sync 0", "converged 0", "reboot 0" or "failed N". LOCK is the host's one aiws
# lock: one step changes the host at a time, and a run that finds it held waits, then checks
# again before applying anything. The scripts and secrets are removed when the run ends; the
# output is appended to LOG_DIR/STEP_ID.log.
set -uo pipefail
run=$1 id=$2 lock=$3 logdir=$4
exec </dev/null >>"$run/out" 2>&1
echo "$$" >"$run/pid"

finish() {
  mkdir -p "$logdir"
  { echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) aiws: $id: $1 $2"; cat "$run/out"; } >>"$logdir/$id.log" 2>/dev/null || true
  rm -f "$run/check" "$run/apply" "$run"/secret-* "$run/runner"
  printf '%s %s\n' "$1" "$2" >"$run/status.new"
  mv -f "$run/status.new" "$run/status"
  exit 0
}

# The secrets the session wrote here, as the phases expect them (src/step/render.ts secretFileVar).
for f in "$run"/secret-*; do
  [[ -e $f ]] || continue
  n=${f##*/secret-}
  export "AIWS_SECRET_${n^^}_FILE=$f"
done

waited=0
exec 9>>"$lock"
if ! flock -n 9; then
  waited=1
  echo "aiws: $id: another aiws run is changing this host ($(cat "$lock.holder" 2>/dev/null || echo "holder unknown")): waiting for it to finish"
  start=$SECONDS
  until flock -w 30 9; do
    echo "aiws: $id: still waiting for the other aiws run ($(cat "$lock.holder" 2>/dev/null || echo "holder unknown")), $((SECONDS - start)) s so far"
  done
fi
echo "step $id, pid $$, since $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$lock.holder"

# A run that waited checks again under the lock: the other one may have done the work.
if ((waited)) && bash "$run/check" >/dev/null 2>&1; then
  echo "aiws: $id: the other aiws run converged it while this one waited"
  finish converged 0
fi
export AIWS_REBOOT_FILE="$run/reboot-required"
rm -f "$AIWS_REBOOT_FILE"
# The apply's stderr also goes to a file, to name its error in the one-line result.
{ bash "$run/apply" 2>&1 1>&3 3>&- | tee "$run/apply.err" && status=0 || status=${PIPESTATUS[0]}; } 3>&1
last_err() { grep -v '^[[:space:]]*$' "$run/apply.err" | tail -n "${1:-5}" | paste -sd'|' | sed 's/|/ | /g'; }
if ((status != 0)); then
  echo "aiws: $id: apply failed (exit $status): $(last_err)"
  finish failed "$status"
fi
if [[ -e $AIWS_REBOOT_FILE ]]; then
  finish reboot 0
fi
if reason=$(bash "$run/check" 2>&1); then
  finish converged 0
fi
said=$(last_err 3)
echo "aiws: $id: still not converged after apply: ${reason:-the check failed}${said:+ (apply said: $said)}"
finish failed 1
