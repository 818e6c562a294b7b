# swappiness apply: record the running value, write sysctl.d, apply it live.
mkdir -p "$STATE_DIR"
if [[ ! -f $STATE_DIR/swappiness.previous ]]; then
  sysctl -n vm.swappiness >"$STATE_DIR/swappiness.previous"
fi
aiws_write "$SYSCTL_FILE" "$SYSCTL_TEXT"
sysctl -q -w "vm.swappiness=$SWAPPINESS"
