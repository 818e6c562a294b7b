# cuda-toolkit check: the pinned toolkit installed, and its nvcc reports that release.
distro=$(aiws_distro) || { echo "$distro"; exit 1; }
if ! aiws_installed "$CUDA_PACKAGE"; then
  echo "$CUDA_PACKAGE is not installed (CUDA $CUDA_VERSION from NVIDIA's $distro repository)"
  exit 1
fi
nvcc=$CUDA_HOME/bin/nvcc
if [[ ! -x $nvcc ]]; then
  echo "$nvcc is missing although $CUDA_PACKAGE is installed"
  exit 1
fi
release=$(aiws_nvcc_release "$nvcc")
if [[ -z $release ]]; then
  echo "$nvcc --version reports no release"
  exit 1
fi
if aiws_cuda_too_old "$release"; then
  echo "$nvcc reports CUDA $release; the Blackwell GPUs in this profile need CUDA $MIN_CUDA or later (sm_120)"
  exit 1
fi
if [[ $release != "$CUDA_VERSION" ]]; then
  echo "$nvcc reports CUDA $release, the profile wants $CUDA_VERSION"
  exit 1
fi
