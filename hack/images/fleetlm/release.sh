#!/bin/bash
# bin/<release> of the FleetLM test double (installed as /app/fleetlm/bin/fleetlm, or
# /app/fastpaca/bin/fastpaca): the parts of an Elixir release script that FleetLM's entrypoint,
# its docs and the operator use. It runs Debian's Elixir on the double's compiled modules; it is
# not FleetLM.
#   start        boot the node: runtime config, Erlang distribution, the application
#   eval EXPR    evaluate EXPR after runtime config, without starting the application
#   rpc EXPR     evaluate EXPR inside the running node, over Erlang distribution
# Distribution as a release has it: RELEASE_DISTRIBUTION (sname by default, name, none),
# RELEASE_NODE (default: the release's name), RELEASE_COOKIE (default: the one built in).
set -e
RELEASE_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RELEASE_NAME="$(basename "$0")"
RELEASE_VSN=0.1.0
EBIN="$RELEASE_ROOT/lib/$RELEASE_NAME-$RELEASE_VSN/ebin"
RELEASE_COOKIE="${RELEASE_COOKIE:-$(cat "$RELEASE_ROOT/releases/COOKIE")}"
RELEASE_DISTRIBUTION="${RELEASE_DISTRIBUTION:-sname}"
RELEASE_NODE="${RELEASE_NODE:-$RELEASE_NAME}"

case "$RELEASE_DISTRIBUTION" in
  name | sname | none) ;;
  *) echo "ERROR: Expected RELEASE_DISTRIBUTION to be sname, name, or none, got: $RELEASE_DISTRIBUTION" >&2; exit 1 ;;
esac

distribution() { # distribution <node>: sets dist, the elixir flags that make this VM <node>
  dist=()
  [[ "$RELEASE_DISTRIBUTION" == none ]] || dist=("--$RELEASE_DISTRIBUTION" "$1" --cookie "$RELEASE_COOKIE")
}

usage() {
  echo "Usage: $(basename "$0") COMMAND [ARGS]"
  echo
  echo "  start        Starts the system"
  echo "  eval \"EXPR\"  Executes the given expression on a new, non-booted system"
  echo "  rpc \"EXPR\"   Executes the given expression remotely on the running system"
}

case "${1:-}" in
  start)
    distribution "$RELEASE_NODE"
    exec elixir "${dist[@]}" --no-halt -pa "$EBIN" -e "FleetlmDouble.Boot.start(:$RELEASE_NAME)"
    ;;
  eval)
    [[ $# -ge 2 ]] || { echo "ERROR: EVAL expects an expression as argument" >&2; exit 1; }
    exec elixir -pa "$EBIN" -e "FleetlmDouble.Boot.eval(:$RELEASE_NAME)" -e "$2"
    ;;
  rpc)
    [[ $# -ge 2 ]] || { echo "ERROR: RPC expects an expression as argument" >&2; exit 1; }
    [[ "$RELEASE_DISTRIBUTION" != none ]] || { echo "ERROR: RPC needs distribution" >&2; exit 1; }
    host=""
    [[ "$RELEASE_NODE" == *@* ]] && host="@${RELEASE_NODE#*@}"
    distribution "rpc-$RANDOM$RANDOM-${RELEASE_NODE%%@*}$host"
    exec elixir --hidden "${dist[@]}" --rpc-eval "$RELEASE_NODE" "$2"
    ;;
  "")
    usage
    ;;
  *)
    echo "Unknown command $1"
    usage
    exit 1
    ;;
esac
