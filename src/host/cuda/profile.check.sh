# cuda-profile check: /etc/profile.d/cuda.sh as aiws wrote it, and a login shell finds the
# profile's nvcc first (no other script puts an older CUDA ahead of it).
if ! aiws_same "$PROFILE_FILE" "$(aiws_text_profile)"; then
  echo "$PROFILE_FILE is missing or changed: login shells do not get $CUDA_HOME/bin on PATH"
  exit 1
fi
# shellcheck disable=SC2016 # $1 is expanded by the inner sh
found=$(env -i HOME=/nonexistent PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  sh -c '. "$1" >/dev/null 2>&1; command -v nvcc' sh "$ETC_PROFILE" || true)
if [[ -z $found ]]; then
  echo "a login shell finds no nvcc (is $CUDA_HOME/bin/nvcc installed?)"
  exit 1
fi
release=$(aiws_nvcc_release "$found")
if aiws_cuda_too_old "${release:-0.0}"; then
  echo "a login shell runs $found, CUDA ${release:-unknown}; the Blackwell GPUs in this profile need CUDA $MIN_CUDA or later"
  exit 1
fi
if [[ $found != "$CUDA_HOME/bin/nvcc" ]]; then
  echo "a login shell runs $found (CUDA ${release:-unknown}), not $CUDA_HOME/bin/nvcc: another PATH entry comes first"
  exit 1
fi
