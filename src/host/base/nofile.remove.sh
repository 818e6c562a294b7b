# nofile-limits remove: the three files aiws wrote.
rm -f "$LIMITS_FILE" "$SYSTEM_DROPIN" "$USER_DROPIN"
systemctl daemon-reload
