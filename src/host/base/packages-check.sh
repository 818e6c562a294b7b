# base-packages check: every package of the reference build's toolset installed.
read -r -a wanted <<<"$PACKAGES"
missing=()
for p in "${wanted[@]}"; do
  aiws_installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "packages not installed: ${missing[*]}"
  exit 1
fi
