# swappiness remove: the sysctl.d file, and the value the kernel had before.
rm -f "$SYSCTL_FILE"
if [[ -s $STATE_DIR/swappiness.previous ]]; then
  sysctl -q -w "vm.swappiness=$(cat "$STATE_DIR/swappiness.previous")" || true
fi
rm -f "$STATE_DIR/swappiness.previous"
