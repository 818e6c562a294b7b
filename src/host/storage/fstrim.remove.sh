if [ -e /var/lib/aiws/fstrim-enabled-by-aiws ]; then
  systemctl disable --now fstrim.timer || true
  rm -f /var/lib/aiws/fstrim-enabled-by-aiws
fi
