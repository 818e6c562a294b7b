# base-packages apply: install the missing ones.
read -r -a wanted <<<"$PACKAGES"
missing=()
for p in "${wanted[@]}"; do
  aiws_installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q update
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
