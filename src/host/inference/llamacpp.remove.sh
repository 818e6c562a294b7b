if [[ $LLAMACPP_BUILD == 1 ]]; then
  inf_under "$LLAMACPP_PREFIX" /opt/aiws/llama.cpp || inf_fail "refusing to remove $LLAMACPP_PREFIX: not under /opt/aiws/llama.cpp"
  rm -rf -- "$LLAMACPP_PREFIX"
fi
