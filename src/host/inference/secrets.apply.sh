text=$(inf_secrets_text)
install -d -m 0755 "$(dirname "$SECRETS_ENV")"
if ! inf_same "$SECRETS_ENV" "$text"; then
  (umask 077 && inf_write "$SECRETS_ENV" 0600 "$text")
  chown root:root "$SECRETS_ENV"
  # The running services read the old key: restart those that are running.
  read -ra units <<<"$SECRET_UNITS"
  if ((${#units[@]} > 0)); then
    systemctl try-restart "${units[@]}" || true
  fi
fi
chown root:root "$SECRETS_ENV"
chmod 0600 "$SECRETS_ENV"
