# The unit goes; the model weights on the data volume stay.
systemctl disable --now --quiet "$UNIT_NAME" 2>/dev/null || true
rm -f -- "$UNIT_FILE"
systemctl daemon-reload
systemctl reset-failed "$UNIT_NAME" 2>/dev/null || true
