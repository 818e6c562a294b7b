# nvidia-driver remove: the holds, the apt pin and the unattended-upgrades blacklist aiws
# wrote. The driver stays installed: a workstation without it has no GPU; 'apt purge' it.
if [[ -s $STATE_DIR/nvidia-driver.held ]]; then
  xargs -r apt-mark unhold <"$STATE_DIR/nvidia-driver.held" >/dev/null || true
fi
rm -f "$STATE_DIR/nvidia-driver.held" "$STATE_DIR/nvidia-driver.reboot-pending" "$PIN_FILE" "$UU_FILE"
