#!/usr/bin/env bash
# Builds the lab's stand-in inference runtimes into OUT, which the lab's HTTP server serves
# (OUT is .lab/apt/www/inference: http://10.200.0.1:8080/inference/...). Each is delivered
# the way the inference steps install the real one, so those steps run their real logic:
#
#   OUT/pypi/simple/vllm/         a PEP 503 index page  -> pip install vllm===VERSION
#   OUT/pypi/files/vllm-*.whl     the wheels: package `vllm`, console script `vllm`, for
#                                 VLLM_VERSION, the older 0.11.0 the independent guest pins,
#                                 and VLLM_VERSION+cu129 beside it (a plain ==VLLM_VERSION would
#                                 pick that one: the steps must ask for exactly their build)
#   OUT/ollama/v<ver>/ollama-linux-amd64.tar.zst   bin/ollama, as Ollama's release archive
#                                 (a .tar.zst from 0.14.0)
#   OUT/llama.cpp/<tag>.tar.gz    a source tree whose CMakeLists.txt builds `llama-server`,
#                                 refusing LLAMA_OPENSSL=ON without OpenSSL's headers (as b7736+)
#
# Every artefact is built deterministically (fixed times, owners and order), so its sha256
# is the same on every machine with the same gzip and zstd (Debian 12's). The server code is
# standin_server.py beside this script.
# Usage: build.sh OUT [VLLM_VERSION] [OLLAMA_VERSION] [LLAMACPP_TAG]
set -euo pipefail

out=$1 vllm=${2:-0.31.0} ollama=${3:-0.40.2} llama=${4:-b10003}
here=$(cd "$(dirname "$0")" && pwd)
py=$(command -v /usr/bin/python3 || command -v python3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

server() { # RUNTIME VERSION: the server source for one runtime
  sed -e "s|@RUNTIME@|$1|" -e "s|@VERSION@|$2|" "$here/standin_server.py"
}
tarball() { # DIR ARCHIVE: a reproducible .tar.gz or .tar.zst of DIR's contents (entries without a leading ./)
  local entries
  mapfile -t entries < <(ls -A "$1")
  case $2 in
    *.tar.zst) tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - "${entries[@]}" | zstd -q -19 --no-check >"$2" ;;
    *) tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - "${entries[@]}" | gzip -9n >"$2" ;;
  esac
}

rm -rf "$out"
mkdir -p "$out/ollama/v$ollama" "$out/llama.cpp"

# vLLM: pure-Python wheels, written with zipfile (a wheel is a zip with a dist-info), on one
# PEP 503 index.
index=$out/pypi
mkdir -p "$index/simple/vllm" "$index/files"
wheel() { # VERSION
  local version=$1
  server vllm "$version" >"$work/server.py"
  "$py" - "$version" "$work/server.py" "$index/files" <<'PY'
import base64, hashlib, sys, zipfile
version, server, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
dist = f"vllm-{version}.dist-info"
files = {
    "vllm/__init__.py": f'"""aiws lab stand-in for vLLM {version}: no model runs here."""\n__version__ = "{version}"\n',
    "vllm/standin_server.py": open(server).read(),
    f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: vllm\nVersion: {version}\nSummary: aiws lab stand-in for vLLM (serves /health, no model)\n",
    f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: aiws-lab\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    f"{dist}/entry_points.txt": "[console_scripts]\nvllm = vllm.standin_server:vllm_main\n",
}
def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
record = "".join(f"{n},{digest(t.encode())},{len(t.encode())}\n" for n, t in files.items()) + f"{dist}/RECORD,,\n"
files[f"{dist}/RECORD"] = record
name = f"{outdir}/vllm-{version}-py3-none-any.whl"
with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(files):
        info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        z.writestr(info, files[n])
PY
  local whl=vllm-$version-py3-none-any.whl sum
  sum=$(sha256sum "$index/files/$whl" | cut -d' ' -f1)
  printf '<a href="../../files/%s#sha256=%s">%s</a>\n' "$whl" "$sum" "$whl" >>"$work/links"
}
for v in 0.11.0 "$vllm" "$vllm+cu129"; do wheel "$v"; done
printf '<!DOCTYPE html>\n<html><body>\n<a href="vllm/">vllm</a>\n</body></html>\n' >"$index/simple/index.html"
{ printf '<!DOCTYPE html>\n<html><body>\n'; cat "$work/links"; printf '</body></html>\n'; } >"$index/simple/vllm/index.html"

# Ollama: the release tarball's layout, bin/ollama (and an empty lib/ollama).
mkdir -p "$work/ollama/bin" "$work/ollama/lib/ollama"
{ echo "#!/usr/bin/python3"; server ollama "$ollama"; } >"$work/ollama/bin/ollama"
chmod 755 "$work/ollama/bin/ollama"
tarball "$work/ollama" "$out/ollama/v$ollama/ollama-linux-amd64.tar.zst"

# llama.cpp: a source tarball with one top directory, as GitHub's tag archives have.
src=$work/llama/llama.cpp-$llama
mkdir -p "$src/tools/server"
{ echo "#!/usr/bin/python3"; server llama.cpp "$llama"; } >"$src/tools/server/llama-server.py"
chmod 755 "$src/tools/server/llama-server.py"
cat >"$src/CMakeLists.txt" <<'CMAKE'
# aiws lab stand-in for llama.cpp: configures and "builds" llama-server with the flags the
# inference step passes, checking the CUDA compiler it is given, without compiling anything.
cmake_minimum_required(VERSION 3.16)
project(llama.cpp-standin NONE)
option(GGML_CUDA "use CUDA" OFF)
option(LLAMA_OPENSSL "HTTPS for -hf downloads, through OpenSSL" ON)
option(BUILD_SHARED_LIBS "shared libraries" ON)
if(DEFINED LLAMA_CURL)
  message(WARNING "LLAMA_CURL is deprecated and will be ignored")
endif()
if(LLAMA_OPENSSL AND NOT EXISTS /usr/include/openssl/ssl.h)
  message(FATAL_ERROR "LLAMA_OPENSSL=ON: OpenSSL's headers are missing (install libssl-dev)")
endif()
if(GGML_CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR "GGML_CUDA=ON: no CUDA compiler (set CMAKE_CUDA_COMPILER to nvcc)")
  endif()
  execute_process(COMMAND ${CMAKE_CUDA_COMPILER} --version RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "GGML_CUDA=ON: ${CMAKE_CUDA_COMPILER} --version failed")
  endif()
  message(STATUS "stand-in: CUDA compiler ${CMAKE_CUDA_COMPILER}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
endif()
set(server ${CMAKE_BINARY_DIR}/bin/llama-server)
add_custom_command(OUTPUT ${server}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/bin
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/tools/server/llama-server.py ${server}
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/server/llama-server.py)
add_custom_target(llama-server ALL DEPENDS ${server})
CMAKE
tarball "$work/llama" "$out/llama.cpp/$llama.tar.gz"

(cd "$out" && find . -type f ! -name "*.html" -exec sha256sum {} + | sort -k2) >"$work/SHA256SUMS"
mv "$work/SHA256SUMS" "$out/SHA256SUMS"
