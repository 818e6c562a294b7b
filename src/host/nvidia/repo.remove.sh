# nvidia-repo remove: the apt source and the keyring aiws wrote (and cuda-keyring where an
# older aiws installed the package). Installed driver and CUDA packages stay: removing them is
# the owner's call (apt purge).
rm -f "$APT_SOURCE_FILE"
if [[ -f $STATE_DIR/nvidia-repo.keyring-written ]]; then
  # A cuda-keyring the owner installed since owns that file now: it stays.
  aiws_installed "$KEYRING_PACKAGE" || rm -f "$KEYRING_GPG"
  rm -f "$STATE_DIR/nvidia-repo.keyring-written"
fi
if [[ -f $STATE_DIR/nvidia-repo.keyring-installed ]]; then
  dpkg --purge "$KEYRING_PACKAGE" || true
  rm -f "$STATE_DIR/nvidia-repo.keyring-installed"
fi
