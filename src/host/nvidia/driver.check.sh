# nvidia-driver check: the branch's packages installed, pinned and held, unattended-upgrades
# kept off them, and the running driver is the installed one, from the open kernel modules.
distro=$(aiws_distro) || { echo "$distro"; exit 1; }
read -r -a packages <<<"$(aiws_pick DRIVER_PACKAGES "$distro")"
module_pkg=$(aiws_pick MODULE_PACKAGE "$distro")
for p in "${packages[@]}" "$module_pkg"; do
  if ! aiws_installed "$p"; then
    echo "$p is not installed (NVIDIA driver branch $DRIVER_BRANCH, open kernel modules)"
    exit 1
  fi
done
installed=$(aiws_upstream_version "$module_pkg")
if [[ $installed != "$DRIVER_BRANCH".* ]]; then
  echo "$module_pkg $installed is installed, not driver branch $DRIVER_BRANCH"
  exit 1
fi
if ! aiws_same "$PIN_FILE" "$PIN_TEXT"; then
  echo "the apt pin on driver branch $DRIVER_BRANCH ($PIN_FILE) is missing or changed"
  exit 1
fi
if ! aiws_same "$UU_FILE" "$UU_TEXT"; then
  echo "unattended-upgrades may upgrade the driver: its blacklist ($UU_FILE) is missing or changed"
  exit 1
fi
unheld=$(aiws_unheld_packages)
if [[ -n $unheld ]]; then
  echo "driver packages not on hold (apt-mark hold): $unheld"
  exit 1
fi
running=$(aiws_running_driver)
if [[ -z $running ]]; then
  echo "the NVIDIA driver is not loaded: nvidia-smi cannot talk to it (installed: $installed)"
  exit 1
fi
if [[ $running != "$DRIVER_BRANCH".* ]]; then
  echo "the running driver is $running, not branch $DRIVER_BRANCH"
  exit 1
fi
if [[ $running != "$installed" ]]; then
  echo "the running driver is $running but $installed is installed: a reboot loads it"
  exit 1
fi
if [[ -r $DRIVER_PROC_VERSION ]] && ! grep -q "Open Kernel Module" "$DRIVER_PROC_VERSION"; then
  echo "the proprietary NVIDIA kernel module is loaded; Blackwell needs the open modules ($module_pkg)"
  exit 1
fi
