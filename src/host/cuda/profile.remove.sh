# cuda-profile remove: the profile script, when it is still the one aiws wrote.
if aiws_same "$PROFILE_FILE" "$(aiws_text_profile)"; then rm -f "$PROFILE_FILE"; fi
