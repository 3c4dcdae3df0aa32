/**
 * The lab notebook over HTTP, on the fake provider: the terminal's commands reach the journal (through the
 * toolbox's real bashrc in a host bash), cells, checks, notes and progress, Markdown export, and the learners of a
 * workshop server kept apart by their cookies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ApiError, LabApi, TerminalClient, followAutoCheck, followSessionEvents, type Credentials } from '@kubelab/lab-runner/client';
import type { CommandEntry } from '@kubelab/lab-runner/api';
import { FakeProvider, fakeServer, tempDir, until, type FakeServer } from './fakes.ts';

async function refused(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status, `${error.code}: ${error.message}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Types `line` + Enter and waits for the journal to hold one more command. */
async function typeCommand(client: TerminalClient, api: LabApi, lesson: string, line: string): Promise<CommandEntry> {
  const before = (await api.notebook(lesson)).entries.filter((e) => e.kind === 'command').length;
  client.sendInput(`${line}\r`);
  let found: CommandEntry | undefined;
  const deadline = Date.now() + 10_000;
  while (!found) {
    const commands = (await api.notebook(lesson)).entries.filter((e): e is CommandEntry => e.kind === 'command');
    if (commands.length > before) found = commands.at(-1);
    else if (Date.now() > deadline) assert.fail(`"${line}" never reached the journal`);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return found;
}

describe('the notebook of one learner on a personal machine', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: FakeServer;
  let api: LabApi;
  let lab: Credentials;
  let terminal: TerminalClient;

  before(async () => {
    dir = await tempDir('notebook-api');
    const provider = new FakeProvider();
    provider.toolboxShell = true;
    server = await fakeServer({ dataDir: join(dir.path, 'data'), provider });
    await server.listen();
    api = new LabApi({ baseUrl: server.baseUrl, launchToken: server.config.launchToken });
    lab = await api.createSession('probe');
    assert.equal(await followSessionEvents(api, lab, {}), 'ready');
    let connected = false;
    terminal = new TerminalClient(api.terminalUrl(lab), {
      onOpen: () => {},
      onOutput: (_data, rendered) => rendered(),
      onState: (state) => (connected = state.state === 'connected'),
      size: () => ({ cols: 100, rows: 30 }),
    });
    await until(() => connected, 'the terminal connected');
  });
  after(async () => {
    terminal.dispose();
    await server.close();
    await dir.remove();
  });

  test('commands typed in the terminal are journaled with exit status and output, under the exercise the page has open; secrets are not', async () => {
    const listed = await typeCommand(terminal, api, 'probe', 'echo hello-$((6*7))');
    assert.equal(listed.command, 'echo hello-$((6*7))');
    assert.equal(listed.exitCode, 0);
    assert.match(listed.output, /hello-42/);
    assert.equal(listed.exercise, undefined);

    await api.focus(lab, 'probe');
    const failed = await typeCommand(terminal, api, 'probe', 'ls /no/such/dir');
    assert.equal(failed.exercise, 'probe');
    assert.notEqual(failed.exitCode, 0);
    assert.match(failed.output, /No such file/);

    const secret = await typeCommand(terminal, api, 'probe', 'export DB_PASSWORD=hunter2 && echo set');
    assert.doesNotMatch(JSON.stringify(secret), /hunter2/);
    assert.match(secret.command, /DB_PASSWORD=\[REDACTED\]/);

    // Typed with echo off: the journal has the command line, never what was typed at its prompt.
    const before = (await api.notebook('probe')).entries.length;
    terminal.sendInput('read -s -p "token: " T; echo got-${#T}\r');
    await new Promise((resolve) => setTimeout(resolve, 200));
    terminal.sendInput('s3cr3t-typed\r');
    const deadline = Date.now() + 10_000;
    let entries = (await api.notebook('probe')).entries;
    while (entries.length === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      entries = (await api.notebook('probe')).entries;
    }
    const read = entries.at(-1) as CommandEntry;
    assert.match(read.output, /got-12/);
    assert.doesNotMatch(JSON.stringify(entries), /s3cr3t-typed/);

    await assert.rejects(api.focus(lab, 'no-such-exercise'), (error: unknown) => error instanceof ApiError && error.code === 'E_UNKNOWN_EXERCISE');
  });

  test('a cell runs in the toolbox and its output is kept for the page; Clear outputs hides it and the timeline keeps it', async () => {
    const cell = await api.runCell(lab, { cell: 'get-pods', code: 'kubectl get pods', exercise: 'probe' });
    assert.equal(cell.output, 'ran: kubectl get pods\n');
    assert.equal(cell.exitCode, 0);
    let notebook = await api.notebook('probe');
    assert.deepEqual(notebook.cells.map((c) => c.cell), ['get-pods']);
    assert.equal((await api.clearCells('probe')).cleared, 1);
    notebook = await api.notebook('probe');
    assert.deepEqual(notebook.cells, []);
    assert.ok(notebook.entries.some((e) => e.kind === 'cell' && e.cell === 'get-pods'));
    await refused(api.runCell(lab, { cell: 'x', code: 'true', exercise: 'nope' }), 404, 'E_UNKNOWN_EXERCISE');
    await refused(api.runCell(lab, { cell: 'bad id!', code: 'true' }), 400, 'E_BAD_REQUEST');
  });

  test('a failed check, then a pass, appear in the timeline with their criteria, and the progress says passed', async () => {
    const failing = api.check(lab, 'probe');
    await server.gate.reached();
    server.gate.answer(false);
    assert.equal((await failing).passed, false);
    const passing = api.check(lab, 'probe');
    await server.gate.reached();
    server.gate.answer(true);
    assert.equal((await passing).passed, true);
    const notebook = await api.notebook('probe', { exercise: 'probe' });
    const checks = notebook.entries.filter((e) => e.kind === 'check');
    assert.deepEqual(checks.map((c) => c.kind === 'check' && c.passed), [false, true]);
    assert.ok(checks[0]!.kind === 'check' && checks[0]!.criteria.length > 0);
    assert.equal(notebook.progress.exercises[0]?.state, 'passed');
    const course = await api.progress();
    assert.equal(course.continueWith, 'probe');
    assert.equal(course.lessons.find((l) => l.lesson === 'probe')?.exercises[0]?.state, 'passed');
  });

  test('auto-check: a result at once; the stream ends after the first pass; an unknown exercise is refused before any stream', async () => {
    const checksInJournal = async () => (await api.notebook('probe')).entries.filter((e) => e.kind === 'check').length;
    const journaled = await checksInJournal();
    const results: boolean[] = [];
    const failing = followAutoCheck(api, lab, 'probe', { onCheck: (result) => results.push(result.passed) });
    await server.gate.reached();
    server.gate.answer(false);
    await until(() => results.length === 1, 'the first result');
    const again = followAutoCheck(api, lab, 'probe', { onCheck: (result) => results.push(result.passed) });
    await server.gate.reached();
    server.gate.answer(false);
    await until(() => results.length === 2, 'the same result again');
    assert.equal(await checksInJournal(), journaled + 1, 'the same failing result is journaled once, not at every change of the cluster');
    void again;
    const stop = new AbortController();
    stop.abort();
    assert.equal(await followAutoCheck(api, lab, 'probe', {}, { signal: stop.signal }), 'closed', 'aborting turns it off');
    // Nothing changes in a fake cluster; a second stream's first check is the pass.
    const passing = followAutoCheck(api, lab, 'probe', { onCheck: (result) => results.push(result.passed) });
    await server.gate.reached();
    server.gate.answer(true);
    assert.equal(await passing, 'passed');
    assert.deepEqual(results, [false, false, true]);
    await refused(followAutoCheck(api, lab, 'nope', {}), 404, 'E_UNKNOWN_EXERCISE');
    void failing;
  });

  test('Recreate with restore replays the passed exercise and checks it again, step by step; the journal is untouched', async () => {
    const journalBefore = (await api.notebook('probe')).entries.length;
    server.provider.vanish(server.app.store.getSession(lab.id)!.cluster);
    const gone = api.check(lab, 'probe');
    await server.gate.reached();
    server.gate.crash(); // the check cannot reach the cluster: then the lab server sees it is gone
    await refused(gone, 409, 'E_CLUSTER_GONE');
    assert.deepEqual(await api.recreate(lab, { restore: true }), { state: 'provisioning', restoring: ['probe'] });
    const steps: string[] = [];
    const ready = followSessionEvents(api, lab, { onStep: (step) => step.state === 'done' && steps.push(`${step.id}: ${step.detail ?? ''}`) });
    await server.gate.reached();
    server.gate.answer(true);
    assert.equal(await ready, 'ready');
    assert.ok(steps.includes('restore-probe: replayed, and it passes again'), steps.join('\n'));
    assert.equal((await api.session(lab)).results['probe']?.passed, true);
    assert.equal((await api.notebook('probe')).entries.length, journalBefore, 'nothing was added to the journal');
    // The terminal of the old cluster is gone; the tests after this one use a new one.
    terminal.dispose();
  });

  test('notes: added, saved, kept when two tabs save the same one, deleted; an oversized one is cut, not refused', async () => {
    const note = await api.addNote('probe', 'first thought', 'probe');
    const saved = await api.saveNote('probe', note, 'a better thought');
    assert.equal(saved.conflict, false);
    const stale = await api.saveNote('probe', note, 'from the other tab');
    assert.equal(stale.conflict, true);
    const notes = (await api.notebook('probe')).entries.filter((e) => e.kind === 'note').map((e) => e.kind === 'note' && e.markdown);
    assert.deepEqual(notes, ['a better thought', 'from the other tab']);
    const huge = await api.addNote('probe', 'x'.repeat(200_000));
    assert.equal(huge.truncated, true);
    assert.match(huge.markdown, /truncated/);
    await api.deleteNote('probe', huge.id);
    await refused(api.deleteNote('probe', huge.id), 404, 'E_NOT_FOUND');
    await refused(api.addNote('no-such-lesson', 'x'), 404, 'E_UNKNOWN_LESSON');
  });

  test('two tabs at once: notes added and cells run concurrently are all kept', async () => {
    const before = (await api.notebook('probe')).entries.length;
    const results = await Promise.all([
      api.addNote('probe', 'tab one'),
      api.runCell(lab, { cell: 'tab-one', code: 'echo one' }),
      api.addNote('probe', 'tab two'),
      api.runCell(lab, { cell: 'tab-two', code: 'echo two' }),
    ]);
    assert.equal(results.length, 4);
    const { entries, cells } = await api.notebook('probe');
    assert.equal(entries.length, before + 4);
    assert.deepEqual(cells.map((c) => c.cell).filter((c) => c.startsWith('tab-')).sort(), ['tab-one', 'tab-two']);
    const third = await Promise.allSettled([1, 2, 3].map((n) => api.runCell(lab, { cell: `burst-${n}`, code: 'true' })));
    assert.ok(third.every((r) => r.status === 'fulfilled' || (r.reason instanceof ApiError && r.reason.code === 'E_SESSION_BUSY')), 'a third cell at once is refused, not lost silently');
  });

  test('export: the Markdown holds the commands, the check results and the notes', async () => {
    const markdown = await api.exportMarkdown('probe');
    assert.match(markdown, /^<!-- Kubelab notebook: lesson probe/);
    assert.match(markdown, /\$ echo hello-\$\(\(6\*7\)\)\nhello-42/);
    assert.match(markdown, /check · Probe the cluster: ✗ not yet/);
    assert.match(markdown, /check · Probe the cluster: ✓ passed/);
    assert.match(markdown, /a better thought/);
    assert.match(markdown, /\| Probe the cluster \| ✓ passed \| \d+ \|/);
    assert.doesNotMatch(markdown, /\x1b/, 'no escape sequences in the export');
    const course = await api.exportMarkdown();
    assert.match(course, /# Kubelab notebook\n\n1 of 1 exercises passed/);
  });

  test('the notebook needs the launch token, as starting a lab does', async () => {
    const outsider = new LabApi({ baseUrl: server.baseUrl });
    await refused(outsider.notebook('probe'), 401, 'E_LAUNCH_REQUIRED');
    await refused(outsider.addNote('probe', 'x'), 401, 'E_LAUNCH_REQUIRED');
    await refused(outsider.exportMarkdown(), 401, 'E_LAUNCH_REQUIRED');
  });
});

describe('learners of a workshop server', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: FakeServer;

  before(async () => {
    dir = await tempDir('notebook-learners');
    server = await fakeServer({ dataDir: join(dir.path, 'data'), config: { host: '0.0.0.0', insecure: true, profile: 'workshop' } });
    await server.listen();
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  test('each browser is its own learner: A never sees, saves over or deletes B’s notes, labs or progress', async () => {
    const a = new LabApi({ baseUrl: server.baseUrl, launchToken: server.config.launchToken });
    const b = new LabApi({ baseUrl: server.baseUrl, launchToken: server.config.launchToken });
    const aNote = await a.addNote('probe', 'A was here');
    const bNote = await b.addNote('probe', 'B was here');
    assert.deepEqual((await a.notebook('probe')).entries.map((e) => e.id), [aNote.id]);
    assert.deepEqual((await b.notebook('probe')).entries.map((e) => e.id), [bNote.id]);
    await refused(a.saveNote('probe', bNote, 'overwritten by A'), 404, 'E_NOT_FOUND');
    await refused(a.deleteNote('probe', bNote.id), 404, 'E_NOT_FOUND');

    const bLab = await b.createSession('probe');
    assert.equal(await followSessionEvents(b, bLab, {}), 'ready');
    await b.runCell(bLab, { cell: 'b-cell', code: 'echo b' });
    assert.deepEqual((await a.notebook('probe')).cells, [], "B's cell is in B's notebook only");
    assert.deepEqual((await b.notebook('probe')).cells.map((c) => c.cell), ['b-cell']);
    assert.doesNotMatch(await a.exportMarkdown(), /B was here|b-cell/);
    await b.endSession(bLab);
  });

  test('the learner cookie is HttpOnly and SameSite=Strict, and what the database keeps is not the cookie', async () => {
    const response = await fetch(`${server.baseUrl}/api/progress`, { headers: { authorization: `Bearer ${server.config.launchToken}` } });
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^kubelab-learner-\d+=[0-9a-f]{32}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const secret = /=([0-9a-f]{32})/.exec(cookie)![1]!;
    const stored = server.app.store.database.prepare('SELECT DISTINCT learner FROM journal').all() as { learner: string }[];
    assert.ok(stored.length >= 2);
    assert.ok(stored.every((row) => !row.learner.includes(secret)));
  });
});
