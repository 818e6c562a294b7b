# nvidia-nouveau-off check: nouveau blacklisted, and the initramfs rebuilt since.
if ! aiws_same "$MODPROBE_FILE" "$MODPROBE_TEXT"; then
  echo "nouveau is not blacklisted by aiws ($MODPROBE_FILE missing or changed)"
  exit 1
fi
if ! aiws_same "$STATE_DIR/nouveau-initramfs" "$MODPROBE_TEXT"; then
  echo "the initramfs has not been rebuilt since nouveau was blacklisted (update-initramfs -u)"
  exit 1
fi
