# nvidia-persistenced check: the daemon overridden to persistence mode, enabled, running, and
# every GPU reports persistence mode Enabled.
if ! aiws_same "$DROPIN_FILE" "$DROPIN_TEXT"; then
  echo "the nvidia-persistenced override $DROPIN_FILE is missing or changed"
  exit 1
fi
if ! systemctl is-enabled --quiet "$SERVICE"; then
  echo "$SERVICE is not enabled"
  exit 1
fi
if ! systemctl is-active --quiet "$SERVICE"; then
  echo "$SERVICE is not running"
  exit 1
fi
if ! modes=$(nvidia-smi --query-gpu=pci.bus_id,persistence_mode --format=csv,noheader 2>&1); then
  echo "nvidia-smi cannot read persistence mode: $(head -n1 <<<"$modes")"
  exit 1
fi
off=$(awk -F', *' 'NF && $2 != "Enabled" { printf "%s%s (%s)", sep, $1, $2; sep = ", " }' <<<"$modes")
if [[ -n $off ]]; then
  echo "persistence mode is not enabled on GPU $off"
  exit 1
fi
