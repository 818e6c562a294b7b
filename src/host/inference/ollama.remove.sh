# The binaries go; the ollama user and the models it pulled stay.
inf_under "$OLLAMA_PREFIX" /opt/aiws/ollama || inf_fail "refusing to remove $OLLAMA_PREFIX: not under /opt/aiws/ollama"
rm -rf -- "$OLLAMA_PREFIX"
