# shellcheck shell=bash
# The RAID 0 array: what the kernel says about it, and the mdadm.conf line that names it.
# vars: MD_DEVICE MD_NAME CHUNK_KIB MEMBERS MEMBER_SERIALS MDADM_CONF WIPE REFORMAT

mapfile -t AIWS_MEMBERS < <(printf '%s\n' "$MEMBERS" | sed '/^$/d')
mapfile -t AIWS_MEMBER_SERIALS < <(printf '%s\n' "$MEMBER_SERIALS" | sed '/^$/d')
# Members and serials pair up by line: a count that differs would pair a drive with another's serial.
if [ "${#AIWS_MEMBERS[@]}" != "${#AIWS_MEMBER_SERIALS[@]}" ]; then
  echo "storage: ${#AIWS_MEMBERS[@]} RAID members but ${#AIWS_MEMBER_SERIALS[@]} serials; refusing to pair them (nothing was changed)" >&2
  exit 2
fi
# shellcheck disable=SC2034 # remove does not need it
AIWS_MD=${MD_DEVICE##*/}
# Where the kernel and the boot files are (tests point these at a fake tree).
AIWS_SYS=${AIWS_SYS:-/sys}
AIWS_PROC=${AIWS_PROC:-/proc}
AIWS_BOOT=${AIWS_BOOT:-/boot}
AIWS_CONF_MARK="# aiws storage-raid0-array"

# Kernel names (nvme1n1 ...) of the profile's members, sorted; "absent:<path>" for a missing one.
aiws_member_names() {
  local m
  for m in "${AIWS_MEMBERS[@]}"; do
    if [ -e "$m" ]; then basename "$(readlink -f "$m")"; else echo "absent:$m"; fi
  done | sort
}

# Kernel names of md device MD's members, sorted.
aiws_md_members() {
  local s
  for s in "$AIWS_SYS/block/$1/slaves/"*; do
    if [ -e "$s" ]; then basename "$s"; fi
  done | sort
}

# What differs between md device MD (md0) and the profile, one line each; nothing when it matches.
aiws_array_problem() {
  local md=$1 level chunk meta want have
  if ! grep -Eq "^$md : active " "$AIWS_PROC/mdstat" 2>/dev/null; then
    echo "/dev/$md is not an active array"
    return 0
  fi
  level=$(cat "$AIWS_SYS/block/$md/md/level")
  [ "$level" = raid0 ] || echo "/dev/$md is $level, not raid0"
  chunk=$(cat "$AIWS_SYS/block/$md/md/chunk_size")
  [ "$chunk" = $((CHUNK_KIB * 1024)) ] || echo "/dev/$md has a $((chunk / 1024)) KiB chunk; the profile says $CHUNK_KIB KiB"
  meta=$(cat "$AIWS_SYS/block/$md/md/metadata_version")
  [ "$meta" = 1.2 ] || echo "/dev/$md has metadata $meta, not 1.2"
  want=$(aiws_member_names | paste -sd' ' -)
  have=$(aiws_md_members "$md" | paste -sd' ' -)
  [ "$want" = "$have" ] || echo "/dev/$md runs on $have; the profile's members are $want"
  return 0
}

# The md device (md127) that holds the profile's first member, if any.
aiws_holder_array() {
  local first h
  first=${AIWS_MEMBERS[0]}
  [ -e "$first" ] || return 0
  for h in "$AIWS_SYS/block/$(basename "$(readlink -f "$first")")/holders/"md*; do
    if [ -e "$h" ]; then basename "$h"; fi
  done | sed -n 1p
}

# The array's UUID as mdadm.conf writes it (from `mdadm --detail --brief`).
aiws_array_uuid() {
  { mdadm --detail --brief "/dev/$1" </dev/null | grep -o 'UUID=[0-9a-fA-F:]*' | sed -n 1p | cut -d= -f2; } || true
}

aiws_conf_line() { printf 'ARRAY %s metadata=1.2 UUID=%s %s' "$MD_DEVICE" "$1" "$AIWS_CONF_MARK"; }

# What is wrong with mdadm.conf for array UUID: our line exactly once, no other line for the
# same array or device name. Nothing when it is right.
aiws_conf_problem() {
  local uuid=$1 want n others
  want=$(aiws_conf_line "$uuid")
  if [ ! -f "$MDADM_CONF" ]; then
    echo "$MDADM_CONF does not exist"
    return 0
  fi
  n=$(grep -cxF -- "$want" "$MDADM_CONF" || true)
  [ "$n" = 1 ] || echo "$MDADM_CONF should hold this line once (it holds it $n times): $want"
  others=$(grep -E '^[[:space:]]*ARRAY[[:space:]]' "$MDADM_CONF" | grep -vxF -- "$want" | grep -E -- "UUID=$uuid|^[[:space:]]*ARRAY[[:space:]]+$MD_DEVICE([[:space:]]|$)" || true)
  [ -z "$others" ] || echo "$MDADM_CONF has other ARRAY lines for this array: $others"
  return 0
}

# Whether the initramfs was rebuilt after mdadm.conf last changed (Debian and Ubuntu's
# initramfs-tools; a host without update-initramfs has no initramfs to rebuild).
aiws_initramfs_problem() {
  local initrd
  command -v update-initramfs >/dev/null 2>&1 || return 0
  initrd=$AIWS_BOOT/initrd.img-$(uname -r)
  if [ ! -e "$initrd" ] || [ "$MDADM_CONF" -nt "$initrd" ]; then
    echo "the initramfs $initrd predates $MDADM_CONF (update-initramfs -u)"
  fi
  return 0
}

# Copies FILE without the lines grep -E PATTERN selects (grep's "no line left" is no error).
aiws_without_lines() { # file pattern tmp
  local rc=0
  grep -vE -- "$2" "$1" >"$3" || rc=$?
  [ "$rc" -le 1 ] || { echo "cannot read $1" >&2; return 1; }
}

# Safe mode over every member, as apply would decide it now.
aiws_members_safe_mode() {
  local i
  aiws_safe_mode_reset
  for i in "${!AIWS_MEMBERS[@]}"; do
    aiws_safe_mode_target drive "${AIWS_MEMBERS[$i]}" "${AIWS_MEMBER_SERIALS[$i]}" || return 2
  done
  aiws_safe_mode_report
}
