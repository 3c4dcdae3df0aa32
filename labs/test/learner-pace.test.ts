import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnerPace } from '../src/scripts.ts';

/**
 * A stand-in kubectl: `create namespace X` says so, `auth can-i … -n X` says no twice before yes (the reconciler
 * binding the learner), `get broken` fails with status 3. Every call is logged, so the test sees the order.
 */
function fakeKubectl(dir: string): void {
  const script = `#!/bin/bash
echo "$*" >> "${dir}/calls"
case "$1 $2" in
  "create namespace") echo "namespace/$3 created" ;;
  "auth can-i")
    n=$(cat "${dir}/asked" 2>/dev/null || echo 0); echo $((n + 1)) > "${dir}/asked"
    [ "$n" -ge 2 ] ;;
  "get broken") echo "error: nothing here" >&2; exit 3 ;;
  *) echo "ran: $*" ;;
esac
`;
  writeFileSync(join(dir, 'kubectl'), script);
  chmodSync(join(dir, 'kubectl'), 0o755);
}

function runAsLearner(body: string): { stdout: string; calls: string[]; status: number } {
  const dir = mkdtempSync(join(tmpdir(), 'learner-pace-'));
  try {
    fakeKubectl(dir);
    let stdout = '';
    let status = 0;
    try {
      stdout = execFileSync('bash', ['--norc', '-euo', 'pipefail', '-c', `${learnerPace}\n${body}`], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
    } catch (error) {
      const failed = error as { status: number; stdout: string };
      status = failed.status;
      stdout = failed.stdout;
    }
    return { stdout, calls: readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n'), status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("as the learner, the line after creating a namespace runs once the learner may use it, and the output is kubectl's", () => {
  const { stdout, calls, status } = runAsLearner('kubectl create namespace green\nkubectl run web -n green');
  assert.equal(status, 0);
  assert.equal(stdout, 'namespace/green created\nran: run web -n green\n');
  assert.deepEqual(calls, [
    'create namespace green',
    'auth can-i create pods -n green',
    'auth can-i create pods -n green',
    'auth can-i create pods -n green',
    'run web -n green',
  ]);
});

test('a command that creates no namespace waits for nothing, and a failing one still stops the script with its status', () => {
  const { stdout, calls, status } = runAsLearner('kubectl get pods\nkubectl get broken\nkubectl get pods');
  assert.equal(status, 3);
  assert.equal(stdout, 'ran: get pods\n');
  assert.deepEqual(calls, ['get pods', 'get broken']);
});
