# shellcheck shell=bash
# Files a step installs, each as exact text with a mode, owned by root.
# vars: FILES (lines "MODE PATH VAR": the file's text is in the variable VAR, which the body
# sets before this), DIRS (lines "MODE PATH")

mapfile -t AIWS_FILES < <(printf '%s\n' "$FILES" | sed '/^$/d')
mapfile -t AIWS_DIRS < <(printf '%s\n' "${DIRS:-}" | sed '/^$/d')

# What differs from the wanted files, one line each; nothing when all match.
aiws_files_problem() {
  local entry mode path var have d
  for entry in "${AIWS_DIRS[@]}"; do
    read -r mode d <<<"$entry"
    if [ ! -d "$d" ]; then
      echo "$d does not exist"
    elif [ "$(stat -c '%a %U' "$d")" != "$mode root" ]; then
      echo "$d has mode and owner $(stat -c '%a %U' "$d"), not $mode root"
    fi
  done
  for entry in "${AIWS_FILES[@]}"; do
    read -r mode path var <<<"$entry"
    if [ ! -f "$path" ]; then
      echo "$path does not exist"
      continue
    fi
    if ! printf '%s' "${!var}" | cmp -s - "$path"; then echo "$path differs from what aiws writes"; fi
    have=$(stat -c '%a %U' "$path")
    [ "$have" = "$mode root" ] || echo "$path has mode and owner $have, not $mode root"
  done
  return 0
}

# Writes each file that differs (atomically: a temporary file beside it, then mv). Prints
# what it wrote; sets AIWS_FILES_CHANGED=1 when anything changed.
aiws_files_install() {
  local entry mode path var d
  # shellcheck disable=SC2034 # the caller reads it
  AIWS_FILES_CHANGED=0
  for entry in "${AIWS_DIRS[@]}"; do
    read -r mode d <<<"$entry"
    install -d -m "$mode" -o root -g root "$d"
    chmod "$mode" "$d"
  done
  for entry in "${AIWS_FILES[@]}"; do
    read -r mode path var <<<"$entry"
    if [ -f "$path" ] && printf '%s' "${!var}" | cmp -s - "$path" && [ "$(stat -c '%a %U' "$path")" = "$mode root" ]; then continue; fi
    mkdir -p "$(dirname "$path")"
    tmp=$(mktemp "$path.aiws.XXXXXX")
    printf '%s' "${!var}" >"$tmp"
    chown root:root "$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$path"
    echo "wrote $path"
    # shellcheck disable=SC2034 # the caller reads it
    AIWS_FILES_CHANGED=1
  done
}

# Removes the files (pulumi destroy), and each directory in DIRS once it is empty.
aiws_files_remove() {
  local entry mode path var d
  for entry in "${AIWS_FILES[@]}"; do
    read -r mode path var <<<"$entry"
    : "$mode" "$var"
    if [ -e "$path" ]; then
      rm -f "$path"
      echo "removed $path"
    fi
  done
  for entry in "${AIWS_DIRS[@]}"; do
    read -r mode d <<<"$entry"
    rmdir "$d" 2>/dev/null || true
  done
}
