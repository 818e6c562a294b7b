aiws_files_install
read -r -a timers <<<"$TIMERS"
if [ "$AIWS_FILES_CHANGED" = 1 ]; then systemctl daemon-reload; fi
systemctl enable --now "${timers[@]}"
# A timer whose schedule changed computes its next run on restart.
if [ "$AIWS_FILES_CHANGED" = 1 ]; then systemctl restart "${timers[@]}"; fi
