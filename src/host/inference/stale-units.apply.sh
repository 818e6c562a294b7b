reload=0
for f in "$UNIT_DIR"/aiws-vllm-*.service "$UNIT_DIR"/aiws-ollama-*.service "$UNIT_DIR"/aiws-llamacpp-*.service; do
  [[ -e $f ]] || continue
  unit=$(basename "$f")
  grep -qxF -- "$unit" <<<"$KEEP_UNITS" && continue
  echo "removing $unit (no longer in the profile; its model weights stay)"
  systemctl disable --now --quiet "$unit" 2>/dev/null || true
  rm -f -- "$f"
  reload=1
done
((reload == 0)) || systemctl daemon-reload
