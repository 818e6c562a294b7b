# data-layout check: the /data directories exist and belong to the user aiws runs for
# (sudo's SUDO_USER; root when aiws connects as root).
owner=${SUDO_USER:-root}
if [[ ! -d $DATA_ROOT ]]; then
  echo "$DATA_ROOT does not exist"
  exit 1
fi
read -r -a dirs <<<"$DATA_DIRS"
missing=()
foreign=()
for d in "${dirs[@]}"; do
  path=$DATA_ROOT/$d
  if [[ ! -d $path ]]; then
    missing+=("$path")
  elif [[ $(stat -c %U "$path") != "$owner" ]]; then
    foreign+=("$path")
  fi
done
if ((${#missing[@]})); then
  echo "missing directories: ${missing[*]}"
  exit 1
fi
if ((${#foreign[@]})); then
  echo "not owned by $owner: ${foreign[*]}"
  exit 1
fi
