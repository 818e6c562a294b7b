# inference-secrets: the API key (and Hugging Face token) as a root-only environment file.
[[ -f $SECRETS_ENV ]] || inf_fail "$SECRETS_ENV is missing"
[[ $(stat -c '%U %a' -- "$SECRETS_ENV") == "root 600" ]] || inf_fail "$SECRETS_ENV must be root's, mode 600"
text=$(inf_secrets_text)
inf_same "$SECRETS_ENV" "$text" || inf_fail "$SECRETS_ENV does not hold the stack's current secrets"
