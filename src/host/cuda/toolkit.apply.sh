# cuda-toolkit apply: install the toolkit pinned by name (cuda-toolkit-X-Y stays on X.Y).
distro=$(aiws_distro) || aiws_die "$distro"
aiws_apt_install "$CUDA_PACKAGE"
release=$(aiws_nvcc_release "$CUDA_HOME/bin/nvcc")
[[ $release == "$CUDA_VERSION" ]] || aiws_die "$CUDA_PACKAGE is installed but $CUDA_HOME/bin/nvcc reports '${release:-nothing}', not $CUDA_VERSION"
