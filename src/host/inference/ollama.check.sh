# inference-ollama: Ollama from a pinned release tarball, its own user, models on the data volume.
[[ -x $OLLAMA_PREFIX/bin/ollama ]] || inf_fail "Ollama $OLLAMA_VERSION is not installed in $OLLAMA_PREFIX"
inf_user_ok "$OLLAMA_USER" || inf_fail "user $OLLAMA_USER is missing (or not in the render/video groups)"
# A port nothing listens on, so the answer is this binary's version and not a running server's.
out=$(inf_as "$OLLAMA_USER" env OLLAMA_HOST=127.0.0.1:9 "$OLLAMA_PREFIX/bin/ollama" --version 2>&1 || true)
[[ $out == *"$OLLAMA_VERSION"* ]] || inf_fail "$OLLAMA_PREFIX/bin/ollama --version says '${out//$'\n'/ }', not $OLLAMA_VERSION"
inf_dir_ok "$OLLAMA_MODELS_DIR" "$OLLAMA_USER" || inf_fail "$OLLAMA_MODELS_DIR is missing or not owned by $OLLAMA_USER"
