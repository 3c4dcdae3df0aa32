/**
 * Script steps for the API lesson's exercises, which talk to the API server with curl through `kubectl proxy`.
 * The page teaches the proxy on its usual port 8001; scripts give it a Unix socket in their own folder instead, so
 * two labs:test runs on one machine (or a learner's proxy left running) never fight over a port.
 */

/** Starts kubectl proxy on ./api.sock, waits until it answers, and stops it when the script ends. */
export const startProxy = `# kubectl proxy on a socket in this folder, instead of port 8001
kubectl proxy --unix-socket="$PWD/api.sock" >proxy.log 2>&1 &
PROXY=$!
trap 'kill $PROXY' EXIT
for _ in $(seq 50); do [ -S api.sock ] && break; sleep 0.2; done`;

/** curl of one API path through the proxy, with curl's `flags` (`-X DELETE`). Fails on an HTTP error, printing the API's answer. */
export const curlApi = (path: string, flags = '') => `curl -sS --fail-with-body --unix-socket api.sock ${flags ? `${flags} ` : ''}"http://localhost${path}"`;
