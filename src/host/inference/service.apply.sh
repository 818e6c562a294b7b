inf_models_mounted
changed=0
if ! inf_same "$UNIT_FILE" "$UNIT_TEXT"; then
  inf_write "$UNIT_FILE" 0644 "$UNIT_TEXT"
  changed=1
fi
if ((changed)) || [[ $(systemctl show -p NeedDaemonReload --value "$UNIT_NAME" 2>/dev/null || true) == yes ]]; then
  systemctl daemon-reload
fi
systemctl enable --quiet "$UNIT_NAME"
if ((changed)) || ! systemctl is-active --quiet "$UNIT_NAME"; then
  systemctl restart "$UNIT_NAME"
fi
# Loading weights (and, the first time, downloading them) takes a while: wait for the health endpoint.
deadline=$((SECONDS + START_TIMEOUT))
until curl -fsS --max-time "$HEALTH_TIMEOUT" -o /dev/null -- "$HEALTH_URL" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    journalctl -u "$UNIT_NAME" -n 40 --no-pager >&2 || true
    inf_fail "$UNIT_NAME did not answer on $HEALTH_URL within ${START_TIMEOUT}s (its last log lines are above)"
  fi
  sleep 5
done
if [[ -n $PULL_MODEL ]] && ! curl -fsS --max-time "$HEALTH_TIMEOUT" -o /dev/null -X POST -d "{\"model\":\"$PULL_MODEL\"}" -- "$API_URL/api/show" 2>/dev/null; then
  echo "pulling $PULL_MODEL into Ollama (this downloads the weights)"
  curl -fsS --max-time "$START_TIMEOUT" -o /dev/null -X POST -d "{\"model\":\"$PULL_MODEL\",\"stream\":false}" -- "$API_URL/api/pull" ||
    inf_fail "Ollama could not pull $PULL_MODEL"
fi
