# --- aiws detach: the SSH session's half of a converge (src/step/render.ts) ----------------
# aiws_detach RUN_DIR STEP_ID LOCK: starts RUN_DIR/runner outside this SSH session (a transient
# systemd unit where systemd runs the host, setsid otherwise), then follows its output until
# it writes RUN_DIR/status, with a heartbeat at least every 30 seconds while it prints
# nothing. Sets aiws_result ("in-sync", "converged", "reboot", "failed") and aiws_code.
# shellcheck disable=SC2317 # a library: called from the rendered script's aiws_main
aiws_detach() {
  local run=$1 id=$2 lock=$3 unit off=0 last_out=$SECONDS start=$SECONDS status beat=${AIWS_HEARTBEAT_SECONDS:-30}
  unit="aiws-step-$id-${run##*.}"
  # Finished runs that a cut session left behind, older than an hour.
  find "$(dirname "$run")" -mindepth 2 -maxdepth 2 -name status -mmin +60 -printf '%h\0' 2>/dev/null | xargs -0 -r rm -rf --
  : >"$run/out"
  : >"$run/started"
  local args=(bash "$run/runner" "$run" "$id" "$lock" /var/log/aiws/steps)
  if [[ -d /run/systemd/system ]] && command -v systemd-run >/dev/null &&
    systemd-run --quiet --collect --unit="$unit" --description="aiws: converge step $id" \
      --setenv=PATH="$PATH" --setenv=HOME="${HOME:-/root}" --setenv=LANG=C.UTF-8 \
      ${SUDO_USER:+--setenv=SUDO_USER="$SUDO_USER"} -- "${args[@]}"; then
    echo "aiws: $id: applying in $unit (detached: a cut connection does not stop it; log: /var/log/aiws/steps/$id.log)"
  else
    setsid "${args[@]}" </dev/null >/dev/null 2>&1 &
    echo "aiws: $id: applying in process $! (detached: a cut connection does not stop it; log: /var/log/aiws/steps/$id.log)"
  fi
  while :; do
    status=$(cat "$run/status" 2>/dev/null) || status=""
    aiws_drain
    [[ -z $status ]] || break
    if ((SECONDS - start > 15)) && ! aiws_runner_alive "$run"; then
      sleep 1
      status=$(cat "$run/status" 2>/dev/null) || status=""
      aiws_drain
      if [[ -z $status ]]; then
        echo "aiws: $id: the detached run ended without a result: see /var/log/aiws/steps/$id.log and journalctl -u $unit"
        status="failed 1"
      fi
      break
    fi
    if ((SECONDS - last_out >= beat)); then
      echo "aiws: $id: still applying after $((SECONDS - start)) s; last: $(grep -v '^[[:space:]]*$' "$run/out" | tail -n 1 | cut -c1-160)"
      last_out=$SECONDS
    fi
    # Short steps end within a second or two: poll finely first, then once a second.
    if ((SECONDS - start < 5)); then sleep 0.2; else sleep 1; fi
  done
  aiws_result=${status%% *}
  aiws_code=${status##* }
}

# Prints what the runner wrote since the last call (aiws_detach's off and last_out).
# shellcheck disable=SC2317 # a library: called from aiws_detach
aiws_drain() {
  local size
  size=$(stat -c %s "$run/out")
  if ((size > off)); then
    tail -c +$((off + 1)) "$run/out" | head -c $((size - off))
    off=$size
    last_out=$SECONDS
  fi
}

# True while the runner of RUN_DIR is alive (its pid file names a live process running it).
# shellcheck disable=SC2317 # a library: called from aiws_detach
aiws_runner_alive() {
  local pid
  pid=$(cat "$1/pid" 2>/dev/null) || return 1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -qaF -- "$1" "/proc/$pid/cmdline" 2>/dev/null
}
# --- end of aiws detach -------------------------------------------------------------------
