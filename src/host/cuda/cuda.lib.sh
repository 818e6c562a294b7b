# --- cuda helpers -----------------------------------------------------------------------------

# The "release X.Y" an nvcc reports (Cuda compilation tools, release 12.8, V12.8.93), or "".
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_nvcc_release() {
  "$1" --version 2>/dev/null | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n1 || true
}

# True when CUDA X.Y is older than MIN_CUDA (set when the profile has a Blackwell card).
# shellcheck disable=SC2317 # a library: not every script calls every function
aiws_cuda_too_old() {
  local major minor min_major min_minor
  [[ -n $MIN_CUDA ]] || return 1
  IFS=. read -r major minor <<<"$1"
  IFS=. read -r min_major min_minor <<<"$MIN_CUDA"
  ((major < min_major || (major == min_major && minor < min_minor)))
}
# --- end of cuda helpers ----------------------------------------------------------------------
