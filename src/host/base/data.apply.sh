# data-layout apply: create the directories (owned by the user, group-writable) and remember
# which ones aiws created, so remove takes back only those (and only when empty).
owner=${SUDO_USER:-root}
group=$(id -gn "$owner")
mkdir -p "$STATE_DIR" "$DATA_ROOT"
read -r -a dirs <<<"$DATA_DIRS"
for d in "${dirs[@]}"; do
  path=$DATA_ROOT/$d
  if [[ ! -d $path ]]; then
    install -d -m 0775 -o "$owner" -g "$group" "$path"
    echo "$path" >>"$STATE_DIR/data-layout.created"
  elif [[ $(stat -c %U "$path") != "$owner" ]]; then
    chown "$owner:$group" "$path"
  fi
done
