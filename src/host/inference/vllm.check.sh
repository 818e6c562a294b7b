# inference-vllm: vLLM pinned in its own virtual environment.
read -ra pkgs <<<"$VLLM_PACKAGES"
absent=$(aiws_missing_packages "${pkgs[@]}")
[[ -z $absent ]] || inf_fail "packages vLLM needs are missing: $absent"
[[ -x $VLLM_VENV/bin/python && -x $VLLM_VENV/bin/vllm ]] || inf_fail "vLLM $VLLM_VERSION is not installed in $VLLM_VENV"
version=$(inf_as "$LLM_USER" "$VLLM_VENV/bin/python" -m pip show vllm 2>/dev/null | sed -n 's/^Version: //p' || true)
[[ $version == "$VLLM_BUILD" ]] || inf_fail "$VLLM_VENV has vllm ${version:-(none)}, the profile pins $VLLM_BUILD"
