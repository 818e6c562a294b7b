# pulumi destroy: drops the fstab lines aiws wrote. The filesystems stay mounted until the
# next boot and keep every file: nothing is unmounted, wiped or deleted.
changed=0
for m in "${AIWS_MOUNTS[@]}"; do
  read -r dev mp fs pass <<<"$m"
  : "$dev" "$fs" "$pass"
  if [ -n "$(aiws_our_line "$mp")" ]; then
    tmp=$(mktemp "$FSTAB.aiws.XXXXXX")
    aiws_fstab_without "$mp" >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$FSTAB"
    echo "removed the aiws line for $mp from $FSTAB (still mounted until the next boot)"
    changed=1
  fi
done
if [ "$changed" = 1 ] && aiws_has_systemd; then systemctl daemon-reload; fi
