# nvidia-nouveau-off remove: the blacklist aiws wrote, and the initramfs rebuilt without it.
if [[ -f $MODPROBE_FILE ]]; then
  rm -f "$MODPROBE_FILE"
  if command -v update-initramfs >/dev/null; then update-initramfs -u -k all; fi
fi
rm -f "$STATE_DIR/nouveau-initramfs"
