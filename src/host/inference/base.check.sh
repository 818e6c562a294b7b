# inference-base: the runtime user, the model directories and the GPU launcher.
if [[ -n $LLM_USER ]]; then
  inf_user_ok "$LLM_USER" || inf_fail "user $LLM_USER is missing (or not in the render/video groups)"
  for d in $LLM_DIRS; do
    inf_dir_ok "$d" "$LLM_USER" || inf_fail "$d is missing or not owned by $LLM_USER"
  done
fi
[[ -d $MODELS_DIR ]] || inf_fail "$MODELS_DIR is missing"
[[ -d $CONF_DIR ]] || inf_fail "$CONF_DIR is missing"
inf_same "$GPU_EXEC" "$GPU_EXEC_TEXT" || inf_fail "$GPU_EXEC is missing or differs"
[[ -x $GPU_EXEC ]] || inf_fail "$GPU_EXEC is not executable"
