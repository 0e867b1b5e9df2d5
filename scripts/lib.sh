# Shared by the scripts in this folder: the checkout's root and the Node runtime to use.
# Sourced, not run. Puts the project's own Node (installed by scripts/setup into .runtime/ when
# the machine's node is too old) first on PATH, so every script, test and npm call uses it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME_BIN="$ROOT/.runtime/node_modules/node/bin"
MIN_NODE="22.22.0"
if [[ -x "$RUNTIME_BIN/node" ]]; then
  export PATH="$RUNTIME_BIN:$PATH"
fi

# V8 flags of the daemon, for scripts/irods-ingestd and the launcher scripts/install writes. On a
# machine with much memory V8 lets a heap grow far past what it keeps alive: a young generation
# of 2 x 64 MiB, and an old one two to three times its live objects between full collections.
# With a 2 x 16 MiB young generation and the old one growing by half its live size, a daemon
# over 50,000 files peaked at 210 MiB instead of 407 MiB (README, Benchmarks: a million files).
DAEMON_NODE_FLAGS="--max-semi-space-size=16 --heap-growing-percent=50"

# True when the node on PATH is at least MIN_NODE.
node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  node -e '
    const want = process.argv[1].split(".").map(Number);
    const have = process.versions.node.split(".").map(Number);
    for (let i = 0; i < 3; i++) if (have[i] !== want[i]) process.exit(have[i] > want[i] ? 0 : 1);
  ' "$MIN_NODE"
}
