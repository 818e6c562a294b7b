# Written by aiws (cuda-profile): CUDA @CUDA_VERSION@ for every login shell. POSIX sh: dash reads it too.
case ":${PATH}:" in
  *:@CUDA_HOME@/bin:*) ;;
  *) PATH="@CUDA_HOME@/bin${PATH:+:${PATH}}" ;;
esac
export PATH
case ":${LD_LIBRARY_PATH:-}:" in
  *:@CUDA_HOME@/lib64:*) ;;
  *) LD_LIBRARY_PATH="@CUDA_HOME@/lib64${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}" ;;
esac
export LD_LIBRARY_PATH
