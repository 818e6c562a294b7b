# --- nvidia-driver helpers ------------------------------------------------------------------

# Installed packages of the driver build on the pinned branch: names matching HOLD_REGEX,
# versions DRIVER_BRANCH.*; one per line.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_branch_packages() {
  # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
  dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Version}\n' 2>/dev/null |
    awk -F'\t' -v re="$HOLD_REGEX" -v br="$DRIVER_BRANCH" \
      '$1 ~ /^ii/ && $2 ~ re { v = $3; sub(/^[0-9]+:/, "", v); if (index(v, br ".") == 1) print $2 }' |
    sort -u
}

# Branch packages that are not on hold, space-separated.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_unheld_packages() {
  local held
  held=$(apt-mark showhold 2>/dev/null | sort -u)
  comm -23 <(aiws_branch_packages) <(printf '%s\n' "$held") | tr '\n' ' ' | sed 's/ $//'
}

# Refuses to install a DKMS-built driver under Secure Boot without an enrolled MOK key: the
# kernel would refuse the unsigned modules and the machine would come back without a driver.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_secure_boot_guard() {
  local state key
  command -v mokutil >/dev/null || return 0
  state=$(mokutil --sb-state 2>&1 || true)
  [[ $state == *"SecureBoot enabled"* ]] || return 0
  for key in $MOK_KEYS; do
    if [[ -f $key ]] && mokutil --test-key "$key" 2>&1 | grep -q "already enrolled"; then
      return 0
    fi
  done
  aiws_die "Secure Boot is enabled and the NVIDIA driver's kernel modules are built by DKMS, so the kernel loads them only when they are signed with a key enrolled in the MOK list; no enrolled DKMS key was found ($MOK_KEYS), and the machine would come back without a GPU driver. Nothing was installed. Enroll DKMS's key once, at the console: 'sudo dkms generate_mok' (when /var/lib/dkms/mok.pub is missing), 'sudo mokutil --import /var/lib/dkms/mok.pub' (choose a one-time password), reboot, and in the blue MOK Manager screen choose Enroll MOK and type that password. Or disable Secure Boot in the firmware setup. Then run aiws again."
}
# --- end of nvidia-driver helpers -----------------------------------------------------------
