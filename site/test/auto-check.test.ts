/**
 * Auto-check's words on the card (why it went off, how often it checked), and when a result is worth showing (and
 * announcing) again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult } from '@kubelab/lab-runner/client';
import { AUTO_CHECK_HIDDEN_MS, autoCheckCountWords, autoCheckOffWords, resultSignature, type AutoCheckEnd } from '../src/lab/auto-check.ts';
import { PROBLEMS } from '../src/lab/messages.ts';

const result = (passed: boolean, actual = 'app=webapp'): CheckResult => ({
  exercise: 'first-pod',
  passed,
  durationMs: 420,
  criteria: [
    { id: 'exists', description: 'A pod named `web` exists', passed: true },
    { id: 'label', description: 'The pod carries `app=web`', passed, ...(passed ? {} : { expected: 'app=web', actual }) },
  ],
});

const titleOf = (id: string) => ({ sidecar: 'Two containers, one pod' })[id] ?? id;

describe('auto-check: why it went off, in words', () => {
  it('says each reason, and what to do where there is something to do', () => {
    const said = (end: AutoCheckEnd) => autoCheckOffWords(end, 'ready', titleOf);
    assert.equal(said({ why: 'passed' }), 'Auto-check is off: the exercise passed.');
    assert.equal(said({ why: 'off' }), 'Auto-check is off.');
    assert.equal(said({ why: 'replaced', by: 'sidecar' }), 'Auto-check is off: it is on for “Two containers, one pod” now (one exercise at a time).');
    assert.match(said({ why: 'hidden' }), new RegExp(`background for over ${AUTO_CHECK_HIDDEN_MS / 60_000} minutes\\. Turn it on again`));
    assert.match(said({ why: 'closed' }), /the lab server stopped it .*Turn it on again/);
  });

  it('a problem reads mid-sentence: the server’s lower case and the site’s upper case alike', () => {
    const gone = { code: 'E_CLUSTER_GONE', message: "the lab environment's cluster (kubelab-x) no longer exists" } as const;
    assert.equal(autoCheckOffWords({ why: 'failed', problem: gone }, 'failed', titleOf), "Auto-check is off: the lab environment's cluster (kubelab-x) no longer exists.");
    assert.equal(autoCheckOffWords({ why: 'failed', problem: PROBLEMS.noLab }, 'idle', titleOf), 'Auto-check is off: no lab is running for this lesson.');
  });

  it('a lab that changed under it: ended, being made again, or stopped', () => {
    assert.equal(autoCheckOffWords({ why: 'lab-changed' }, 'idle', titleOf), 'Auto-check is off: the lab ended.');
    assert.match(autoCheckOffWords({ why: 'lab-changed' }, 'provisioning', titleOf), /being made again\. Turn it on again once the terminal is back/);
    assert.match(autoCheckOffWords({ why: 'lab-changed' }, 'failed', titleOf), /the lab panel says why/);
  });

  it('counts its checks, with the time of the last one to the second', () => {
    const at = new Date(2026, 4, 3, 14, 2, 31);
    assert.equal(autoCheckCountWords(1, at), 'Checked once, at 14:02:31.');
    assert.equal(autoCheckCountWords(3, at), 'Checked 3 times, last at 14:02:31.');
  });
});

describe('auto-check: a result is shown again only when it says something new', () => {
  it('the same criteria, met and found the same, read the same whatever the check took', () => {
    assert.equal(resultSignature(result(false)), resultSignature({ ...result(false), durationMs: 9000 }));
  });

  it('another outcome, another criterion met, or another thing found, is new', () => {
    assert.notEqual(resultSignature(result(false)), resultSignature(result(true)));
    assert.notEqual(resultSignature(result(false)), resultSignature(result(false, 'app=api')));
  });
});
