inf_models_mounted
# The models directory may belong to the /data layout already: made if missing, never re-moded.
[[ -d $MODELS_DIR ]] || install -d -m 0755 "$MODELS_DIR"
install -d -m 0755 /opt/aiws "$(dirname "$GPU_EXEC")" "$CONF_DIR"
if [[ -n $LLM_USER ]]; then
  inf_system_user "$LLM_USER" "$LLM_HOME"
  for d in $LLM_DIRS; do
    install -d -m 0755 -o "$LLM_USER" -g "$LLM_USER" "$d"
    chown "$LLM_USER:$LLM_USER" "$d"
  done
fi
inf_same "$GPU_EXEC" "$GPU_EXEC_TEXT" || inf_write "$GPU_EXEC" 0755 "$GPU_EXEC_TEXT"
chmod 0755 "$GPU_EXEC"
