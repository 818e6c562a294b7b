# shellcheck shell=bash
# Safe mode: the one implementation the storage steps run, from `lsblk -P` and
# `wipefs --noheadings` of each drive. The tests hold it and their oracle
# (tests/unit/host/safeModeOracle.ts) to the same fixtures and the same words.
# Only reads: lsblk and wipefs --no-act change nothing.
#
#   aiws_safe_mode_reset
#   aiws_safe_mode_target drive /dev/disk/by-id/... SERIAL      # or: array /dev/md0 SERIAL...
#   aiws_safe_mode_report || exit 1     # prints the refusals; AIWS_WIPE_PATHS lists what may be wiped
#
# The wipe list comes from $WIPE (serials, one a line).
#
# A filesystem aiws made itself is recorded ($AIWS_FS_RECORD): by the time a profile asks for
# the drive again (another filesystem type, a RAID 0 over it) it may hold the owner's data,
# and a serial left in storage.wipe must not destroy it a second time. It is destroyed only
# when its UUID is confirmed once: in $REFORMAT (the profile's storage.reformat) or in
# $AIWS_REFORMAT_CONFIRMED (written by a migration that verified its backup of it).
AIWS_FS_RECORD=${AIWS_FS_RECORD:-/var/lib/aiws/filesystems-made}
AIWS_REFORMAT_CONFIRMED=${AIWS_REFORMAT_CONFIRMED:-/var/lib/aiws/reformat-confirmed}

AIWS_LSBLK_COLUMNS=NAME,PATH,TYPE,FSTYPE,PTTYPE,MOUNTPOINTS,SERIAL
AIWS_NOTHING_CHANGED="safe mode: nothing was changed"

aiws_safe_mode_reset() {
  AIWS_REFUSALS=()
  AIWS_WIPE_PATHS=()
  AIWS_WIPE_NEEDED=()
  AIWS_WIPEABLE=0
}

aiws_usage_noun() {
  case $1 in
    filesystem) echo "filesystem" ;;
    raid) echo "RAID superblock" ;;
    partition-table | "partition table") echo "partition table" ;;
    crypto) echo "encryption header" ;;
    *) echo "signature" ;;
  esac
}

# ["a", "b"]: a YAML flow list, as the user would write it.
aiws_yaml_list() {
  local out="" s
  for s in "$@"; do
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    out+="${out:+, }\"$s\""
  done
  printf '[%s]' "$out"
}

aiws_in_list() { # needle items...
  local needle=$1 x
  shift
  for x in "$@"; do [ "$x" = "$needle" ] && return 0; done
  return 1
}

aiws_join() { # separator items...
  local sep=$1 out="" x first=1
  shift
  for x in "$@"; do
    if [ "$first" = 1 ]; then out=$x first=0; else out+="$sep$x"; fi
  done
  printf '%s' "$out"
}

# Settles udev so lsblk's answers are current; a host without udev answers from the disk.
aiws_settle() {
  if command -v udevadm >/dev/null 2>&1; then udevadm settle --timeout=30 >/dev/null 2>&1 || true; fi
}

# aiws_describe PATH: what is on the device. Sets AIWS_FOUND (0/1), AIWS_SERIAL, AIWS_TYPE
# (lsblk's TYPE: disk, part, raid0 ...), AIWS_DEVPATH (the kernel's path), AIWS_ITEMS
# (one phrase each, in a fixed order) and AIWS_IN_USE (0/1).
aiws_describe() {
  local path=$1 pairs sigs rc=0
  AIWS_FOUND=0 AIWS_SERIAL="" AIWS_TYPE="" AIWS_DEVPATH="" AIWS_IN_USE=0
  AIWS_ITEMS=()
  pairs=$(lsblk -P -b -o "$AIWS_LSBLK_COLUMNS" "$path" 2>/dev/null) || rc=$?
  if [ "$rc" = 32 ]; then return 0; fi # "not a block device": no such drive
  if [ "$rc" != 0 ] || [ -z "$pairs" ]; then
    echo "safe mode: lsblk could not read $path (exit $rc); refusing to guess" >&2
    return 1
  fi
  AIWS_FOUND=1
  # Callers run this under `||`, where bash ignores `set -e`: every failure is explicit here.
  if ! sigs=$(wipefs --no-act --noheadings --output DEVICE,OFFSET,TYPE,USAGE "$path"); then
    echo "safe mode: wipefs could not read $path; refusing to guess" >&2
    return 1
  fi

  local -a types=()
  local -A usage=() offsets=()
  local dev off type use
  while read -r dev off type use; do
    [ -n "${type:-}" ] || continue
    : "$dev"
    if [ -z "${usage[$type]+set}" ]; then
      types+=("$type")
      usage[$type]=$use
      offsets[$type]=$off
    else
      offsets[$type]+=", $off"
    fi
  done <<<"$sigs"
  for type in "${types[@]}"; do
    AIWS_ITEMS+=("$type $(aiws_usage_noun "${usage[$type]}") at ${offsets[$type]}")
  done

  local re='^NAME="([^"]*)" PATH="([^"]*)" TYPE="([^"]*)" FSTYPE="([^"]*)" PTTYPE="([^"]*)" MOUNTPOINTS="([^"]*)" SERIAL="([^"]*)"$'
  local line first=1 name kind fstype pttype serial m label
  local -a mps what
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    if ! [[ $line =~ $re ]]; then
      echo "safe mode: cannot read lsblk's answer for $path: $line" >&2
      return 1
    fi
    # lsblk -P writes special characters as \xHH (a newline separates mountpoints).
    name=$(printf '%b' "${BASH_REMATCH[1]}")
    kind=$(printf '%b' "${BASH_REMATCH[3]}")
    fstype=$(printf '%b' "${BASH_REMATCH[4]}")
    pttype=$(printf '%b' "${BASH_REMATCH[5]}")
    mapfile -t mps < <(printf '%b\n' "${BASH_REMATCH[6]}" | sed '/^$/d')
    serial=$(printf '%b' "${BASH_REMATCH[7]}")
    if [ "$first" = 1 ]; then
      first=0
      AIWS_SERIAL=$serial
      AIWS_TYPE=$kind
      AIWS_DEVPATH=$(printf '%b' "${BASH_REMATCH[2]}")
      if [ -n "$fstype" ] && ! aiws_in_list "$fstype" "${types[@]}"; then AIWS_ITEMS+=("$fstype (reported by lsblk)"); fi
      if [ -n "$pttype" ] && ! aiws_in_list "$pttype" "${types[@]}"; then AIWS_ITEMS+=("$pttype partition table (reported by lsblk)"); fi
      for m in "${mps[@]}"; do
        AIWS_ITEMS+=("mounted at $m")
        AIWS_IN_USE=1
      done
    else
      what=()
      [ -z "$fstype" ] || what+=("$fstype")
      if [ "${#mps[@]}" -gt 0 ]; then
        what+=("mounted at $(aiws_join ", " "${mps[@]}")")
        AIWS_IN_USE=1
      fi
      label=$kind
      if [ "$kind" = part ]; then label=partition; else AIWS_IN_USE=1; fi
      if [ "${#what[@]}" -gt 0 ]; then
        AIWS_ITEMS+=("$label $name ($(aiws_join ", " "${what[@]}"))")
      else
        AIWS_ITEMS+=("$label $name")
      fi
    fi
  done <<<"$pairs"
}

# aiws_safe_mode_target drive|array PATH SERIAL...: decides for one device a step would destroy.
aiws_safe_mode_target() {
  local kind=$1 path=$2
  shift 2
  local -a serials=("$@") wipe=()
  local who head s allowed=1
  mapfile -t wipe < <(printf '%s\n' "${WIPE:-}" | sed '/^$/d')
  if [ "$kind" = drive ]; then who="serial $(aiws_join ", " "${serials[@]}")"; else who="RAID 0 of serials $(aiws_join ", " "${serials[@]}")"; fi
  head="refusing to use $path ($who)"

  aiws_describe "$path" || return 1
  if [ "$AIWS_FOUND" = 0 ]; then
    AIWS_REFUSALS+=("$head: no such block device; check hardware.drives against ls -l /dev/disk/by-id/")
    return 0
  fi
  # A drive is known by its serial, and only a whole disk reports one: a partition's by-id
  # path, or a disk that reports no serial, cannot be proven to be the drive the profile names.
  if [ "$kind" = drive ] && [ "$AIWS_TYPE" != disk ]; then
    local noun=$AIWS_TYPE
    [ "$noun" != part ] || noun=partition
    AIWS_REFUSALS+=("$head: it is a $noun ($AIWS_DEVPATH), not a whole disk; name the drive itself in hardware.drives (its /dev/disk/by-id/ name without -partN)")
    return 0
  fi
  if [ "$kind" = drive ] && [ -z "$AIWS_SERIAL" ]; then
    AIWS_REFUSALS+=("$head: the disk there reports no serial, so aiws cannot tell it is the drive the profile names; check with lsblk -d -o PATH,SERIAL")
    return 0
  fi
  if [ "$kind" = drive ] && ! aiws_in_list "$AIWS_SERIAL" "${serials[@]}"; then
    AIWS_REFUSALS+=("$head: the drive there reports serial $AIWS_SERIAL, not $(aiws_join ", " "${serials[@]}"); check hardware.drives")
    return 0
  fi
  [ "${#AIWS_ITEMS[@]}" -gt 0 ] || return 0
  local uuid made
  uuid=$(blkid -p -o value -s UUID "$path" 2>/dev/null || true)
  if [ -n "$uuid" ] && made=$(awk -v u="$uuid" '$1 == u { print $3; exit }' "$AIWS_FS_RECORD" 2>/dev/null) && [ -n "$made" ] &&
    ! printf '%s\n' "${REFORMAT:-}" | grep -qxF -- "$uuid" && ! grep -qxF -- "$uuid" "$AIWS_REFORMAT_CONFIRMED" 2>/dev/null; then
    AIWS_REFUSALS+=("$head: it holds the filesystem (or RAID array) aiws made on $made (UUID $uuid), which may hold your data by now; storage.wipe alone does not destroy it again")
    AIWS_REFUSALS+=("  to destroy it once, set in the profile: storage.reformat: [\"$uuid\"] (npm run switch -- --migrate confirms it by itself, after a verified backup)")
    return 0
  fi
  for s in "${serials[@]}"; do aiws_in_list "$s" "${wipe[@]}" || allowed=0; done
  if [ "$allowed" = 1 ] && [ "$AIWS_IN_USE" = 0 ]; then
    AIWS_WIPE_PATHS+=("$path")
    return 0
  fi
  AIWS_REFUSALS+=("$head: it holds $(aiws_join "; " "${AIWS_ITEMS[@]}")")
  if [ "$AIWS_IN_USE" = 1 ]; then
    AIWS_REFUSALS+=("  it is in use, and aiws never unmounts a filesystem or stops an array: free it by hand first")
  fi
  if [ "$allowed" = 0 ]; then
    local -a merged=("${wipe[@]}")
    for s in "${serials[@]}"; do aiws_in_list "$s" "${merged[@]}" || merged+=("$s"); done
    AIWS_REFUSALS+=("  to let aiws destroy what is on it, set in the profile: storage.wipe: $(aiws_yaml_list "${merged[@]}")")
    AIWS_WIPEABLE=$((AIWS_WIPEABLE + 1))
    for s in "${serials[@]}"; do
      aiws_in_list "$s" "${wipe[@]}" || aiws_in_list "$s" "${AIWS_WIPE_NEEDED[@]}" || AIWS_WIPE_NEEDED+=("$s")
    done
  fi
  return 0
}

# Prints the refusals and fails when there are any.
aiws_safe_mode_report() {
  local -a wipe=() all
  if [ "$AIWS_WIPEABLE" -gt 1 ]; then
    # Several drives refused for what is on them: one line that allows them all.
    mapfile -t wipe < <(printf '%s\n' "${WIPE:-}" | sed '/^$/d')
    all=("${wipe[@]}" "${AIWS_WIPE_NEEDED[@]}")
    AIWS_REFUSALS+=("to let aiws destroy what is on all of them, set: storage.wipe: $(aiws_yaml_list "${all[@]}")")
  fi
  if [ "${#AIWS_REFUSALS[@]}" -gt 0 ]; then
    printf '%s\n' "${AIWS_REFUSALS[@]}" "$AIWS_NOTHING_CHANGED"
    return 1
  fi
  return 0
}

# Records the filesystem (or array member) just made on $1 (its UUID, the device, when, the
# serials) as aiws's.
aiws_record_made_filesystem() {
  local uuid
  uuid=$(blkid -p -o value -s UUID "$1" 2>/dev/null || true)
  [ -n "$uuid" ] || return 0
  mkdir -p "$(dirname "$AIWS_FS_RECORD")"
  printf '%s %s %s %s\n' "$uuid" "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${*:2}" >>"$AIWS_FS_RECORD"
}

