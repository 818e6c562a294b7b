# shellcheck shell=bash
# The data filesystem on a drive or on the array. aiws labels what it makes (aiws-...), and
# only a filesystem of the profile's type with that label counts as done: anything else on
# the device goes through safe mode.
# vars: DEVICE FSTYPE LABEL MKFS_ARGS TARGET_KIND SERIALS WIPE REFORMAT

mapfile -t AIWS_SERIALS < <(printf '%s\n' "$SERIALS" | sed '/^$/d')

# What differs between DEVICE and the filesystem the profile wants; nothing when it is there.
aiws_fs_problem() {
  local type label
  if [ ! -b "$DEVICE" ]; then
    echo "$DEVICE is not present"
    return 0
  fi
  # -p: probe the device itself, not blkid's cache.
  type=$(blkid -p -o value -s TYPE "$DEVICE" 2>/dev/null || true)
  label=$(blkid -p -o value -s LABEL "$DEVICE" 2>/dev/null || true)
  if [ "$type" != "$FSTYPE" ] || [ "$label" != "$LABEL" ]; then
    echo "$DEVICE holds ${type:-no filesystem}${label:+ labelled $label}; the profile wants $FSTYPE labelled $LABEL"
  fi
  return 0
}
