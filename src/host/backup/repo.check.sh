# vars: RESTIC (the aiws-restic wrapper), REPOSITORY
# Reads the repository config (no lock, no cache written): proves the NAS answers, the key and
# the password are right and the repository exists.
rc=0
err=$("$RESTIC" --no-cache cat config </dev/null 2>&1 >/dev/null) || rc=$?
if [ "$rc" != 0 ]; then
  echo "cannot open the restic repository $REPOSITORY (exit $rc): $(printf '%s' "$err" | tail -n 3 | tr '\n' ' ')"
  exit 1
fi
