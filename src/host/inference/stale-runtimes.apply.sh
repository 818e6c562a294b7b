read -ra roots <<<"$RUNTIME_ROOTS"
for root in "${roots[@]}"; do
  for d in "$root"/*; do
    [[ -d $d ]] || continue
    grep -qxF -- "$d" <<<"$KEEP_DIRS" && continue
    inf_under "$d" "$root" || continue
    echo "removing $d (a runtime version the profile no longer uses)"
    rm -rf -- "$d"
  done
done
