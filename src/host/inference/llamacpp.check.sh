# inference-llamacpp: llama.cpp's server, built with CUDA from a pinned release tag (or a binary the profile names).
[[ -x $LLAMACPP_BINARY ]] || inf_fail "$LLAMACPP_BINARY is missing"
if [[ $LLAMACPP_BUILD == 1 ]]; then
  # Built against this CUDA too: a binary linked with another toolkit's runtime breaks once that toolkit goes.
  [[ $(cat -- "$LLAMACPP_PREFIX/.aiws-built" 2>/dev/null || true) == "$LLAMACPP_VERSION $CUDA_ARCHS $CUDA_HOME" ]] ||
    inf_fail "$LLAMACPP_PREFIX was not built by aiws from llama.cpp $LLAMACPP_VERSION for CUDA architectures $CUDA_ARCHS with $CUDA_HOME"
fi
inf_as "$LLM_USER" "$LLAMACPP_BINARY" --version >/dev/null 2>&1 || inf_fail "$LLAMACPP_BINARY --version fails (run as $LLM_USER)"
