# Weekly TRIM (util-linux's fstrim.timer) rather than the discard mount option. Remembers
# whether aiws turned it on, so that pulumi destroy turns off only what aiws turned on.
if ! systemctl is-enabled --quiet fstrim.timer; then
  mkdir -p /var/lib/aiws
  touch /var/lib/aiws/fstrim-enabled-by-aiws
fi
systemctl enable --now fstrim.timer
