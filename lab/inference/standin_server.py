"""Stand-in inference servers for the aiws lab, which has no GPU and no model weights.

One small HTTP server that answers the endpoints aiws's steps and units rely on, in the
runtime's own shape, so the inference steps install, start and health-check their services
for real. It is packaged three ways by lab/inference/build.sh, each the way the steps
install the real runtime:

  vllm         a wheel `vllm-<version>` on a stand-in pip index; console script `vllm`
  ollama       the release archive `ollama-linux-amd64.tar.zst` with `bin/ollama`
  llama.cpp    a source tarball whose CMakeLists.txt "builds" `llama-server`

What is real: the unit, its user and sandboxing, aiws-gpu-exec and CUDA_VISIBLE_DEVICES by
GPU UUID, the environment file with the API key, the port, the health endpoint. What is not:
any model, any token generated (answers are canned).
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "@VERSION@"
RUNTIME = "@RUNTIME@"


def arg(argv, name, default=None):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def log(msg):
    print(f"{RUNTIME} stand-in (aiws lab): {msg}", file=sys.stderr, flush=True)


def require_gpus():
    """The real runtimes need a CUDA device: refuse to start without the ones aiws-gpu-exec names."""
    devices = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    if not devices or not all(d.startswith("GPU-") for d in devices.split(",")):
        log(f"no CUDA device (CUDA_VISIBLE_DEVICES={devices!r}); start it through aiws-gpu-exec")
        sys.exit(1)
    return devices.split(",")


class Handler(BaseHTTPRequestHandler):
    server_version = f"{RUNTIME}-standin/{VERSION}"
    routes = {}
    api_key = ""
    model = ""
    models_dir = ""

    def log_message(self, fmt, *args):  # quiet: the journal gets one line per request anyway
        pass

    def reply(self, code, body):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return {}

    def authorized(self):
        if not self.api_key:
            return True
        if self.headers.get("Authorization", "") == f"Bearer {self.api_key}":
            return True
        self.reply(401, {"error": {"message": "Unauthorized", "type": "invalid_api_key"}})
        return False

    def do_GET(self):
        handle(self, "GET", self.path.split("?")[0], None)

    def do_POST(self):
        handle(self, "POST", self.path.split("?")[0], self.body())


def chat(h):
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "model": h.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "(aiws lab stand-in: no model runs here)"}, "finish_reason": "stop"}],
    }


def handle(h, method, path, body):
    if RUNTIME == "ollama":
        if path == "/" and method == "GET":
            return h.reply(200, "Ollama is running")
        if path == "/api/version":
            return h.reply(200, {"version": VERSION})
        if path == "/api/tags":
            names = sorted(os.listdir(h.models_dir)) if os.path.isdir(h.models_dir) else []
            return h.reply(200, {"models": [{"name": n.replace("%3A", ":")} for n in names]})
        if path in ("/api/show", "/api/pull") and method == "POST":
            name = str((body or {}).get("model") or (body or {}).get("name") or "")
            if not name:
                return h.reply(400, {"error": "model is required"})
            marker = os.path.join(h.models_dir, name.replace("/", "%2F").replace(":", "%3A"))
            if path == "/api/pull":
                os.makedirs(h.models_dir, exist_ok=True)
                with open(marker, "w") as f:
                    f.write("stand-in manifest: no weights\n")
                return h.reply(200, {"status": "success"})
            if os.path.exists(marker):
                return h.reply(200, {"modelfile": f"FROM {name}", "details": {"format": "gguf"}})
            return h.reply(404, {"error": f"model '{name}' not found"})
        return h.reply(404, "404 page not found")
    # vLLM and llama.cpp: OpenAI-compatible, /health open, the API behind the key.
    if path == "/health":
        return h.reply(200, {"status": "ok"} if RUNTIME == "llama.cpp" else "")
    if path == "/version" and RUNTIME == "vllm":
        return h.reply(200, {"version": VERSION})
    if path == "/v1/models":
        if h.authorized():
            h.reply(200, {"object": "list", "data": [{"id": h.model, "object": "model", "owned_by": RUNTIME}]})
        return None
    if path == "/v1/chat/completions" and method == "POST":
        if h.authorized():
            h.reply(200, chat(h))
        return None
    return h.reply(404, {"error": "not found"})


def serve(host, port, api_key, model, models_dir=""):
    Handler.api_key = api_key
    Handler.model = model
    Handler.models_dir = models_dir
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer((host, port), Handler)
    log(f"serving {model} on {host}:{port} (CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '')})")
    server.serve_forever()


def vllm_main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["--version"], ["-v"]):
        print(VERSION)
        return 0
    if argv[:1] != ["serve"] or len(argv) < 2:
        print("usage: vllm serve MODEL [--host H] [--port P] [--served-model-name N] ...", file=sys.stderr)
        return 2
    require_gpus()
    serve(arg(argv, "--host", "0.0.0.0"), int(arg(argv, "--port", "8000")), os.environ.get("VLLM_API_KEY", ""), arg(argv, "--served-model-name", argv[1]))
    return 0


def ollama_main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["--version"], ["-v"]):
        # The real client says this when no server answers on OLLAMA_HOST.
        print("Warning: could not connect to a running Ollama instance", file=sys.stderr)
        print(f"Warning: client version is {VERSION}", file=sys.stderr)
        return 0
    if argv[:1] != ["serve"]:
        print("usage: ollama serve | ollama --version", file=sys.stderr)
        return 2
    require_gpus()
    hostport = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434")
    host, _, port = hostport.rpartition(":")
    models = os.environ.get("OLLAMA_MODELS", os.path.expanduser("~/.ollama/models"))
    serve(host.strip("[]") or "127.0.0.1", int(port or 11434), "", "ollama", os.path.join(models, "manifests-standin"))
    return 0


def llama_main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--version" in argv:
        print(f"version: {VERSION.lstrip('b')} (aiws lab stand-in)", file=sys.stderr)
        print("built with cc for x86_64-linux-gnu", file=sys.stderr)
        return 0
    if arg(argv, "--n-gpu-layers", "0") != "0":
        require_gpus()
    model = arg(argv, "--alias") or arg(argv, "--model") or arg(argv, "--hf-repo") or "model"
    serve(arg(argv, "--host", "127.0.0.1"), int(arg(argv, "--port", "8080")), os.environ.get("LLAMA_API_KEY", ""), model)
    return 0


if __name__ == "__main__":
    sys.exit({"vllm": vllm_main, "ollama": ollama_main, "llama.cpp": llama_main}[RUNTIME]())
