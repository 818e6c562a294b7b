# swappiness check: vm.swappiness set in sysctl.d (for every boot) and in the running kernel.
if ! aiws_same "$SYSCTL_FILE" "$SYSCTL_TEXT"; then
  echo "$SYSCTL_FILE is missing or changed: vm.swappiness=$SWAPPINESS would not survive a reboot"
  exit 1
fi
live=$(sysctl -n vm.swappiness)
if [[ $live != "$SWAPPINESS" ]]; then
  echo "vm.swappiness is $live in the running kernel, not $SWAPPINESS"
  exit 1
fi
