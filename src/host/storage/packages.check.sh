# vars: PACKAGES (space-separated Debian package names)
read -r -a packages <<<"$PACKAGES"
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "not installed: ${missing[*]}"
  exit 1
fi
