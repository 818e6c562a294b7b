# Writes each fstab line (replacing only a line aiws wrote before) and mounts it. Refuses,
# changing nothing, when fstab already mounts something else there or another filesystem is
# mounted there.
for m in "${AIWS_MOUNTS[@]}"; do
  read -r dev mp fs pass <<<"$m"
  uuid=$(aiws_uuid "$dev")
  if [ -z "$uuid" ]; then
    echo "$dev holds no filesystem: the storage-filesystem step comes first"
    exit 1
  fi
  foreign=$(aiws_foreign_lines "$mp")
  if [ -n "$foreign" ]; then
    echo "$FSTAB already mounts something at $mp with a line aiws did not write:"
    echo "  $foreign"
    echo "remove or comment out that line (aiws edits only its own lines), or pick another mountpoint"
    exit 1
  fi
  read -r src type <<<"$(aiws_mounted "$mp")"
  if [ -n "${src:-}" ] && [ "$(readlink -f "$src")" != "$(readlink -f "$dev")" ]; then
    echo "$mp already has $src ($type) mounted on it; aiws never unmounts anything: unmount it by hand first"
    exit 1
  fi
done

changed=0
for m in "${AIWS_MOUNTS[@]}"; do
  read -r dev mp fs pass <<<"$m"
  want="UUID=$(aiws_uuid "$dev") $mp $fs $FSTAB_OPTIONS 0 $pass"
  if [ "$(aiws_our_line "$mp")" != "$want" ]; then
    touch "$FSTAB"
    tmp=$(mktemp "$FSTAB.aiws.XXXXXX")
    aiws_fstab_without "$mp" >"$tmp"
    printf '%s\n%s\n' "$(aiws_fstab_marker "$mp")" "$want" >>"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$FSTAB"
    echo "wrote to $FSTAB: $want"
    changed=1
  fi
done
# systemd turns fstab into mount units: let it see the new lines before mounting.
if [ "$changed" = 1 ] && aiws_has_systemd; then systemctl daemon-reload; fi

for m in "${AIWS_MOUNTS[@]}"; do
  read -r dev mp fs pass <<<"$m"
  mkdir -p "$mp"
  if ! mountpoint -q "$mp"; then
    echo "mounting $dev at $mp"
    mount --fstab "$FSTAB" "$mp"
  fi
done
