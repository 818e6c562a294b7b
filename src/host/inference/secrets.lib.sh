# inf_secret VAR_NAME: the secret whose file path is in the variable named VAR_NAME ("" when VAR_NAME is empty).
inf_secret() {
  [[ -n $1 ]] || return 0
  local file=${!1:-}
  [[ -n $file && -r $file ]] || inf_fail "the secret for $AIWS_STEP was not delivered (\$$1 is unset)"
  local value
  value=$(<"$file")
  [[ $value =~ ^[A-Za-z0-9._~+/=-]{16,}$ ]] ||
    inf_fail "the secret in \$$1 must be 16 or more of A-Z a-z 0-9 . _ ~ + / = - (systemd reads it from an environment file)"
  printf '%s' "$value"
}

# inf_secrets_text: the environment file's content, built from the delivered secrets.
inf_secrets_text() {
  local key token
  key=$(inf_secret "$API_KEY_VAR")
  token=$(inf_secret "$HF_TOKEN_VAR")
  echo "# Written by aiws ($AIWS_STEP) from the stack's secrets; read by the inference units."
  if [[ -n $key ]]; then
    echo "VLLM_API_KEY=$key"
    echo "LLAMA_API_KEY=$key"
  fi
  if [[ -n $token ]]; then
    echo "HF_TOKEN=$token"
  fi
}
