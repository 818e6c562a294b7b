# inference-stale-runtimes: no runtime version the profile no longer uses under /opt/aiws.
read -ra roots <<<"$RUNTIME_ROOTS"
stale=()
for root in "${roots[@]}"; do
  for d in "$root"/*; do
    [[ -d $d ]] || continue
    grep -qxF -- "$d" <<<"$KEEP_DIRS" || stale+=("$d")
  done
done
((${#stale[@]} == 0)) || inf_fail "runtime versions the profile no longer uses: ${stale[*]}"
