# cuda-toolkit apply: install the toolkit pinned by name (cuda-toolkit-X-Y stays on X.Y).
distro=$(aiws_distro) || aiws_die "$distro"
export DEBIAN_FRONTEND=noninteractive
if ! aiws_installed "$CUDA_PACKAGE"; then
  apt-get -q update
  apt-get install -y -q "$CUDA_PACKAGE"
fi
release=$(aiws_nvcc_release "$CUDA_HOME/bin/nvcc")
[[ $release == "$CUDA_VERSION" ]] || aiws_die "$CUDA_PACKAGE is installed but $CUDA_HOME/bin/nvcc reports '${release:-nothing}', not $CUDA_VERSION"
