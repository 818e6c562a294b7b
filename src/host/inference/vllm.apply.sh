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
# The build for the profile's CUDA (profiles/catalog/runtimes.yaml): PyPI's default wheel, or
# a variant (vllm==0.31.0+cu129) from vLLM's own index, with its dependencies from PyPI.
[[ -z $VLLM_EXTRA_INDEX ]] || index+=(--extra-index-url "$VLLM_EXTRA_INDEX")
# One pinned requirement; pip resolves the torch build it was released with.
"$VLLM_VENV/bin/python" -m pip install --disable-pip-version-check --no-input "${index[@]}" "$VLLM_REQUIREMENT"
