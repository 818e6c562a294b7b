# Creates the RAID 0 array when it does not exist and every member is empty (or listed in
# storage.wipe), then names it in mdadm.conf and rebuilds the initramfs, in that order.
# Never stops, reshapes or re-creates an array that exists.
aiws_settle
md=$AIWS_MD
reboot=0
problem=$(aiws_array_problem "$md")
if [ -n "$problem" ]; then
  if grep -Eq "^$md : " "$AIWS_PROC/mdstat" 2>/dev/null; then
    echo "$MD_DEVICE exists but is not the array the profile describes:"
    echo "$problem"
    echo "aiws never stops, reshapes or re-creates an array: inspect it with mdadm --detail $MD_DEVICE"
    exit 1
  fi
  other=$(aiws_holder_array)
  if [ -n "$other" ] && [ -z "$(aiws_array_problem "$other")" ]; then
    echo "the array is active as /dev/$other; naming it $MD_DEVICE in $MDADM_CONF (it takes that name at the next boot)"
    md=$other
    reboot=1
  else
    # Safe mode, decided now, immediately before anything is written to the drives.
    rc=0
    aiws_members_safe_mode || rc=$?
    [ "$rc" = 0 ] || exit 1
    for p in "${AIWS_WIPE_PATHS[@]}"; do
      echo "wiping $p: its serial is in storage.wipe"
      wipefs --all --quiet "$p"
    done
    echo "creating $MD_DEVICE: RAID 0 of ${#AIWS_MEMBERS[@]} drives, ${CHUNK_KIB} KiB chunk, metadata 1.2"
    # --run: start without asking; our own checks above are what makes that safe.
    mdadm --create "$MD_DEVICE" --name="$MD_NAME" --level=0 --raid-devices="${#AIWS_MEMBERS[@]}" \
      --chunk="${CHUNK_KIB}K" --metadata=1.2 --run "${AIWS_MEMBERS[@]}" </dev/null
    aiws_settle
    problem=$(aiws_array_problem "$md")
    if [ -n "$problem" ]; then
      echo "mdadm created $MD_DEVICE, but it does not match the profile: $problem"
      exit 1
    fi
    # Each member now carries the array's UUID: recorded, so that the array's drives are not
    # destroyed again on storage.wipe alone once they hold data.
    for i in "${!AIWS_MEMBERS[@]}"; do
      aiws_record_made_filesystem "${AIWS_MEMBERS[$i]}" "${AIWS_MEMBER_SERIALS[$i]}"
    done
  fi
fi

uuid=$(aiws_array_uuid "$md")
[ -n "$uuid" ] || { echo "mdadm --detail --brief /dev/$md shows no UUID"; exit 1; }
want=$(aiws_conf_line "$uuid")
mkdir -p "$(dirname "$MDADM_CONF")"
[ -e "$MDADM_CONF" ] || : >"$MDADM_CONF"
if [ -n "$(aiws_conf_problem "$uuid")" ]; then
  tmp=$(mktemp "$MDADM_CONF.aiws.XXXXXX")
  # Drop every ARRAY line for this array or this device name (no duplicates), then add ours.
  aiws_without_lines "$MDADM_CONF" "^[[:space:]]*ARRAY[[:space:]].*UUID=$uuid|^[[:space:]]*ARRAY[[:space:]]+$MD_DEVICE([[:space:]]|\$)" "$tmp"
  printf '%s\n' "$want" >>"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$MDADM_CONF"
  echo "wrote to $MDADM_CONF: $want"
fi
# Then, and only then, the initramfs: it carries mdadm.conf, so the array keeps its name at boot.
if [ -n "$(aiws_initramfs_problem)" ]; then
  echo "rebuilding the initramfs so the array assembles as $MD_DEVICE at boot"
  update-initramfs -u </dev/null
fi
if [ "$reboot" = 1 ]; then aiws_reboot_required "the array is active as /dev/$md: a reboot assembles it as $MD_DEVICE"; fi
