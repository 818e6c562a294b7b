# inference-svc-*: one model served by one systemd unit that comes back after a reboot.
inf_same "$UNIT_FILE" "$UNIT_TEXT" || inf_fail "$UNIT_FILE is missing or differs from the profile"
[[ $(systemctl show -p NeedDaemonReload --value "$UNIT_NAME" 2>/dev/null || true) != yes ]] ||
  inf_fail "$UNIT_NAME changed on disk but systemd has not reloaded it"
systemctl is-enabled --quiet "$UNIT_NAME" || inf_fail "$UNIT_NAME is not enabled: it would not come back after a reboot"
state=$(systemctl is-active "$UNIT_NAME" || true)
[[ $state == active ]] || inf_fail "$UNIT_NAME is $state, not running"
curl -fsS --max-time "$HEALTH_TIMEOUT" -o /dev/null -- "$HEALTH_URL" 2>/dev/null ||
  inf_fail "$UNIT_NAME runs but $HEALTH_URL does not answer 200 within ${HEALTH_TIMEOUT}s"
if [[ -n $PULL_MODEL ]]; then
  curl -fsS --max-time "$HEALTH_TIMEOUT" -o /dev/null -X POST -d "{\"model\":\"$PULL_MODEL\"}" -- "$API_URL/api/show" 2>/dev/null ||
    inf_fail "$UNIT_NAME has not pulled $PULL_MODEL"
fi
