# --- aiws lib: helpers every aiws step script starts with ------------------------------

# The installed version of a package without epoch and Debian revision (580.95.05), or "".
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_upstream_version() {
  local v
  # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
  v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || true
  v=${v#*:}
  printf '%s' "${v%%-*}"
}

# Writes text (plus a final newline) to a file only when it differs; 0644 root.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_write() {
  local file=$1 text=$2
  if [[ -f $file && $(cat "$file") == "$text" ]]; then return 0; fi
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$text" >"$file.aiws-tmp"
  chmod 0644 "$file.aiws-tmp"
  mv -f "$file.aiws-tmp" "$file"
}

# True when the file holds exactly this text.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_same() {
  [[ -f $1 && $(cat "$1") == "$2" ]]
}

# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_die() {
  echo "aiws: $*" >&2
  exit 1
}
# --- end of aiws lib ---------------------------------------------------------------------
