# Makes the filesystem when the device holds nothing, or when storage.wipe names it; a
# filesystem aiws made before (right type and label) is kept as it is.
[ -n "$(aiws_fs_problem)" ] || exit 0
if [ ! -b "$DEVICE" ]; then
  echo "$DEVICE is not present"
  exit 1
fi
aiws_settle
# Safe mode, decided now, immediately before mkfs.
aiws_safe_mode_reset
aiws_safe_mode_target "$TARGET_KIND" "$DEVICE" "${AIWS_SERIALS[@]}" || exit 1
aiws_safe_mode_report || exit 1
for p in "${AIWS_WIPE_PATHS[@]}"; do
  echo "wiping $p: storage.wipe names it"
  wipefs --all --quiet "$p"
done
read -r -a mkfs_args <<<"$MKFS_ARGS"
echo "making $FSTYPE on $DEVICE (label $LABEL${MKFS_ARGS:+, $MKFS_ARGS})"
case $FSTYPE in
  xfs) mkfs.xfs -q -L "$LABEL" "${mkfs_args[@]}" "$DEVICE" </dev/null ;;
  ext4) mkfs.ext4 -q -L "$LABEL" "${mkfs_args[@]}" "$DEVICE" </dev/null ;;
  *)
    echo "unsupported filesystem $FSTYPE"
    exit 1
    ;;
esac
aiws_settle
problem=$(aiws_fs_problem)
if [ -n "$problem" ]; then
  echo "mkfs finished, but: $problem"
  exit 1
fi
aiws_record_made_filesystem "$DEVICE" "${AIWS_SERIALS[@]}"
