#!/usr/bin/env bash
# Expands standins.list into package trees OUT/<name>_<version>/ (DEBIAN/control + files),
# the input build-repo.sh turns into .debs.
# Usage: make-standins.sh OUT REPO_URL LAB_KEYRING [LIST]
set -euo pipefail

out=$1 repo_url=$2 keyring=$3
here=$(cd "$(dirname "$0")" && pwd)
list=${4:-$here/standins.list}
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

mkdir -p "$out"
while IFS='|' read -r name version arch template depends vars; do
  name=$(trim "$name")
  [[ -z $name || $name == \#* ]] && continue
  version=$(trim "$version") arch=$(trim "$arch") template=$(trim "$template")
  depends=$(trim "$depends") vars=$(trim "${vars:-}")

  # sed program substituting @NAME@, @VERSION@, @REPO_URL@ and the line's VAR=value pairs
  subst=(-e "s|@NAME@|$name|g" -e "s|@VERSION@|$version|g" -e "s|@REPO_URL@|$repo_url|g")
  for pair in $vars; do subst+=(-e "s|@${pair%%=*}@|${pair#*=}|g"); done

  pkg=$out/${name}_$version
  rm -rf "$pkg"
  mkdir -p "$pkg/DEBIAN"
  if [[ $template != - ]]; then
    src=$here/templates/$template
    [[ -d $src ]] || { echo "make-standins: $name: no template $src" >&2; exit 1; }
    (cd "$src" && find . -mindepth 1 \( -type f -o -type l \) -print) | while read -r rel; do
      dest=$pkg/$(sed "${subst[@]}" <<<"${rel#./}")
      mkdir -p "$(dirname "$dest")"
      if [[ $(head -c 14 "$src/$rel") == @LAB_KEYRING@ ]]; then
        install -m 644 "$keyring" "$dest"
      else
        sed "${subst[@]}" "$src/$rel" >"$dest"
        chmod "$(stat -L -c %a "$src/$rel")" "$dest"
      fi
    done
  fi
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $arch"
    echo "Maintainer: aiws lab <lab@aiws.invalid>"
    echo "Section: misc"
    echo "Priority: optional"
    [[ -z $depends ]] || echo "Depends: $depends"
    echo "Description: lab stand-in for $name"
    echo " Installs the files the real $name would, minus any GPU: the aiws lab has none."
  } >"$pkg/DEBIAN/control"
done <"$list"
