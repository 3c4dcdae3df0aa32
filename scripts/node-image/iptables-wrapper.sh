#!/bin/sh
# Installed as iptables, ip6tables and their -save/-restore in Kubelab's network images (kube-proxy, kubelab-net,
# kube-router). A pod's rules must land in the same backend (legacy or nft) that the node itself uses, or packets
# meet two rule sets. The node's entrypoint already chose one (and Docker's DNS rules are in it), so the first call
# in a container picks whichever backend holds more rules and points the six tools straight at that multi-call
# binary. Every later call then skips this script: kube-proxy and kube-router run iptables many times a second
# while pods come and go, and a shell (with its forks) per call cost as much CPU as iptables itself.
mode_file=/run/kubelab-iptables-mode
[ -d /run ] || mode_file=/tmp/kubelab-iptables-mode
mode=
[ -s "$mode_file" ] && read -r mode < "$mode_file"
if [ -z "$mode" ]; then
  legacy=$( (xtables-legacy-multi iptables-save; xtables-legacy-multi ip6tables-save) 2>/dev/null | grep -c '^-')
  nft=$( (xtables-nft-multi iptables-save; xtables-nft-multi ip6tables-save) 2>/dev/null | grep -c '^-')
  mode=nft
  [ "${legacy:-0}" -gt "${nft:-0}" ] && mode=legacy
  echo "$mode" > "$mode_file" 2>/dev/null || true
  # A rename replaces each link at once, so a call racing this one finds either the wrapper or the binary. A
  # read-only root leaves the links alone: every call then comes through here, with the mode file.
  binary=$(command -v "xtables-$mode-multi")
  for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf "$binary" "/usr/sbin/.$tool.$$" 2>/dev/null && mv -f "/usr/sbin/.$tool.$$" "/usr/sbin/$tool" 2>/dev/null
  done
fi
exec "xtables-$mode-multi" "${0##*/}" "$@"
