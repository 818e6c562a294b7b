rm -f -- "$SECRETS_ENV"
