# shellcheck shell=bash
# fstab lines (by filesystem UUID, nofail, a device timeout) and the mounts themselves.
# aiws marks each line it writes with a comment line above it and touches no other line.
# vars: MOUNTS (lines "DEVICE MOUNTPOINT FSTYPE PASSNO"), FSTAB_OPTIONS, FSTAB

mapfile -t AIWS_MOUNTS < <(printf '%s\n' "$MOUNTS" | sed '/^$/d')

aiws_fstab_marker() { printf '# aiws storage-mounted %s' "$1"; }

aiws_uuid() { blkid -p -o value -s UUID "$1" 2>/dev/null || true; }

# The line aiws wrote for MOUNTPOINT (the line after its marker).
aiws_our_line() {
  [ -f "$FSTAB" ] || return 0
  awk -v mark="$(aiws_fstab_marker "$1")" 'take { print; take = 0; next } $0 == mark { take = 1 }' "$FSTAB"
}

# Lines of fstab that mount something at MOUNTPOINT and that aiws did not write.
aiws_foreign_lines() {
  [ -f "$FSTAB" ] || return 0
  awk -v mp="$1" -v mark="$(aiws_fstab_marker "$1")" '
    skip { skip = 0; next }
    $0 == mark { skip = 1; next }
    /^[[:space:]]*#/ { next }
    $2 == mp { print }' "$FSTAB"
}

# fstab without aiws's lines for MOUNTPOINT.
# shellcheck disable=SC2317 # check does not call it
aiws_fstab_without() {
  [ -f "$FSTAB" ] || return 0
  awk -v mark="$(aiws_fstab_marker "$1")" 'skip { skip = 0; next } $0 == mark { skip = 1; next } { print }' "$FSTAB"
}

# What is mounted at MOUNTPOINT, as "SOURCE FSTYPE" (the topmost mount).
aiws_mounted() { findmnt -n -o SOURCE,FSTYPE --mountpoint "$1" 2>/dev/null | tail -n1 || true; }

# What differs for one mount; nothing when the fstab line is there and the filesystem mounted.
aiws_mount_problem() { # device mountpoint fstype passno
  local dev=$1 mp=$2 fs=$3 pass=$4 uuid want ours foreign src type
  uuid=$(aiws_uuid "$dev")
  if [ -z "$uuid" ]; then
    echo "$dev holds no filesystem yet"
    return 0
  fi
  want="UUID=$uuid $mp $fs $FSTAB_OPTIONS 0 $pass"
  ours=$(aiws_our_line "$mp")
  [ "$ours" = "$want" ] || echo "$FSTAB lacks the line: $want"
  foreign=$(aiws_foreign_lines "$mp")
  [ -z "$foreign" ] || echo "$FSTAB has a line aiws did not write for $mp: $foreign"
  read -r src type <<<"$(aiws_mounted "$mp")"
  if [ -z "${src:-}" ]; then
    echo "nothing is mounted at $mp"
  elif [ "$(readlink -f "$src")" != "$(readlink -f "$dev")" ] || [ "$type" != "$fs" ]; then
    echo "$mp is mounted from $src ($type), not from $dev ($fs)"
  fi
  return 0
}
