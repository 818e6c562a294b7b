# cpu-governor apply: record the governor in use, install the script and the boot unit,
# enable it, and set the governor now.
mkdir -p "$STATE_DIR"
if [[ ! -f $STATE_DIR/cpu-governor.previous && -r $CPU_DIR/cpu0/cpufreq/scaling_governor ]]; then
  cat "$CPU_DIR/cpu0/cpufreq/scaling_governor" >"$STATE_DIR/cpu-governor.previous"
fi
aiws_write "$SCRIPT_FILE" "$(aiws_text_script)"
chmod 0755 "$SCRIPT_FILE"
aiws_write "$UNIT_FILE" "$UNIT_TEXT"
systemctl daemon-reload
systemctl enable --quiet "$UNIT_NAME"
"$SCRIPT_FILE" "$GOVERNOR" "$CPU_DIR"
