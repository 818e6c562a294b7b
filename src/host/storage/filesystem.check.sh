problem=$(aiws_fs_problem)
if [ -n "$problem" ]; then
  echo "$problem"
  if [ -b "$DEVICE" ]; then
    aiws_safe_mode_reset
    aiws_safe_mode_target "$TARGET_KIND" "$DEVICE" "${AIWS_SERIALS[@]}" || exit 1
    if report=$(aiws_safe_mode_report); then
      echo "apply would make it${AIWS_WIPE_PATHS[*]:+, wiping $DEVICE (storage.wipe names it)}"
    else
      echo "apply would refuse:"
      printf '%s\n' "$report"
    fi
  fi
  exit 1
fi
