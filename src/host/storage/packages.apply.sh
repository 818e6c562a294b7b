# vars: PACKAGES (space-separated Debian package names)
read -r -a packages <<<"$PACKAGES"
export DEBIAN_FRONTEND=noninteractive
# stdin is this script (bash -s): nothing below may read it.
if ! apt-get install -y -q --no-install-recommends "${packages[@]}" </dev/null; then
  apt-get update -q </dev/null
  apt-get install -y -q --no-install-recommends "${packages[@]}" </dev/null
fi
