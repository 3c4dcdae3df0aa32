#!/bin/sh
# Installed as iptables, ip6tables and their -save/-restore in Kubelab's network images (kube-proxy, kubelab-net).
# A pod's rules must land in the same backend (legacy or nft) that the node itself uses, or packets meet two
# rule sets. The node's entrypoint already chose one (and Docker's DNS rules are in it), so we pick whichever
# backend holds more rules, once per container, and hand over to that multi-call binary.
mode_file=/run/kubelab-iptables-mode
[ -d /run ] || mode_file=/tmp/kubelab-iptables-mode
if [ -s "$mode_file" ]; then
  mode=$(cat "$mode_file")
else
  legacy=$( (xtables-legacy-multi iptables-save; xtables-legacy-multi ip6tables-save) 2>/dev/null | grep -c '^-')
  nft=$( (xtables-nft-multi iptables-save; xtables-nft-multi ip6tables-save) 2>/dev/null | grep -c '^-')
  mode=nft
  [ "${legacy:-0}" -gt "${nft:-0}" ] && mode=legacy
  echo "$mode" > "$mode_file" 2>/dev/null || true
fi
exec "xtables-$mode-multi" "$(basename "$0")" "$@"
