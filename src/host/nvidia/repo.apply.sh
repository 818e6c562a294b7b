# nvidia-repo apply: NVIDIA's signing key from the repository's cuda-keyring package, and an
# apt source signed by it, then refresh apt.
#
# Only the keyring file is taken from the package, after its keys are checked against the
# pinned fingerprints; the package itself is never installed, so nothing in it (its
# maintainer scripts, fetched over whatever the mirror URL is) runs as root. A cuda-keyring
# the owner installed before is kept: its keyring is checked the same way.
distro=$(aiws_distro) || aiws_die "$distro"
url=$(aiws_repo_url "$distro")
mkdir -p "$STATE_DIR"
if aiws_installed "$KEYRING_PACKAGE"; then
  said=$(aiws_check_repo_keys "$KEYRING_GPG" "the installed $KEYRING_PACKAGE's $KEYRING_GPG") || aiws_die "$said"
elif ! [[ -f $KEYRING_GPG ]] || ! aiws_check_repo_keys "$KEYRING_GPG" "$KEYRING_GPG" >/dev/null; then
  [[ ! -f $KEYRING_GPG ]] || echo "aiws: $KEYRING_GPG holds keys that are not pinned: replacing it with the checked keyring from NVIDIA's cuda-keyring package"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 -o "$tmp/$KEYRING_FILE" "$url$KEYRING_FILE" || aiws_die "cannot download $url$KEYRING_FILE"
  else
    wget -q -O "$tmp/$KEYRING_FILE" "$url$KEYRING_FILE" || aiws_die "cannot download $url$KEYRING_FILE"
  fi
  # The keyring in the package is what apt will trust for every driver and CUDA package.
  dpkg-deb --fsys-tarfile "$tmp/$KEYRING_FILE" | tar -xOf - --wildcards "*${KEYRING_IN_PACKAGE#/}" >"$tmp/keyring.gpg" ||
    aiws_die "$url$KEYRING_FILE holds no ${KEYRING_IN_PACKAGE}: it is not NVIDIA's cuda-keyring package"
  said=$(aiws_check_repo_keys "$tmp/keyring.gpg" "the cuda-keyring package from $url") || aiws_die "$said"
  echo "$said"
  install -D -m 0644 "$tmp/keyring.gpg" "$KEYRING_GPG.aiws-tmp"
  mv -f "$KEYRING_GPG.aiws-tmp" "$KEYRING_GPG"
  touch "$STATE_DIR/nvidia-repo.keyring-written"
fi
# A source the owner (or an installed cuda-keyring) already has for this URL is kept: a second
# one with other options would make apt refuse both.
if ! grep -rqsF -- "$url" "$SOURCES_DIR"; then
  aiws_write "$APT_SOURCE_FILE" "deb [signed-by=$KEYRING_GPG] $url /"
fi
aiws_apt_get update
