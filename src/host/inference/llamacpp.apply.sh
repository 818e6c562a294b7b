if [[ $LLAMACPP_BUILD != 1 ]]; then
  inf_fail "$LLAMACPP_BINARY is the llama-server the profile names (inference.runtimes.llamaCpp.binary): install it there"
fi
read -ra pkgs <<<"$LLAMACPP_PACKAGES"
aiws_apt_install --no-install-recommends "${pkgs[@]}"
[[ -x $CUDA_HOME/bin/nvcc ]] || inf_fail "$CUDA_HOME/bin/nvcc is missing: the CUDA toolkit steps install it before llama.cpp is built"
mkdir -p -- "$LLAMACPP_PREFIX"
work=$(mktemp -d "$LLAMACPP_PREFIX/.build.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
archive="$work/source.tar.gz"
inf_download "$LLAMACPP_URL" "$archive" "$LLAMACPP_SHA256"
STRIP=1 inf_unpack "$archive" "$work/src"
# The tag's own flags (profiles/catalog/runtimes.yaml): LLAMA_OPENSSL from b7736, LLAMA_CURL before.
read -ra flags <<<"$LLAMACPP_CMAKE_FLAGS"
cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$CUDA_HOME/bin/nvcc" -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHS" \
  -DBUILD_SHARED_LIBS=OFF "${flags[@]}"
cmake --build "$work/build" --target llama-server --parallel "$(nproc)"
install -D -m 0755 "$work/build/bin/llama-server" "$LLAMACPP_BINARY"
echo "$LLAMACPP_VERSION $CUDA_ARCHS $CUDA_HOME" >"$LLAMACPP_PREFIX/.aiws-built"
