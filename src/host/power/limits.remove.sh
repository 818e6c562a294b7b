# gpu-power-limits remove: put back the limits recorded before aiws changed them, then the
# unit, the config and the program.
if [[ -x $PROGRAM && -f $CONF_FILE ]]; then
  "$PROGRAM" restore "$CONF_FILE" || true
fi
if [[ -f $UNIT_FILE ]]; then
  systemctl disable --quiet "$UNIT_NAME" || true
  rm -f "$UNIT_FILE"
  systemctl daemon-reload
fi
rm -f "$CONF_FILE" "$PROGRAM"
rmdir "$(dirname "$CONF_FILE")" 2>/dev/null || true
