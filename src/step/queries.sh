# --- aiws step queries: what every phase of every step can ask (src/step/render.ts) ------
# True when the package is installed: dpkg's current status (the second letter of "ii", or
# of "hi" for a package on hold, as the driver step holds its own) is "i".
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_installed() {
  local aiws_pkg_status
  # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
  aiws_pkg_status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) || return 1
  [[ ${aiws_pkg_status:1:1} == i ]]
}

# The packages of the arguments that are not installed, space-separated ("" when none).
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_missing_packages() {
  local aiws_p aiws_absent=()
  for aiws_p in "$@"; do aiws_installed "$aiws_p" || aiws_absent+=("$aiws_p"); done
  echo "${aiws_absent[*]}"
}
# --- end of aiws step queries -----------------------------------------------------------
