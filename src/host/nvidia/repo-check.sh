# nvidia-repo check: cuda-keyring installed and an apt source for this host's NVIDIA repository.
distro=$(aiws_distro) || { echo "$distro"; exit 1; }
url=$(aiws_repo_url "$distro")
if ! aiws_installed "$KEYRING_PACKAGE"; then
  echo "$KEYRING_PACKAGE is not installed: NVIDIA's $distro repository ($url) is not configured"
  exit 1
fi
if ! grep -rqsF -- "$url" "$SOURCES_DIR"; then
  echo "no apt source in $SOURCES_DIR names $url"
  exit 1
fi
