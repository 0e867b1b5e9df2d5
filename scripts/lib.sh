# Shared by the scripts in this folder: the checkout's root and the Node runtime to use.
# Sourced, not run. Puts the project's own Node (installed by scripts/setup into .runtime/ when
# the machine's node is too old) first on PATH, so every script, test and npm call uses it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME_BIN="$ROOT/.runtime/node_modules/node/bin"
MIN_NODE="22.22.0"
if [[ -x "$RUNTIME_BIN/node" ]]; then
  export PATH="$RUNTIME_BIN:$PATH"
fi

# True when the node on PATH is at least MIN_NODE.
node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  node -e '
    const want = process.argv[1].split(".").map(Number);
    const have = process.versions.node.split(".").map(Number);
    for (let i = 0; i < 3; i++) if (have[i] !== want[i]) process.exit(have[i] > want[i] ? 0 : 1);
  ' "$MIN_NODE"
}
