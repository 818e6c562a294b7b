# nvidia-driver apply: pin the branch, install the open-module driver with DKMS and the
# running kernel's headers, hold it, keep unattended-upgrades off it, and load it. Asks for a
# reboot (aiws_reboot_required) only when this run (or an earlier one in this same boot)
# installed or changed the driver and the running module is not the new one. apt goes through
# the step runtime (src/step/runtime.sh): lock wait, dpkg repair, any failure is exit 1.
distro=$(aiws_distro) || aiws_die "$distro"
# apt-mark changes dpkg's selections: it needs the lock too, and its failure fails the step.
aiws_apt_mark() {
  aiws_wait_for_dpkg_lock
  apt-mark "$@" >/dev/null || aiws_die "apt-mark $1 failed: see its output above"
}
read -r -a packages <<<"$(aiws_pick DRIVER_PACKAGES "$distro")"
module_pkg=$(aiws_pick MODULE_PACKAGE "$distro")
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$STATE_DIR"
kernel=$(uname -r)

before=$(aiws_upstream_version "$module_pkg")
need_install=0
for p in "${packages[@]}" "$module_pkg"; do
  aiws_installed "$p" || need_install=1
done
[[ $before == "$DRIVER_BRANCH".* ]] || need_install=1
if ((need_install)); then
  aiws_secure_boot_guard
fi

# The pin first: it decides which versions apt may pick (NVIDIA: lock before installing).
aiws_write "$PIN_FILE" "$PIN_TEXT"
aiws_write "$UU_FILE" "$UU_TEXT"

headers=("linux-headers-$kernel")
case $distro in
  # Debian's kernel metapackage does not pull headers: without them the next kernel has no module.
  debian12) if aiws_installed linux-image-amd64; then headers+=(linux-headers-amd64); fi ;;
esac

if ((need_install)); then
  # Holds aiws placed on another branch would stop apt from replacing those packages.
  if [[ -s $STATE_DIR/nvidia-driver.held ]]; then
    mapfile -t held <"$STATE_DIR/nvidia-driver.held"
    ((${#held[@]} == 0)) || aiws_apt_mark unhold "${held[@]}"
  fi
  aiws_apt_get update
  aiws_apt_run install -y --allow-downgrades dkms "${headers[@]}" "${packages[@]}" "$module_pkg"
fi

# Hold every package of the branch's build; remember them so remove releases only these.
mapfile -t branch_pkgs < <(aiws_branch_packages)
if ((${#branch_pkgs[@]})); then
  aiws_apt_mark hold "${branch_pkgs[@]}"
fi
{
  [[ -f $STATE_DIR/nvidia-driver.held ]] && cat "$STATE_DIR/nvidia-driver.held"
  printf '%s\n' "${branch_pkgs[@]}"
} | sed '/^$/d' | sort -u >"$STATE_DIR/nvidia-driver.held.new"
mv -f "$STATE_DIR/nvidia-driver.held.new" "$STATE_DIR/nvidia-driver.held"

after=$(aiws_upstream_version "$module_pkg")
[[ $after == "$DRIVER_BRANCH".* ]] || aiws_die "$module_pkg is at '${after:-not installed}' after the install, not branch $DRIVER_BRANCH: see apt's output above"
changed=0
[[ $after == "$before" ]] || changed=1

running=$(aiws_running_driver)
if [[ -z $running && ! -d /sys/module/nvidia ]]; then
  # Nothing loaded: a fresh install with nouveau out of the way loads now; a kernel upgraded
  # without headers gets them and its module built.
  if ! aiws_installed "linux-headers-$kernel"; then
    aiws_apt_get install -y "linux-headers-$kernel"
  fi
  if command -v dkms >/dev/null; then dkms autoinstall -k "$kernel" || true; fi
  modprobe nvidia 2>/dev/null || true
  running=$(aiws_running_driver)
fi

if [[ $running == "$after" ]]; then
  rm -f "$STATE_DIR/nvidia-driver.reboot-pending"
  exit 0
fi
boot_id=$(cat /proc/sys/kernel/random/boot_id)
if ((changed)) || [[ $(cat "$STATE_DIR/nvidia-driver.reboot-pending" 2>/dev/null) == "$boot_id" ]]; then
  echo "$boot_id" >"$STATE_DIR/nvidia-driver.reboot-pending"
  aiws_reboot_required "NVIDIA driver $after is installed; running: ${running:-none}. A reboot loads it."
fi
aiws_die "NVIDIA driver $after is installed but ${running:-no driver} is running, and this run changed nothing: reboot to load it, or see 'dkms status' and 'dmesg | grep -i nvidia'"
