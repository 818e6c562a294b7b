bad=0
for m in "${AIWS_MOUNTS[@]}"; do
  read -r dev mp fs pass <<<"$m"
  problem=$(aiws_mount_problem "$dev" "$mp" "$fs" "$pass")
  if [ -n "$problem" ]; then
    echo "$problem"
    bad=1
  fi
done
exit "$bad"
