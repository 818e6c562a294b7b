# data-layout remove: the directories aiws created, deepest first, and only the empty ones:
# never data.
if [[ -f $STATE_DIR/data-layout.created ]]; then
  sort -r "$STATE_DIR/data-layout.created" | while read -r path; do
    rmdir "$path" 2>/dev/null || true
  done
  rm -f "$STATE_DIR/data-layout.created"
fi
