# nvidia-repo apply: install cuda-keyring from the repository itself (it holds NVIDIA's
# signing key and, for the official repository, the apt source), then refresh apt.
distro=$(aiws_distro) || aiws_die "$distro"
url=$(aiws_repo_url "$distro")
mkdir -p "$STATE_DIR"
if ! aiws_installed "$KEYRING_PACKAGE"; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 -o "$tmp/$KEYRING_FILE" "$url$KEYRING_FILE" || aiws_die "cannot download $url$KEYRING_FILE"
  else
    wget -q -O "$tmp/$KEYRING_FILE" "$url$KEYRING_FILE" || aiws_die "cannot download $url$KEYRING_FILE"
  fi
  # The keyring in the package is what apt will trust for every driver and CUDA package: its
  # keys are checked against the pinned fingerprints before dpkg installs it.
  dpkg-deb --fsys-tarfile "$tmp/$KEYRING_FILE" | tar -xOf - --wildcards "*${KEYRING_GPG#/}" >"$tmp/keyring.gpg" ||
    aiws_die "$url$KEYRING_FILE holds no ${KEYRING_GPG}: it is not NVIDIA's cuda-keyring package"
  said=$(aiws_check_repo_keys "$tmp/keyring.gpg" "the cuda-keyring package from $url") || aiws_die "$said"
  echo "$said"
  aiws_wait_for_dpkg_lock
  aiws_dpkg_repair
  DEBIAN_FRONTEND=noninteractive dpkg -i "$tmp/$KEYRING_FILE" </dev/null || aiws_die "dpkg -i $KEYRING_FILE failed: see its output above"
  touch "$STATE_DIR/nvidia-repo.keyring-installed"
fi
# The official cuda-keyring writes the apt source itself; a mirror (nvidia.repoUrl) may not.
if ! grep -rqsF -- "$url" "$SOURCES_DIR"; then
  aiws_write "$APT_SOURCE_FILE" "deb [signed-by=$KEYRING_GPG] $url /"
fi
aiws_apt_get update
