# gpu-power-limits apply: install the program, its config and the boot unit, enable the unit,
# and set the limits now (the program records each GPU's previous limit before changing it).
aiws_write "$PROGRAM" "$(aiws_text_program)"
chmod 0755 "$PROGRAM"
aiws_write "$CONF_FILE" "$CONF_TEXT"
aiws_write "$UNIT_FILE" "$UNIT_TEXT"
systemctl daemon-reload
systemctl enable --quiet "$UNIT_NAME"
"$PROGRAM" apply "$CONF_FILE"
