read -ra pkgs <<<"$VLLM_PACKAGES"
aiws_apt_install --no-install-recommends "${pkgs[@]}"
if [[ ! -x $VLLM_VENV/bin/python ]]; then
  mkdir -p -- "$(dirname "$VLLM_VENV")"
  python3 -m venv "$VLLM_VENV"
fi
index=()
if [[ -n $VLLM_PIP_INDEX ]]; then
  index=(--index-url "$VLLM_PIP_INDEX")
  # pip ignores an index over plain http unless its host is trusted; the profile names this
  # index on purpose (a local mirror), so trust exactly its host[:port].
  if [[ $VLLM_PIP_INDEX == http://* ]]; then
    host=${VLLM_PIP_INDEX#http://}
    host=${host%%/*}
    index+=(--trusted-host "${host##*@}")
  fi
fi
# One pinned requirement; pip resolves the torch build it was released with (CUDA 12.8 wheels, sm_120).
"$VLLM_VENV/bin/python" -m pip install --disable-pip-version-check --no-input "${index[@]}" "vllm==$VLLM_VERSION"
