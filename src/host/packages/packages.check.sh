# packages check: every package in PACKAGES installed (vars: PACKAGES, space-separated).
read -r -a wanted <<<"$PACKAGES"
absent=$(aiws_missing_packages "${wanted[@]}")
if [[ -n $absent ]]; then
  echo "packages not installed: $absent"
  exit 1
fi
