#!/usr/bin/env bash
# aiws gpu-power-limits: keeps each GPU's power limit where the profile puts it.
#
#   gpu-power-limits apply   [CONF]  set the limits (retrying), then verify them
#   gpu-power-limits check   [CONF]  exit 0 when every GPU is as CONF says, else one line why
#   gpu-power-limits restore [CONF]  put back the limits recorded before aiws changed them
#
# CONF (default /etc/aiws/gpu-power-limits.conf) is written by aiws from the profile:
#   attempts N          how many times apply tries (limits have been seen to reset while
#   delay_s S           the driver comes up at boot), S seconds apart
#   previous FILE       where the limit each GPU had before aiws changed it is recorded
#                       ("UUID WATTS" lines; nvidia-smi has no reset-to-default)
#   gpu COUNT WATTS|default NAME
#                       COUNT GPUs named NAME (as nvidia-smi reports it) get WATTS; GPUs
#                       are matched in PCI bus order and always addressed by UUID, never
#                       by index (enumeration order can change between boots). "default"
#                       leaves the card at its own limit (restoring one aiws set earlier).
# Each limit is validated against the range the card itself reports (power.min_limit,
# power.max_limit) before nvidia-smi is asked to set it.
#
# Written by aiws (step gpu-power-limits); run at boot by aiws-gpu-power-limits.service.
set -euo pipefail

mode=${1:-}
conf=${2:-/etc/aiws/gpu-power-limits.conf}
attempts=5
delay_s=3
previous=/var/lib/aiws/gpu-power-limits.previous
e_count=() e_limit=() e_name=()

die() {
  echo "gpu-power-limits: $*" >&2
  exit 2
}

load_conf() {
  local line key rest count limit name
  [[ -r $conf ]] || die "cannot read $conf"
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    read -r key rest <<<"$line"
    case $key in
      attempts) attempts=$rest ;;
      delay_s) delay_s=$rest ;;
      previous) previous=$rest ;;
      gpu)
        read -r count limit name <<<"$rest"
        [[ $count =~ ^[0-9]+$ && ($limit == default || $limit =~ ^[0-9]+(\.[0-9]+)?$) && -n $name ]] ||
          die "$conf: expected 'gpu COUNT WATTS|default NAME', got: $line"
        e_count+=("$count") e_limit+=("$limit") e_name+=("$name")
        ;;
      *) die "$conf: unknown setting: $line" ;;
    esac
  done <"$conf"
  [[ $attempts =~ ^[1-9][0-9]*$ ]] || die "$conf: attempts must be a positive integer"
  [[ $delay_s =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$conf: delay_s must be a number of seconds"
}

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

is_num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
# Two wattages equal within half a watt (nvidia-smi prints 250.00 for -pl 250).
same_w() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 0.5 && d > -0.5) }'; }
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo - 0.005 && v <= hi + 0.005) }'; }

# The GPUs, sorted by PCI bus id: g_uuid[i], g_bus[i], g_name[i], g_limit[i], g_min[i], g_max[i].
g_index=() g_uuid=() g_bus=() g_name=() g_limit=() g_min=() g_max=()
query_error=""
read_gpus() {
  local out line index uuid bus name limit min max
  g_index=() g_uuid=() g_bus=() g_name=() g_limit=() g_min=() g_max=()
  if ! out=$(nvidia-smi --query-gpu=index,uuid,pci.bus_id,name,power.limit,power.min_limit,power.max_limit \
    --format=csv,noheader,nounits 2>&1); then
    query_error="nvidia-smi cannot read the GPUs: $(head -n1 <<<"$out")"
    return 1
  fi
  while IFS=, read -r index uuid bus name limit min max; do
    [[ -n $(trim "$uuid") ]] || continue
    g_index+=("$(trim "$index")") g_uuid+=("$(trim "$uuid")") g_bus+=("$(trim "$bus")")
    g_name+=("$(trim "$name")") g_limit+=("$(trim "$limit")") g_min+=("$(trim "$min")") g_max+=("$(trim "$max")")
  done < <(sort -t, -k3,3 <<<"$out")
  if ((${#g_uuid[@]} == 0)); then
    query_error="nvidia-smi lists no GPUs"
    return 1
  fi
  query_error=""
}

recorded() { [[ -f $previous ]] && awk -v u="$1" '$1 == u { print $2; found = 1; exit } END { exit !found }' "$previous"; }
record() {
  recorded "$1" >/dev/null && return 0
  mkdir -p "$(dirname "$previous")"
  printf '%s %s\n' "$1" "$2" >>"$previous"
}
forget() {
  [[ -f $previous ]] || return 0
  awk -v u="$1" '$1 != u' "$previous" >"$previous.tmp"
  mv -f "$previous.tmp" "$previous"
}

# Sets (or, in verify mode, compares) every GPU's limit. Fills problems[] (one phrase each)
# and counts in changed the GPUs it asked nvidia-smi to change (or could not).
problems=()
pl_failures=()
failed_uuids=""
changed=0
reconcile() {
  local act=$1 e i n want got label prev out
  local -a taken=()
  problems=()
  if [[ $act == set ]]; then pl_failures=() failed_uuids=""; fi
  changed=0
  for ((e = 0; e < ${#e_count[@]}; e++)); do
    n=0
    for ((i = 0; i < ${#g_uuid[@]}; i++)); do
      ((n < e_count[e])) || break
      [[ -z ${taken[i]:-} && ${g_name[i],,} == "${e_name[e],,}" ]] || continue
      taken[i]=1
      n=$((n + 1))
      label="GPU ${g_bus[i]} (${g_uuid[i]})"
      want=${e_limit[e]}
      got=${g_limit[i]}
      if [[ $want == default ]]; then
        # The profile sets no limit: the card's default applies. Undo a limit aiws set earlier.
        prev=$(recorded "${g_uuid[i]}") || continue
        if [[ $act == verify ]]; then
          problems+=("$label: the profile sets no limit now, but aiws changed it from $prev W earlier; apply puts $prev W back")
          continue
        fi
        want=$prev
      fi
      if ! is_num "${g_min[i]}" || ! is_num "${g_max[i]}"; then
        problems+=("$label reports no power-limit range (min ${g_min[i]}, max ${g_max[i]}): it does not take a limit")
        continue
      fi
      if ! in_range "$want" "${g_min[i]}" "${g_max[i]}"; then
        problems+=("$label: the limit $want W is outside the range the card reports, ${g_min[i]}-${g_max[i]} W; set hardware.gpus.$e.powerLimitW between ${g_min[i]} and ${g_max[i]} (and powerLimitRangeW to the card's range)")
        continue
      fi
      if ! is_num "$got"; then
        problems+=("$label reports no power.limit ($got)")
        continue
      fi
      if same_w "$got" "$want"; then
        [[ ${e_limit[e]} == default ]] && [[ $act == set ]] && forget "${g_uuid[i]}"
        continue
      fi
      if [[ $act == verify ]]; then
        # A GPU whose last -pl nvidia-smi refused is reported with nvidia-smi's words instead.
        [[ " $failed_uuids " == *" ${g_uuid[i]} "* ]] ||
          problems+=("$label: power limit $got W, the profile wants $want W")
        continue
      fi
      [[ ${e_limit[e]} == default ]] || record "${g_uuid[i]}" "$got"
      changed=$((changed + 1))
      if out=$(nvidia-smi -i "${g_uuid[i]}" -pl "$want" 2>&1); then
        echo "$label: power limit $got W -> $want W"
      else
        pl_failures+=("$label: nvidia-smi -i ${g_uuid[i]} -pl $want failed: $(head -n1 <<<"$out")")
        failed_uuids+=" ${g_uuid[i]}"
      fi
    done
    if ((n < e_count[e])); then
      problems+=("the profile lists ${e_count[e]} x ${e_name[e]} (hardware.gpus.$e) but the host has $n of them; the names nvidia-smi reports: $(printf '%s\n' "${g_name[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')")
    fi
  done
  for ((i = 0; i < ${#g_uuid[@]}; i++)); do
    [[ -n ${taken[i]:-} ]] || problems+=("GPU ${g_bus[i]} (${g_uuid[i]}, ${g_name[i]}) is not in the profile's hardware.gpus")
  done
}

report() {
  if ((${#problems[@]})); then
    local joined
    joined=$(printf '%s; ' "${problems[@]}")
    echo "${joined%; }"
    return 1
  fi
}

load_conf
case $mode in
  check)
    read_gpus || { echo "$query_error"; exit 1; }
    reconcile verify
    report || exit 1
    ;;
  apply)
    for ((attempt = 1; attempt <= attempts; attempt++)); do
      if read_gpus; then
        reconcile set
        ((changed == 0)) && break
      else
        echo "$query_error (attempt $attempt of $attempts)" >&2
      fi
      if ((attempt < attempts)); then sleep "$delay_s"; fi
    done
    read_gpus || { echo "$query_error" >&2; exit 1; }
    failures=("${pl_failures[@]}")
    reconcile verify
    # What nvidia-smi said when it refused says more than "still at 300 W".
    problems=("${failures[@]}" "${problems[@]}")
    if ! msg=$(report); then
      echo "gpu-power-limits: $msg" >&2
      exit 1
    fi
    echo "gpu-power-limits: every GPU is at the profile's power limit"
    ;;
  restore)
    [[ -s $previous ]] || exit 0
    read_gpus || { echo "$query_error; the recorded limits stay in $previous" >&2; exit 0; }
    while read -r uuid watts; do
      [[ -n $uuid ]] || continue
      if nvidia-smi -i "$uuid" -pl "$watts" >/dev/null 2>&1; then
        echo "GPU $uuid: power limit back to $watts W"
        forget "$uuid"
      else
        echo "gpu-power-limits: could not put GPU $uuid back to $watts W; it returns to its default at the next driver load" >&2
        forget "$uuid"
      fi
    done < <(cat "$previous")
    ;;
  *) die "usage: gpu-power-limits apply|check|restore [CONF]" ;;
esac
