# nofile-limits check: open-file limits for login sessions (pam_limits) and for systemd's
# services and user managers, as aiws wrote them.
if ! aiws_same "$LIMITS_FILE" "$LIMITS_TEXT"; then
  echo "$LIMITS_FILE is missing or changed: login sessions do not get nofile $NOFILE"
  exit 1
fi
for f in "$SYSTEM_DROPIN" "$USER_DROPIN"; do
  if ! aiws_same "$f" "$SYSTEMD_TEXT"; then
    echo "$f is missing or changed: systemd units do not get DefaultLimitNOFILE=$NOFILE"
    exit 1
  fi
done
