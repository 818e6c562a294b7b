# packages apply: install the missing ones through the runtime's apt helper (it waits for the
# dpkg lock, repairs an interrupted dpkg, and fails with apt's own error).
read -r -a wanted <<<"$PACKAGES"
aiws_apt_install --no-install-recommends "${wanted[@]}"
