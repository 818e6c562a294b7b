inf_under "$VLLM_VENV" /opt/aiws/vllm || inf_fail "refusing to remove $VLLM_VENV: not under /opt/aiws/vllm"
rm -rf -- "$VLLM_VENV"
