# Sourced by scripts/quickstart and scripts/bench: a real sshd on a loopback address playing a main
# server, with a generated host key (trusted from the file, never from the network) and client key.
# start_demo_server DIR ADDR  -> sets demo_port, demo_user, sshd_pid; writes DIR/known_hosts, DIR/id_ed25519.
start_demo_server() {
  local dir="$1" addr="$2"
  demo_user="$(id -un)"
  mkdir -p "$dir/sshd" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -C pullback-demo-host -f "$dir/sshd/ssh_host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C pullback-demo-client -f "$dir/id_ed25519"
  cp "$dir/id_ed25519.pub" "$dir/sshd/authorized_keys"
  demo_port="$(node "$(dirname "${BASH_SOURCE[0]}")/free-port.mjs" "$addr")"
  cat >"$dir/sshd/sshd_config" <<CFG
ListenAddress $addr:$demo_port
HostKey $dir/sshd/ssh_host_ed25519_key
AuthorizedKeysFile $dir/sshd/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $demo_user
PidFile $dir/sshd/sshd.pid
LogLevel ERROR
UseDNS no
# bash skips ~/.bashrc for sshd's commands at SHLVL >= 2 (a developer's .bashrc can cost seconds a command).
SetEnv SHLVL=1
CFG
  local ktype kbody
  read -r ktype kbody _ <"$dir/sshd/ssh_host_ed25519_key.pub"
  echo "[$addr]:$demo_port $ktype $kbody" >"$dir/known_hosts"
  /usr/sbin/sshd -D -e -f "$dir/sshd/sshd_config" 2>>"$dir/sshd/sshd.log" &
  sshd_pid=$!
  for _ in $(seq 1 100); do
    if ssh-keyscan -T 1 -p "$demo_port" "$addr" >/dev/null 2>&1; then return 0; fi
    kill -0 "$sshd_pid" 2>/dev/null || { echo "sshd failed to start:" >&2; cat "$dir/sshd/sshd.log" >&2; return 1; }
    sleep 0.1
  done
  echo "sshd did not answer on $addr:$demo_port" >&2
  return 1
}
