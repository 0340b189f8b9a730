# Shared helpers of the scripts in scripts/. Sourced, not run, by a script that has already
# gone to the repository root:
#
#   set -euo pipefail
#   cd "$(dirname "$0")/.."
#   source scripts/lib.sh
#
# Every helper fails loudly: a non-zero status and what went wrong on stderr, never a silent
# fallback; it does so also where `set -e` is off (inside $(…) or a condition). Paths are relative to the repository root. Sourcing it twice is harmless.
# shellcheck shell=bash

# Already sourced in this shell (a sourced script such as postgres.sh sources it too)?
if declare -F on_exit >/dev/null; then return 0; fi

# --- the outside tools of the test script, pinned once -------------------------------------
# Installed on first use by the script that needs them (test.sh installs them all up front,
# in the background): PyPI packages into one venv, npm packages each into target/<dir>.
# shellcheck disable=SC2034 # used by the scripts that source this file
{
  NOX_VENV=target/lint-venv
  NOX_SPEC_VALIDATOR='openapi-spec-validator>=0.7,<0.8'
  NOX_SCHEMATHESIS='schemathesis==4.32.5'
  NOX_REDOCLY='@redocly/cli@2.77.0'
  NOX_PRISM='@stoplight/prism-cli@5.14.2' # scripts/prism.sh, scripts/bench.sh (into target/prism)
  # Atlassian's spec differ, the outside judge of `cargo xtask spec diff` (xtask/tests/integration/spec_diff.rs
  # finds it in target/openapi-diff)
  NOX_OPENAPI_DIFF='openapi-diff@0.24.1'
}

# --- cleanup ----------------------------------------------------------------------------
# on_exit COMMAND: runs COMMAND (a string, eval'ed) when the script exits, however it exits.
# Commands registered later run first; a failing one does not stop the others, and the
# script's exit status is kept. This is the one EXIT trap of a script: use on_exit instead
# of `trap … EXIT`, so that a sourced script (postgres.sh) and its caller both get theirs.
_nox_exit_cmds=()
_nox_run_exit() {
  local cmd
  for cmd in "${_nox_exit_cmds[@]}"; do eval "$cmd" || true; done
}
on_exit() {
  _nox_exit_cmds=("$1" "${_nox_exit_cmds[@]}")
  trap _nox_run_exit EXIT
}

# stop_pid PID [SECONDS]: sends SIGTERM to PID, waits for it to end (at most SECONDS,
# default 10), then SIGKILL. Quiet, and returns 0, if PID has already ended.
stop_pid() {
  local pid=$1 secs=${2:-10} i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# --- programs in the background ---------------------------------------------------------
# start_bg LOG COMMAND...: starts COMMAND in the background, stdout and stderr to the file
# LOG, sets BG_PID to its process id, and stops it (stop_pid) when the script exits.
# Call it directly, not in $(…): the variable would be lost.
start_bg() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  BG_PID=$!
  on_exit "stop_pid $BG_PID"
}

# wait_for_line LOG REGEX SECONDS [PID]: polls the file LOG (every 0.1 s, at most SECONDS)
# for a line matching REGEX, a sed basic regex with one \(group\) and no '/', and prints
# that group from the first such line. Fails when time is up, or as soon as PID (if given)
# has exited without printing it.
wait_for_line() {
  local log=$1 re=$2 secs=$3 pid=${4:-} found i
  for ((i = 0; i < secs * 10; i++)); do
    found=$(sed -n "s/$re/\\1/p" "$log" | head -n 1)
    if [ -n "$found" ]; then echo "$found"; return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      # It may have printed the line just before exiting.
      found=$(sed -n "s/$re/\\1/p" "$log" | head -n 1)
      if [ -n "$found" ]; then echo "$found"; return 0; fi
      return 1
    fi
    sleep 0.1
  done
  return 1
}

# wait_for_url URL SECONDS [PID]: polls URL with curl (every 0.2 s, at most SECONDS) until
# it answers at all (any HTTP status). Fails when time is up, or as soon as PID (if given)
# has exited.
wait_for_url() {
  local url=$1 secs=$2 pid=${3:-} i
  for ((i = 0; i < secs * 5; i++)); do
    curl -s -o /dev/null "$url" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

# free_port: prints a TCP port that is free on 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- installs -----------------------------------------------------------------------------
# apt_install PACKAGE...: installs Debian packages, all in one apt-get call (after
# `apt-get update`), through sudo unless root. Waits at most 5 min for another apt or dpkg
# on the machine to release its lock. apt's output goes only to stderr, and only errors.
apt_install() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing $* (Debian, apt-get)" >&2
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null || return 1
}

# have_browser: true when Chromium and ChromeDriver (Debian's `chromium`, `chromium-driver`,
# what the browser tests drive) are on PATH.
have_browser() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
}

# pg_bin: prints the bin directory of the newest PostgreSQL from Debian's `postgresql`
# (/usr/lib/postgresql/<version>/bin), or nothing when it is not installed. Always status 0.
pg_bin() {
  local dir
  # shellcheck disable=SC2012 # version directories: plain names
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

# pip_tools VENV REQUIREMENT...: makes sure the Python venv VENV (created when missing, with
# python3 -m venv) has each REQUIREMENT (a pip requirement such as 'schemathesis==4.32.5')
# installed from PyPI. What a venv got is recorded in VENV/.nox-installed once pip has
# succeeded: a requirement recorded there costs nothing, and an interrupted or failed install
# is tried again next time. A new requirement is installed together with the recorded ones
# (minus older pins of the same packages), so that pip keeps them all satisfied.
pip_tools() {
  local venv=$1 req old missing=() keep=() names=()
  shift
  local marker="$venv/.nox-installed"
  for req in "$@"; do
    grep -qxF -- "$req" "$marker" 2>/dev/null && continue
    missing+=("$req")
    names+=("$(_nox_req_name "$req")")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ -f "$marker" ]; then
    while IFS= read -r old; do
      [[ " ${names[*]} " == *" $(_nox_req_name "$old") "* ]] || keep+=("$old")
    done <"$marker"
  fi
  echo "installing ${missing[*]} into $venv (PyPI)" >&2
  rm -f "$marker"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || return 1
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${keep[@]}" "${missing[@]}" >&2 || return 1
  printf '%s\n' "${keep[@]}" "${missing[@]}" >"$marker"
}
_nox_req_name() { # the package name of a pip requirement, lower case
  local name
  name=${1%%[^A-Za-z0-9._-]*}
  echo "${name,,}"
}

# npm_tool DIR PACKAGE@VERSION BIN: makes sure the npm package PACKAGE@VERSION is installed
# into target/DIR (npm install --prefix) and prints the path of its program BIN
# (target/DIR/node_modules/.bin/BIN). The installed PACKAGE@VERSION is recorded in
# target/DIR/.nox-installed once npm has succeeded: another version asked for, or an
# interrupted install, installs again. Example: prism=$(npm_tool prism @stoplight/prism-cli@5 prism)
npm_tool() {
  local dir="target/$1" pkg=$2 bin=$3
  local exe="$dir/node_modules/.bin/$bin"
  if [ ! -x "$exe" ] || ! grep -qxF -- "$pkg" "$dir/.nox-installed" 2>/dev/null; then
    echo "installing $pkg into $dir (npm)" >&2
    mkdir -p "$dir" && rm -f "$dir/.nox-installed" || return 1
    npm install --prefix "$dir" --no-audit --no-fund --silent "$pkg" >&2 || return 1
    [ -x "$exe" ] || { echo "npm_tool: $pkg installed no $exe" >&2; return 1; }
    echo "$pkg" >"$dir/.nox-installed"
  fi
  echo "$exe"
}

# --- the workspace's own programs -------------------------------------------------------------
# build_programs CARGO_BUILD_ARGS...: makes sure the workspace programs a script then runs
# from target/debug/ are built: `cargo build -q --locked CARGO_BUILD_ARGS`. Inside test.sh
# (NOX_TESTS_BUILT=1) it builds nothing: test.sh's `cargo test --workspace --no-run` has just
# built every program of the workspace (bins of packages with integration tests land in
# target/debug/), and a `cargo build -p …` would resolve other features and compile the
# shared crates again.
build_programs() {
  [ "${NOX_TESTS_BUILT:-}" = 1 ] && return 0
  cargo build -q --locked "$@"
}

# --- jobs in the background, for test.sh --------------------------------------------------
# bg_job NAME COMMAND...: runs COMMAND (a program or a function of this file) in the
# background, in its own process group, its output to a log file. bg_wait NAME waits for it.
# If the script exits first, the job is stopped (its whole process group); an apt job is
# waited for instead (at most 5 min), since a killed dpkg leaves the system half-configured.
declare -A _nox_bg_pid=() _nox_bg_log=()
_nox_lib_path=$(realpath "${BASH_SOURCE[0]}")
bg_job() {
  local name=$1
  shift
  _nox_bg_log[$name]=$(mktemp "${TMPDIR:-/tmp}/nox-$name.XXXXXX")
  # setsid: a process group of its own, so that stopping the job stops pip or npm too.
  # The job writes how long it ran to LOG.secs when it ends, for bg_wait to print.
  # shellcheck disable=SC2016,SC2094 # expanded by the inner bash; the log path is only passed
  setsid bash -c 'set -euo pipefail; source "$1"; secs="$2.secs"; shift 2
      start=$(date +%s.%N)
      trap '\''awk -v a="$start" -v b="$(date +%s.%N)" "BEGIN { printf \"%.0f\", b - a }" >"$secs"'\'' EXIT
      "$@"' bg "$_nox_lib_path" "${_nox_bg_log[$name]}" "$@" >"${_nox_bg_log[$name]}" 2>&1 </dev/null &
  _nox_bg_pid[$name]=$!
  on_exit "_nox_bg_stop $name"
}
_nox_bg_stop() {
  local name=$1 pid=${_nox_bg_pid[$1]:-} i
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    if [ "$name" = apt ]; then
      echo "waiting for the apt install to finish (at most 5 min)" >&2
      for ((i = 0; i < 3000; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "${_nox_bg_log[$name]:-}" "${_nox_bg_log[$name]:-}.secs"
}
# bg_wait NAME [SECONDS]: waits for the job NAME (at most SECONDS, default 900 from now);
# prints how long the job ran. If it failed or ran out of time, prints its log and fails.
bg_wait() {
  local name=$1 secs=${2:-900} pid=${_nox_bg_pid[$1]} log=${_nox_bg_log[$1]} i status=0
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name: still running after $secs s; its output so far:" >&2
    cat "$log" >&2
    return 1
  fi
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$name: failed (exit status $status); its output:" >&2
    cat "$log" >&2
    return 1
  fi
  echo "$name: done, it took $(cat "$log.secs" 2>/dev/null || echo '?') s"
}

# bg_output NAME: prints what the job NAME wrote (after bg_wait, for a job whose output
# is worth reading even when it passed).
bg_output() {
  cat "${_nox_bg_log[$1]}"
}

# --- phases and their times ---------------------------------------------------------------
# phase TITLE: prints "== TITLE" and starts timing it (ending the previous phase);
# phase_summary: ends the last phase and prints every phase's wall-clock time. The first
# phase registers phase_summary to run on exit too, so that a failing run prints its times.
_nox_phases=()
_nox_phase_start=""
_nox_phase_end() {
  if [ -n "$_nox_phase_start" ]; then
    _nox_phases+=("$(awk -v a="$_nox_phase_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1f s", b - a }')  $_nox_phase_title")
  fi
}
phase() {
  [ ${#_nox_phases[@]} -gt 0 ] || [ -n "$_nox_phase_start" ] || on_exit phase_summary
  _nox_phase_end
  _nox_phase_title=$1
  _nox_phase_start=$(date +%s.%N)
  echo "== $1"
}
phase_summary() {
  [ -n "$_nox_phase_start" ] || return 0 # already printed
  _nox_phase_end
  _nox_phase_start=""
  echo "== time per phase"
  printf '  %s\n' "${_nox_phases[@]}"
}
