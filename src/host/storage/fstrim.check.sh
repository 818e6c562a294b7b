if ! systemctl is-enabled --quiet fstrim.timer || ! systemctl is-active --quiet fstrim.timer; then
  echo "fstrim.timer is not enabled and running (weekly TRIM of the data filesystems)"
  exit 1
fi
