# nvidia-persistenced apply: the daemon (installed when the driver did not bring it), with a
# drop-in that starts it in persistence mode, enabled and restarted.
mkdir -p "$STATE_DIR"
if [[ ! -x $PERSISTENCED_BIN ]]; then
  aiws_apt_get install -y "$PERSISTENCED_PACKAGE"
fi
systemctl cat "$SERVICE" >/dev/null 2>&1 || aiws_die "$SERVICE has no unit file; the $PERSISTENCED_PACKAGE package should bring it"
if ! systemctl is-enabled --quiet "$SERVICE"; then
  touch "$STATE_DIR/nvidia-persistenced.enabled-by-aiws"
fi
aiws_write "$DROPIN_FILE" "$DROPIN_TEXT"
systemctl daemon-reload
systemctl enable --quiet "$SERVICE"
systemctl restart "$SERVICE"
