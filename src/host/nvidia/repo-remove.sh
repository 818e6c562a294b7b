# nvidia-repo remove: the apt source aiws wrote, and cuda-keyring when aiws installed it.
# Installed driver and CUDA packages stay: removing them is the owner's call (apt purge).
rm -f "$APT_SOURCE_FILE"
if [[ -f $STATE_DIR/nvidia-repo.keyring-installed ]]; then
  dpkg --purge "$KEYRING_PACKAGE" || true
  rm -f "$STATE_DIR/nvidia-repo.keyring-installed"
fi
