# --- aiws apply runtime: what every apply can call, after the queries (src/step/render.ts) ---
# Packages go through aiws_apt_install / aiws_apt_get only: they wait for another apt or dpkg
# (apt's daily timers, unattended-upgrades) saying who holds the lock, finish a dpkg run that a
# cut or a crash interrupted, and turn any apt failure into exit 1 with apt's own error on one
# line. A reboot is asked for with aiws_reboot_required, never with an exit code: apt-get exits
# 100 on every error, so no exit code can safely mean "reboot".

# How long a step waits for another apt/dpkg before failing. A fresh Ubuntu's first
# unattended-upgrades run can hold the lock for many minutes.
aiws_apt_lock_wait=${AIWS_APT_LOCK_WAIT:-1200}
# dpkg's database and locks (tests point it elsewhere; on a host it is always this).
aiws_dpkg_dir=${AIWS_DPKG_DIR:-/var/lib/dpkg}

# True while some process holds one of dpkg's locks (apt-get, dpkg, unattended-upgrades,
# packagekit). The kernel's lock table names the lock file's inode: no lock is taken here, so
# asking can never get in the way of the holder.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_dpkg_locked() {
  local aiws_f aiws_ino
  for aiws_f in "$aiws_dpkg_dir/lock-frontend" "$aiws_dpkg_dir/lock"; do
    [[ -e $aiws_f ]] || continue
    aiws_ino=$(stat -c %i "$aiws_f") || continue
    if grep -qE "^[0-9]+: .*:${aiws_ino} " /proc/locks; then return 0; fi
  done
  return 1
}

# Who holds dpkg's lock: "process 1234 (unattended-upgr), running 3 min", or a fallback.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_dpkg_lock_holder() {
  local aiws_pids aiws_pid aiws_holders=()
  aiws_pids=$(find /proc/[0-9]*/fd -lname "$aiws_dpkg_dir/lock*" 2>/dev/null | cut -d/ -f3 | sort -un) || true
  for aiws_pid in $aiws_pids; do
    aiws_holders+=("process $aiws_pid ($(cat "/proc/$aiws_pid/comm" 2>/dev/null || echo gone), running $(ps -o etime= -p "$aiws_pid" 2>/dev/null | tr -d ' ' || echo '?'))")
  done
  if ((${#aiws_holders[@]})); then
    printf '%s' "${aiws_holders[0]}"
    ((${#aiws_holders[@]} < 2)) || printf ', %s' "${aiws_holders[@]:1}"
    echo
  else
    echo "another package manager"
  fi
}

# Waits until no process holds dpkg's lock, saying who holds it every 30 seconds; fails with
# one line when the wait runs out.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_wait_for_dpkg_lock() {
  local aiws_start=$SECONDS aiws_said=-1 aiws_waited
  while aiws_dpkg_locked; do
    aiws_waited=$((SECONDS - aiws_start))
    if ((aiws_waited >= aiws_apt_lock_wait)); then
      echo "aiws: the dpkg lock is still held by $(aiws_dpkg_lock_holder) after ${aiws_apt_lock_wait} s: let it finish (systemctl status apt-daily-upgrade.service unattended-upgrades.service), then run aiws again" >&2
      exit 1
    fi
    if ((aiws_said < 0 || aiws_waited - aiws_said >= 30)); then
      echo "aiws: waiting for the dpkg lock, held by $(aiws_dpkg_lock_holder): ${aiws_waited} s so far, up to ${aiws_apt_lock_wait} s"
      aiws_said=$aiws_waited
    fi
    sleep 2
  done
}

# What dpkg says is unfinished: its audit, and the journal of a run cut off mid-write.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_dpkg_unfinished() {
  local aiws_audit
  aiws_audit=$(dpkg --admindir="$aiws_dpkg_dir" --audit 2>&1) || true
  if [[ -n $aiws_audit ]]; then
    printf '%s\n' "$aiws_audit"
  elif [[ -n $(find "$aiws_dpkg_dir/updates" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 1) ]]; then
    echo "dpkg's journal ($aiws_dpkg_dir/updates) holds a run that was cut off"
  fi
}

# Packages dpkg can only finish by unpacking them again: cut off mid-unpack (status
# half-installed, "H") or flagged reinst-required ("R"), and wanted installed or held (one cut
# off while being removed is not brought back). 'dpkg --configure -a' skips them and
# 'apt-get -f install' leaves them as they are; dpkg itself says to reinstall them.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_dpkg_reinstall_needed() {
  # shellcheck disable=SC2016 # dpkg-query's own ${field} syntax, not the shell's
  dpkg-query --admindir="$aiws_dpkg_dir" -W -f='${db:Status-Abbrev}|${binary:Package}\n' 2>/dev/null |
    awk -F'|' 'substr($1, 1, 1) ~ /[ih]/ && (substr($1, 2, 1) == "H" || substr($1, 3, 1) == "R") { print $2 }' || true
}

# Finishes what an interrupted dpkg left (dpkg --configure -a; a reinstall of what was cut off
# mid-unpack; apt-get -f install), under the lock wait; fails naming the packages that stay
# broken.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_dpkg_repair() {
  local aiws_unfinished aiws_reinstall
  aiws_unfinished=$(aiws_dpkg_unfinished)
  [[ -n $aiws_unfinished ]] || return 0
  echo "aiws: dpkg was interrupted (a cut connection, a crash or a power loss): finishing it with 'dpkg --configure -a'"
  printf '%s\n' "$aiws_unfinished" | sed -n '1,8s/^/  | /p'
  aiws_wait_for_dpkg_lock
  DEBIAN_FRONTEND=noninteractive dpkg --admindir="$aiws_dpkg_dir" --force-confdef --force-confold --configure -a </dev/null || true
  read -r -a aiws_reinstall <<<"$(aiws_dpkg_reinstall_needed | paste -sd' ')"
  if ((${#aiws_reinstall[@]})); then
    echo "aiws: unpacking again what was cut off mid-unpack: ${aiws_reinstall[*]}"
    aiws_apt_run update
    aiws_apt_run install --reinstall -y "${aiws_reinstall[@]}"
  fi
  if [[ -n $(aiws_dpkg_unfinished) ]]; then
    aiws_apt_run install -f -y
  fi
  aiws_unfinished=$(aiws_dpkg_unfinished)
  if [[ -n $aiws_unfinished ]]; then
    # dpkg --audit names the packages on indented lines under each explanation.
    local aiws_names
    aiws_names=$(printf '%s\n' "$aiws_unfinished" | awk '/^ [^ ]/ { print $1 }' | sort -u | paste -sd' ')
    echo "aiws: dpkg still reports broken packages after 'dpkg --configure -a', a reinstall and 'apt-get -f install': ${aiws_names:-$(printf '%s' "$aiws_unfinished" | head -n 3 | paste -sd' ')}. Fix them by hand ('dpkg --audit' explains each), then run aiws again" >&2
    exit 1
  fi
  echo "aiws: dpkg repaired: 'dpkg --audit' is clean"
}

# apt-get with the lock wait built in; any failure is exit 1 with apt's errors on one line.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_apt_run() {
  local aiws_err aiws_rc
  aiws_err=$(mktemp)
  # stderr through tee (still shown as it comes) into a file, to name apt's error on failure.
  {
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout="$aiws_apt_lock_wait" \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" </dev/null 2>&1 1>&3 3>&- | tee "$aiws_err" >&2 &&
      aiws_rc=0 || aiws_rc=${PIPESTATUS[0]}
  } 3>&1
  if ((aiws_rc != 0)); then
    local aiws_said
    aiws_said=$(grep -E '^(E|Err):' "$aiws_err" | tail -n 3 | paste -sd' ')
    rm -f "$aiws_err"
    echo "aiws: apt-get $1 failed (exit $aiws_rc): ${aiws_said:-see the apt output above}" >&2
    exit 1
  fi
  rm -f "$aiws_err"
}

# aiws_apt_get ARGS...: apt-get after waiting for the lock and repairing an interrupted dpkg.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_apt_get() {
  aiws_wait_for_dpkg_lock
  aiws_dpkg_repair
  aiws_apt_run "$@"
}

# aiws_apt_install [APT-OPTION...] PACKAGE...: installs the packages not installed yet (package
# lists refreshed first, so a fresh machine's stale lists never pick a vanished version).
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_apt_install() {
  local aiws_opts=() aiws_absent
  while [[ ${1:-} == -* ]]; do
    aiws_opts+=("$1")
    shift
  done
  read -r -a aiws_absent <<<"$(aiws_missing_packages "$@")"
  ((${#aiws_absent[@]})) || return 0
  echo "aiws: installing ${aiws_absent[*]}"
  aiws_apt_get update
  aiws_apt_run install -y "${aiws_opts[@]}" "${aiws_absent[@]}"
}

# Ends an apply that converged as far as it can until the host restarts: the runner then
# schedules the reboot (Pulumi) or reports it. Prints why on stderr.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_reboot_required() {
  echo "aiws: $*" >&2
  : >"${AIWS_REBOOT_FILE:?aiws_reboot_required is for an apply run by the aiws runner}"
  exit 0
}
# --- end of aiws apply runtime ----------------------------------------------------------
