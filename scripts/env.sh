# Sourced by the scripts: one warm target directory outside the checkout, shared by every
# clone (CI builds in a fresh clone each time).
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/assd-target}"
