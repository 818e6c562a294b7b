# vars: RESTIC (the aiws-restic wrapper), REPOSITORY
rc=0
err=$("$RESTIC" cat config </dev/null 2>&1 >/dev/null) || rc=$?
if [ "$rc" != 0 ]; then
  echo "cannot open the restic repository $REPOSITORY (exit $rc): $(printf '%s' "$err" | tail -n 3 | tr '\n' ' ')"
  exit 1
fi
