inf_models_mounted
inf_system_user "$OLLAMA_USER" "$OLLAMA_HOME"
if ! out=$(inf_as "$OLLAMA_USER" env OLLAMA_HOST=127.0.0.1:9 "$OLLAMA_PREFIX/bin/ollama" --version 2>&1) || [[ $out != *"$OLLAMA_VERSION"* ]]; then
  root=$(dirname "$OLLAMA_PREFIX")
  mkdir -p -- "$root"
  work=$(mktemp -d "$root/.download.XXXXXX")
  trap 'rm -rf -- "$work"' EXIT
  archive="$work/$(basename "$OLLAMA_URL")"
  inf_download "$OLLAMA_URL" "$archive" "$OLLAMA_SHA256"
  [[ $archive != *.tar.zst ]] || aiws_apt_install --no-install-recommends zstd
  inf_unpack "$archive" "$work/tree"
  [[ -x $work/tree/bin/ollama ]] || inf_fail "$OLLAMA_URL has no bin/ollama"
  rm -rf -- "$OLLAMA_PREFIX"
  mv -- "$work/tree" "$OLLAMA_PREFIX"
fi
install -d -m 0755 -o "$OLLAMA_USER" -g "$OLLAMA_USER" "$OLLAMA_MODELS_DIR"
chown "$OLLAMA_USER:$OLLAMA_USER" "$OLLAMA_MODELS_DIR"
