# nvidia-nouveau-off apply: blacklist nouveau, rebuild the initramfs so early boot obeys it.
# A nouveau already bound to the GPU stays until the reboot the driver step asks for.
aiws_write "$MODPROBE_FILE" "$MODPROBE_TEXT"
command -v update-initramfs >/dev/null || aiws_die "update-initramfs not found: install initramfs-tools"
update-initramfs -u -k all
mkdir -p "$STATE_DIR"
aiws_write "$STATE_DIR/nouveau-initramfs" "$MODPROBE_TEXT"
if [[ -d /sys/module/nouveau ]]; then
  modprobe -r nouveau 2>/dev/null || echo "aiws: nouveau is loaded and in use; it goes away at the next reboot" >&2
fi
