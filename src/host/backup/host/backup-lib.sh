# shellcheck shell=bash
# aiws backup library (installed as /usr/local/lib/aiws/backup-lib.sh by the backup-units step).
# The status file any tool can read, and what the units share. Paths may be moved with
# AIWS_ETC / AIWS_STATE / AIWS_RESTIC (tests do); the units use the defaults.

# shellcheck disable=SC2034 # the scripts that source this library use these
AIWS_ETC=${AIWS_ETC:-/etc/aiws}
AIWS_STATE=${AIWS_STATE:-/var/lib/aiws}
AIWS_RESTIC=${AIWS_RESTIC:-/usr/local/sbin/aiws-restic}
AIWS_BACKUP_CONF=$AIWS_ETC/restic/backup.conf
AIWS_STATUS=$AIWS_STATE/backup-status.json
AIWS_STATUS_DIR=$AIWS_STATE/backup-status.d
AIWS_CANARY=$AIWS_STATE/backup-canary
AIWS_RUN_LOCK=${AIWS_RUN_LOCK:-/run/lock/aiws-backup.lock}
# The data filesystems as the last backup saw them: "MOUNTPOINT UUID FILES" lines.
AIWS_GUARD=$AIWS_STATE/backup-guard
# Present: the owner accepts that they changed (a new drive, a big cleanup); the next backup
# records them as they are now.
AIWS_GUARD_ACK=$AIWS_STATE/backup-guard-ack

aiws_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# A JSON string for $1: quotes, backslashes and control characters escaped or dropped.
aiws_json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  s=$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037\177')
  printf '"%s"' "$s"
}

# The configuration the backup-config step wrote (REPOSITORY, KEEP_*, CHECK_SUBSET, ...).
aiws_load_conf() {
  # shellcheck source=/dev/null
  . "$AIWS_BACKUP_CONF"
}

# One run at a time: backup, check and restore drill take this lock (waiting for each other).
aiws_take_run_lock() {
  mkdir -p "$(dirname "$AIWS_RUN_LOCK")"
  exec 9>"$AIWS_RUN_LOCK"
  flock 9
}

# Writes one part of the status (backup, check, snapshots, failure, drill) and rebuilds the file.
aiws_status_set() { # name json
  mkdir -p "$AIWS_STATUS_DIR"
  (
    flock 8
    printf '%s\n' "$2" >"$AIWS_STATUS_DIR/$1.json.tmp"
    mv -f "$AIWS_STATUS_DIR/$1.json.tmp" "$AIWS_STATUS_DIR/$1.json"
    aiws_status_compose >"$AIWS_STATUS.tmp"
    chmod 644 "$AIWS_STATUS.tmp"
    mv -f "$AIWS_STATUS.tmp" "$AIWS_STATUS"
  ) 8>"$AIWS_STATUS_DIR/.lock"
}

aiws_status_part() { # name: its JSON, or null
  if [ -s "$AIWS_STATUS_DIR/$1.json" ]; then tr -d '\n' <"$AIWS_STATUS_DIR/$1.json"; else printf 'null'; fi
}

# The whole status as one JSON object (src/host/backup/status.ts reads it).
aiws_status_compose() {
  local repo=null
  if [ -r "$AIWS_BACKUP_CONF" ]; then repo=$(REPOSITORY="" && aiws_load_conf && aiws_json_string "$REPOSITORY"); fi
  printf '{"version":1,"updated":%s,"repository":%s,"lastBackup":%s,"lastCheck":%s,"snapshotCount":%s,"lastFailure":%s,"lastRestoreDrill":%s}\n' \
    "$(aiws_json_string "$(aiws_now)")" "$repo" \
    "$(aiws_status_part backup)" "$(aiws_status_part check)" "$(aiws_status_part snapshots)" \
    "$(aiws_status_part failure)" "$(aiws_status_part drill)"
}

# Records a failure. unit, result (exit-code, timeout, ...), exit status, message.
aiws_record_failure() {
  aiws_status_set failure "{\"time\":$(aiws_json_string "$(aiws_now)"),\"unit\":$(aiws_json_string "$1"),\"result\":$(aiws_json_string "$2"),\"exitStatus\":$(aiws_json_string "$3"),\"message\":$(aiws_json_string "$4")}"
}

# On a script's failure: under systemd, leave the message for the OnFailure unit (which
# records it with the unit's result); run by hand, record it here.
aiws_report_error() { # unit exit-status message
  if [ -n "${INVOCATION_ID:-}" ]; then
    mkdir -p "$AIWS_STATUS_DIR"
    printf '%s\n' "$3" >"$AIWS_STATUS_DIR/error-$INVOCATION_ID.txt"
  else
    aiws_record_failure "$1" exit-code "$2" "$3"
  fi
  echo "$1: $3" >&2
}

# Counts the snapshots aiws made and records the number (and prints the newest snapshot's id).
aiws_count_snapshots() {
  local json ids
  json=$("$AIWS_RESTIC" snapshots --json --tag aiws </dev/null)
  ids=$(printf '%s' "$json" | grep -o '"id":"[0-9a-f]\{64\}"' | cut -d'"' -f4 || true)
  aiws_status_set snapshots "$(printf '%s\n' "$ids" | sed '/^$/d' | wc -l)"
  printf '%s\n' "$ids" | sed '/^$/d' | tail -n1
}

# "UUID FILES" of the filesystem mounted at $1. FILES is the inodes in use, which the
# superblock gives in an instant (counting with find would walk terabytes every night).
aiws_fs_identity() {
  if [ -n "${AIWS_FS_IDENTITY:-}" ]; then
    "$AIWS_FS_IDENTITY" "$1"
    return
  fi
  local uuid majmin
  # udev's database first: the backup unit's /dev is private (PrivateDevices=), so findmnt
  # may not find the device node to read the UUID from.
  majmin=$(mountpoint -d "$1" 2>/dev/null || true)
  uuid=$(sed -n 's/^E:ID_FS_UUID=//p' "/run/udev/data/b$majmin" 2>/dev/null | head -n 1)
  [ -n "$uuid" ] || uuid=$(findmnt -n -o UUID --mountpoint "$1" 2>/dev/null | head -n 1)
  printf '%s %s\n' "${uuid:-none}" "$(stat -f -c '%c %d' "$1" | awk '{ print $1 - $2 }')"
}

# A restic run killed mid-way (a power cut, the OOM killer, a reboot) leaves its lock in the
# repository, and restic 0.14 then refuses forget --prune and check every night after. restic
# unlock removes only stale locks: those of a process on this host that is gone, or older
# than 30 minutes; the lock of a run still going stays. Not fatal: an unreachable NAS is
# reported by the run that follows, with its own words.
aiws_clear_stale_locks() {
  "$AIWS_RESTIC" unlock </dev/null >&2 || echo "restic unlock failed: stale locks, if any, stay" >&2
}

# A full NAS, in words. Over SFTP a full volume reaches restic only as "Failure"
# (SSH_FX_FAILURE: SFTP version 3 has no code for ENOSPC). After a write that failed so,
# backup-run measures the volume under the repository with sftp's df (the
# statvfs@openssh.com extension) and, when it is (nearly) full, says so. Prints nothing when
# the repository is not on SFTP, the NAS does not answer, or there is room.
aiws_nas_space_note() { # repository (sftp:user@host:/path, the host in brackets when IPv6)
  local rest path out size avail
  case $1 in sftp:*) rest=${1#sftp:} ;; *) return 0 ;; esac
  case $rest in *"]:"*) path=${rest#*]:} ;; *) path=${rest#*:} ;; esac
  # One quoted word on sftp's batch line (the profile's path pattern allows neither of these).
  case $path in *'"'* | *$'\n'* | *"\\"*) return 0 ;; esac
  out=$(printf 'df "%s"\n' "$path" | timeout 60 sftp -q -F "$AIWS_ETC/restic/ssh_config" -b - aiws-nas 2>/dev/null) || return 0
  # "Size Used Avail (root) %Capacity" in KiB, on the line after the header.
  read -r size _ avail _ < <(printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ && NF >= 3 { print; exit }') || return 0
  [[ ${size:-} =~ ^[0-9]{1,15}$ && ${avail:-} =~ ^[0-9]{1,15}$ ]] || return 0
  if [ "$avail" -lt 262144 ] || [ $((avail * 100)) -lt "$size" ]; then
    echo "the NAS is (nearly) full: $((avail / 1024)) MiB free of $((size / 1024)) MiB under $path; free space there (or raise the share's quota), then run the backup again (systemctl start aiws-backup.service)"
  fi
}
