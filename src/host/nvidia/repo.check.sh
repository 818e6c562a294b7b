# nvidia-repo check: NVIDIA's keyring in place with only the pinned keys, and an apt source for
# this host's NVIDIA repository.
distro=$(aiws_distro) || { echo "$distro"; exit 1; }
url=$(aiws_repo_url "$distro")
if [[ ! -f $KEYRING_GPG ]]; then
  echo "$KEYRING_GPG is missing: NVIDIA's $distro repository ($url) is not configured"
  exit 1
fi
if ! grep -rqsF -- "$url" "$SOURCES_DIR"; then
  echo "no apt source in $SOURCES_DIR names $url"
  exit 1
fi
# A key slipped into the keyring after the install is trusted by apt as much as NVIDIA's.
if [[ $REPO_KEY_FINGERPRINTS != trust-on-first-use ]] && ! said=$(aiws_check_repo_keys "$KEYRING_GPG" "the installed $KEYRING_GPG"); then
  echo "$said"
  exit 1
fi
