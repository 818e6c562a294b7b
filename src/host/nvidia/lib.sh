# --- aiws nvidia lib: functions shared by the nvidia, cuda and gpu-power steps -------------
# Expects OS_RELEASE (normally /etc/os-release) among the step's vars.

# Prints the NVIDIA repository directory for this host (ubuntu2404 or debian12); for any
# other OS prints why not and returns 1.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_distro() {
  local id version arch
  if [[ ! -r $OS_RELEASE ]]; then
    echo "cannot read $OS_RELEASE: aiws installs the NVIDIA stack on Ubuntu 24.04 or Debian 12 only"
    return 1
  fi
  id=$(sed -n 's/^ID=//p' "$OS_RELEASE" | tr -d '"' | head -n1)
  version=$(sed -n 's/^VERSION_ID=//p' "$OS_RELEASE" | tr -d '"' | head -n1)
  arch=$(uname -m)
  if [[ $arch != x86_64 ]]; then
    echo "unsupported architecture $arch: aiws uses NVIDIA's x86_64 repositories"
    return 1
  fi
  case "$id:$version" in
    ubuntu:24.04) echo ubuntu2404 ;;
    debian:12) echo debian12 ;;
    *)
      echo "unsupported OS ${id:-unknown} ${version:-?} (from $OS_RELEASE): aiws installs the NVIDIA stack on Ubuntu 24.04 (ubuntu2404) or Debian 12 (debian12) only"
      return 1
      ;;
  esac
}

# The value of the step var NAME_<DISTRO>, e.g. aiws_pick DRIVER_PACKAGES debian12 reads DRIVER_PACKAGES_DEBIAN12.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_pick() {
  local name="$1_${2^^}"
  printf '%s' "${!name}"
}

# The NVIDIA repository URL for a distro, from the NVIDIA_REPO_URL template ({distro}).
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_repo_url() {
  local url=${NVIDIA_REPO_URL//\{distro\}/$1}
  [[ $url == */ ]] || url="$url/"
  printf '%s' "$url"
}

# The running driver's version as nvidia-smi reports it (first GPU), or "" when it cannot
# talk to the driver.
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_running_driver() {
  local out v
  out=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null) || return 0
  v=$(head -n1 <<<"$out")
  v=${v//[[:space:]]/}
  # nvidia-smi prints its errors on stdout; only a version is a version.
  [[ $v =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] && printf '%s' "$v"
  return 0
}
# --- end of aiws nvidia lib ---------------------------------------------------------------
