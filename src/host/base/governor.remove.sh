# cpu-governor remove: the unit and the script, and the governor that was in use before.
if [[ -f $UNIT_FILE ]]; then
  systemctl disable --quiet "$UNIT_NAME" || true
  rm -f "$UNIT_FILE"
  systemctl daemon-reload
fi
if [[ -s $STATE_DIR/cpu-governor.previous && -x $SCRIPT_FILE ]]; then
  "$SCRIPT_FILE" "$(cat "$STATE_DIR/cpu-governor.previous")" "$CPU_DIR" || true
fi
rm -f "$SCRIPT_FILE" "$STATE_DIR/cpu-governor.previous"
