read -ra pkgs <<<"$VLLM_PACKAGES"
inf_apt_install "${pkgs[@]}"
if [[ ! -x $VLLM_VENV/bin/python ]]; then
  mkdir -p -- "$(dirname "$VLLM_VENV")"
  python3 -m venv "$VLLM_VENV"
fi
index=()
[[ -z $VLLM_PIP_INDEX ]] || index=(--index-url "$VLLM_PIP_INDEX")
# One pinned requirement; pip resolves the torch build it was released with (CUDA 12.8 wheels, sm_120).
"$VLLM_VENV/bin/python" -m pip install --disable-pip-version-check --no-input "${index[@]}" "vllm==$VLLM_VERSION"
