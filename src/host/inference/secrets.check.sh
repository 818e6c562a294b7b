# inference-secrets: the API key (and Hugging Face token) as a root-only environment file.
[[ -f $SECRETS_ENV ]] || inf_fail "$SECRETS_ENV is missing"
[[ $(stat -c '%U %a' -- "$SECRETS_ENV") == "root 600" ]] || inf_fail "$SECRETS_ENV must be root's, mode 600"
# inf_delivered VAR_NAME: the secret named there was delivered (or none is wanted).
inf_delivered() { [[ -z $1 || -n ${!1:-} ]]; }
if inf_delivered "$API_KEY_VAR" && inf_delivered "$HF_TOKEN_VAR"; then
  text=$(inf_secrets_text)
  inf_same "$SECRETS_ENV" "$text" || inf_fail "$SECRETS_ENV does not hold the stack's current secrets"
else
  # The drift check runs checks without secrets (it never sends them): the file must hold a
  # well-formed value for each secret the profile wants; whether it is the current one, only
  # a run with the secrets (pulumi up) can tell.
  value='[A-Za-z0-9._~+/=-]{16,}'
  want=()
  [[ -z $API_KEY_VAR ]] || want+=(VLLM_API_KEY LLAMA_API_KEY)
  [[ -z $HF_TOKEN_VAR ]] || want+=(HF_TOKEN)
  for name in "${want[@]}"; do
    grep -Eq "^$name=$value\$" -- "$SECRETS_ENV" || inf_fail "$SECRETS_ENV has no $name"
  done
fi
