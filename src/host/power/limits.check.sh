# gpu-power-limits check: the program, its config and its boot unit as aiws wrote them, the
# unit enabled, and every GPU at the profile's limit within the range the card reports.
if ! aiws_same "$PROGRAM" "$(aiws_text_program)"; then
  echo "the power-limit program $PROGRAM is missing or changed"
  exit 1
fi
if ! aiws_same "$CONF_FILE" "$CONF_TEXT"; then
  echo "the power-limit config $CONF_FILE is missing or differs from the profile"
  exit 1
fi
if ! aiws_same "$UNIT_FILE" "$UNIT_TEXT"; then
  echo "the boot unit $UNIT_FILE is missing or changed"
  exit 1
fi
if ! systemctl is-enabled --quiet "$UNIT_NAME"; then
  echo "$UNIT_NAME is not enabled: the limits would not be set again at boot"
  exit 1
fi
bash "$PROGRAM" check "$CONF_FILE"
