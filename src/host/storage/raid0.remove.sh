# pulumi destroy: drops the ARRAY line aiws wrote and rebuilds the initramfs. The array keeps
# running and its data stays: aiws never stops an array or wipes a disk.
if [ -f "$MDADM_CONF" ] && grep -qF -- "$AIWS_CONF_MARK" "$MDADM_CONF"; then
  tmp=$(mktemp "$MDADM_CONF.aiws.XXXXXX")
  aiws_without_lines "$MDADM_CONF" "$AIWS_CONF_MARK\$" "$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$MDADM_CONF"
  echo "removed the aiws ARRAY line from $MDADM_CONF"
  if [ -n "$(aiws_initramfs_problem)" ]; then update-initramfs -u </dev/null; fi
fi
echo "$MD_DEVICE was left running with its data; stop it by hand (mdadm --stop) if you mean to"
