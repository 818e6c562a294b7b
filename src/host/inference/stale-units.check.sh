# inference-stale-units: no inference unit the profile no longer names (they would hold GPU memory the budget gave to others).
stale=()
for f in "$UNIT_DIR"/aiws-vllm-*.service "$UNIT_DIR"/aiws-ollama-*.service "$UNIT_DIR"/aiws-llamacpp-*.service; do
  [[ -e $f ]] || continue
  grep -qxF -- "$(basename "$f")" <<<"$KEEP_UNITS" || stale+=("$(basename "$f")")
done
((${#stale[@]} == 0)) || inf_fail "units left from an earlier profile: ${stale[*]}"
