# nofile-limits apply: write the limits; new login sessions and (re)started units get them.
aiws_write "$LIMITS_FILE" "$LIMITS_TEXT"
aiws_write "$SYSTEM_DROPIN" "$SYSTEMD_TEXT"
aiws_write "$USER_DROPIN" "$SYSTEMD_TEXT"
systemctl daemon-reload
