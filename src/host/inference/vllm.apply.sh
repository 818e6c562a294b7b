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
target=$VLLM_REQUIREMENT
if [[ -n $VLLM_SHA256 ]]; then
  # The profile pins the wheel (an http:// mirror authenticates nothing): fetched alone, checked,
  # and only then installed; nothing in it runs before the check.
  dl=$(mktemp -d)
  trap 'rm -rf -- "$dl"' EXIT
  "$VLLM_VENV/bin/python" -m pip download --disable-pip-version-check --no-input --no-deps --only-binary :all: \
    -d "$dl" "${index[@]}" "$VLLM_REQUIREMENT" || inf_fail "cannot download $VLLM_REQUIREMENT"
  wheels=("$dl"/vllm-*.whl)
  [[ ${#wheels[@]} == 1 && -f ${wheels[0]} ]] || inf_fail "pip download $VLLM_REQUIREMENT brought no single vllm wheel"
  echo "$VLLM_SHA256  ${wheels[0]}" | sha256sum --check --status ||
    inf_fail "${wheels[0]##*/}: sha256 is $(sha256sum "${wheels[0]}" | cut -d' ' -f1), the profile expects $VLLM_SHA256"
  target=${wheels[0]}
fi
# One pinned requirement; pip resolves the torch build it was released with.
"$VLLM_VENV/bin/python" -m pip install --disable-pip-version-check --no-input "${index[@]}" "$target"
