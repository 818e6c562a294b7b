# Passes when the array is active on the profile's members with the profile's level, chunk
# and metadata, mdadm.conf names it once by UUID, and the initramfs was rebuilt after that.
problem=$(aiws_array_problem "$AIWS_MD")
if [ -n "$problem" ]; then
  echo "$problem"
  if ! grep -Eq "^$AIWS_MD : " "$AIWS_PROC/mdstat" 2>/dev/null && [ -z "$(aiws_holder_array)" ]; then
    rc=0
    report=$(aiws_members_safe_mode) || rc=$?
    if [ "$rc" = 0 ]; then
      echo "apply would create it on: ${AIWS_MEMBERS[*]}"
    else
      echo "apply would refuse:"
      printf '%s\n' "$report"
    fi
  fi
  exit 1
fi
uuid=$(aiws_array_uuid "$AIWS_MD")
problem="$(aiws_conf_problem "$uuid")$(aiws_initramfs_problem)"
if [ -n "$problem" ]; then
  echo "$problem"
  exit 1
fi
