# nvidia-persistenced remove: the override aiws wrote; the daemon disabled again only when
# aiws enabled it.
rm -f "$DROPIN_FILE"
rmdir "$(dirname "$DROPIN_FILE")" 2>/dev/null || true
systemctl daemon-reload
if [[ -f $STATE_DIR/nvidia-persistenced.enabled-by-aiws ]]; then
  systemctl disable --now --quiet "$SERVICE" || true
  rm -f "$STATE_DIR/nvidia-persistenced.enabled-by-aiws"
else
  systemctl try-restart "$SERVICE" || true
fi
