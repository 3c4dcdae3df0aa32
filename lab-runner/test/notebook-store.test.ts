import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { KubelabError } from '@kubelab/kit/errors';
import { migrations, schemaVersion, Store } from '../store/store.ts';
import { NOTEBOOK_LIMITS, SqliteNotebook } from '../store/notebook.ts';
import { lessonMarkdown } from '../notebook/export.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubelab-notebook-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const at = (minute: number) => new Date(Date.UTC(2026, 11, 6, 12, minute)).toISOString();

function open(name = ':memory:'): { store: Store; notebook: SqliteNotebook } {
  const store = new Store(name === ':memory:' ? name : join(dir, name));
  return { store, notebook: new SqliteNotebook(store) };
}

test('a database made by the previous schema is migrated: its sessions and checks stay, and they are the local learner’s', async () => {
  const path = join(dir, 'previous.sqlite');
  const old = new DatabaseSync(path);
  for (const migration of migrations.slice(0, schemaVersion - 1)) old.exec(migration);
  old.exec(`PRAGMA user_version = ${schemaVersion - 1}`);
  old.prepare(`INSERT INTO sessions (id, token_hash, lesson, cluster, profile, state, nodes, created_at, extensions) VALUES ('abc', 'h', 'pods', 'c1', 'single', 'ended', '[]', ?, 0)`).run(at(0));
  old.prepare(`INSERT INTO checks (session_id, exercise, passed, criteria, duration_ms, checked_at) VALUES ('abc', 'run-a-pod', 1, '[]', 12, ?)`).run(at(1));
  old.close();

  const store = new Store(path);
  try {
    assert.equal(store.getSession('abc')?.learner, 'local');
    assert.equal(store.checks('abc').length, 1);
    const notebook = new SqliteNotebook(store);
    const note = await notebook.addNote('local', 'pods', { markdown: 'kept after the upgrade' });
    assert.equal((await notebook.entries('local', 'pods'))[0]?.id, note.id);
    const version = (store.database.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    assert.equal(version, schemaVersion);
  } finally {
    store.close();
  }
});

test('the timeline keeps commands, cells, checks and notes in order, per learner and lesson, filterable by exercise', async () => {
  const { store, notebook } = open();
  await notebook.addCommand('ann', 'pods', 's1', { command: 'kubectl get pods', exitCode: 0, output: 'No resources found\r\n', startedAt: at(1), endedAt: at(1), exercise: 'run-a-pod' });
  await notebook.addCell('ann', 'pods', 's1', { cell: 'c-1', code: 'kubectl get nodes', exitCode: 0, output: 'kind-control-plane Ready', durationMs: 120, startedAt: at(2), endedAt: at(2) });
  await notebook.addCheck('ann', 'pods', 's1', { exercise: 'run-a-pod', passed: false, criteria: [{ id: 'exists', description: 'pod web exists', passed: false }], durationMs: 30, startedAt: at(3), endedAt: at(3) });
  await notebook.addNote('ann', 'pods', { markdown: '# why\nthe pod needs a *name*', exercise: 'run-a-pod' });
  await notebook.addCommand('bob', 'pods', 's2', { command: 'kubectl get svc', exitCode: 0, output: '', startedAt: at(1), endedAt: at(1) });
  await notebook.addCommand('ann', 'services', 's3', { command: 'kubectl get svc', exitCode: 0, output: '', startedAt: at(1), endedAt: at(1) });

  const timeline = await notebook.entries('ann', 'pods');
  assert.deepEqual(timeline.map((e) => e.kind), ['command', 'cell', 'check', 'note']);
  assert.deepEqual((await notebook.entries('ann', 'pods', { exercise: 'run-a-pod' })).map((e) => e.kind), ['command', 'check', 'note']);
  assert.deepEqual((await notebook.entries('bob', 'pods')).map((e) => e.kind), ['command'], "bob sees only bob's");
  assert.deepEqual((await notebook.entries('ann', 'pods', { after: timeline[1]!.id })).map((e) => e.kind), ['check', 'note']);
  const check = timeline[2]!;
  assert.ok(check.kind === 'check' && check.criteria[0]?.description === 'pod web exists');
  store.close();
});

test('progress: not started, attempted, passed with the time to the first pass, passed with help after Show solution', async () => {
  const { store, notebook } = open();
  const failing = { passed: false, criteria: [], durationMs: 10 };
  await notebook.addCommand('ann', 'pods', 's', { exercise: 'a', command: 'kubectl run web --image=x', exitCode: 0, output: '', startedAt: at(0), endedAt: at(0) });
  await notebook.addCheck('ann', 'pods', 's', { exercise: 'a', ...failing, startedAt: at(2) });
  await notebook.addCheck('ann', 'pods', 's', { exercise: 'a', ...failing, passed: true, startedAt: at(5) });
  await notebook.addCheck('ann', 'pods', 's', { exercise: 'a', ...failing, passed: true, startedAt: at(6) });
  await notebook.addCheck('ann', 'pods', 's', { exercise: 'b', ...failing, startedAt: at(7) });
  await notebook.addCheck('ann', 'pods', 's', { exercise: 'c', ...failing, startedAt: at(8) });
  await notebook.addSolutionShown('ann', 'pods', 'c');
  await notebook.addCheck('ann', 'pods', 's', { exercise: 'c', ...failing, passed: true, startedAt: new Date(Date.now() + 60_000).toISOString() });

  const [pods] = await notebook.progress('ann', { pods: ['a', 'b', 'c', 'd'] });
  assert.deepEqual(pods!.exercises.map((e) => [e.exercise, e.state, e.attempts]), [
    ['a', 'passed', 3],
    ['b', 'attempted', 1],
    ['c', 'passed-with-help', 2],
    ['d', 'not-started', 0],
  ]);
  assert.equal(pods!.exercises[0]!.firstPassAt, at(5));
  assert.equal(pods!.exercises[0]!.timeToPassMs, 5 * 60_000);
  assert.ok(pods!.lastActivityAt);
  const [other] = await notebook.progress('bob', { pods: ['a'] });
  assert.equal(other!.exercises[0]!.state, 'not-started');
  store.close();
});

test('two tabs saving one note lose nothing: the older revision becomes a note of its own', async () => {
  const { store, notebook } = open();
  const note = await notebook.addNote('ann', 'pods', { markdown: 'first' });
  const fromTabA = await notebook.saveNote('ann', 'pods', note.id, note.revision, 'tab A text');
  assert.equal(fromTabA?.conflict, false);
  assert.equal(fromTabA?.note.revision, 2);
  const fromTabB = await notebook.saveNote('ann', 'pods', note.id, note.revision, 'tab B text');
  assert.equal(fromTabB?.conflict, true);
  assert.notEqual(fromTabB?.note.id, note.id);
  const notes = (await notebook.entries('ann', 'pods')).filter((e) => e.kind === 'note').map((e) => e.kind === 'note' && e.markdown);
  assert.deepEqual(notes, ['tab A text', 'tab B text']);
  assert.equal(await notebook.saveNote('bob', 'pods', note.id, 2, 'not yours'), undefined, "another learner's note is not found");
  assert.equal(await notebook.deleteNote('bob', 'pods', note.id), false);
  store.close();
});

test('oversized notes, commands and outputs are cut with a marker, not refused; secrets and binary output are stored safely', async () => {
  const { store, notebook } = open();
  const note = await notebook.addNote('ann', 'pods', { markdown: 'é'.repeat(NOTEBOOK_LIMITS.noteBytes) });
  assert.equal(note.truncated, true);
  assert.match(note.markdown, /\[… truncated: \d+ more bytes not kept\]$/);
  assert.ok(Buffer.byteLength(note.markdown) < NOTEBOOK_LIMITS.noteBytes + 100);
  assert.doesNotMatch(note.markdown, /\uFFFD/, 'cut on a character boundary');
  const command = await notebook.addCommand('ann', 'pods', undefined, {
    command: `kubectl create secret generic db --from-literal=password=hunter2 ${'x'.repeat(NOTEBOOK_LIMITS.commandBytes)}`,
    exitCode: 0,
    output: Buffer.from([0xff, 0x00, 0x41]).toString('latin1') + 'y'.repeat(NOTEBOOK_LIMITS.outputBytes * 2),
    startedAt: at(1),
  });
  assert.equal(command.truncated, true);
  assert.doesNotMatch(command.command, /hunter2/);
  assert.match(command.command, /password=\[REDACTED\]/);
  const [stored] = await notebook.entries('ann', 'pods', { after: note.id });
  assert.ok(stored?.kind === 'command' && stored.output.length < NOTEBOOK_LIMITS.outputBytes + 100 && !stored.output.includes('\0'));
  store.close();
});

test('cells: the latest run of each cell is what the page shows; Clear outputs hides them and the journal keeps them', async () => {
  const { store, notebook } = open();
  const run = (cell: string, output: string, minute: number) =>
    notebook.addCell('ann', 'pods', 's', { cell, code: 'kubectl get pods', exitCode: 0, output, durationMs: 50, startedAt: at(minute), endedAt: at(minute) });
  await run('one', 'old', 1);
  await run('two', 'two', 2);
  await run('one', 'new', 3);
  assert.deepEqual((await notebook.latestCells('ann', 'pods')).map((c) => [c.cell, c.output]), [['two', 'two'], ['one', 'new']]);
  assert.equal(await notebook.clearCells('ann', 'pods'), 3);
  assert.deepEqual(await notebook.latestCells('ann', 'pods'), []);
  assert.equal((await notebook.entries('ann', 'pods')).length, 3);
  await run('two', 'again', 4);
  assert.deepEqual((await notebook.latestCells('ann', 'pods')).map((c) => c.output), ['again']);
  store.close();
});

test('a damaged or foreign database file is a clear error naming the file, and is left as it was', () => {
  const path = join(dir, 'broken.sqlite');
  const garbage = Buffer.from('this is not an sqlite database, but somebody put it here '.repeat(200));
  writeFileSync(path, garbage);
  assert.throws(() => new Store(path), (error: unknown) => {
    assert.ok(error instanceof KubelabError);
    assert.equal(error.code, 'E_DATABASE');
    assert.match(error.message, new RegExp(path.replaceAll('/', '\\/')));
    assert.match(error.hint ?? '', /does not reset it/);
    return true;
  });
  assert.deepEqual(Buffer.compare(garbage, readFileSync(path)), 0, 'the file is untouched');
});

test('a database locked by another process is a clear error naming the file', () => {
  const path = join(dir, 'locked.sqlite');
  new Store(path).close();
  const holder = new DatabaseSync(path);
  // What a second program writing to it looks like (an sqlite3 shell in exclusive mode, another lab server).
  holder.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE');
  try {
    assert.throws(() => new Store(path, { busyTimeoutMs: 200 }), (error: unknown) => error instanceof KubelabError && error.code === 'E_DATABASE' && /locked/.test(error.message) && error.message.includes(path));
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
});

test('the Markdown export of binary output and of output holding a fence is valid UTF-8 and keeps its blocks closed', async () => {
  const { store, notebook } = open();
  await notebook.addCommand('ann', 'pods', 's', {
    command: 'cat /bin/true | head -c 40',
    exitCode: 0,
    output: new TextDecoder().decode(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d])),
    startedAt: at(1),
  });
  await notebook.addCommand('ann', 'pods', 's', { command: 'cat README.md', exitCode: 0, output: '```\nnot the end\n```\n', startedAt: at(2) });
  const entries = await notebook.entries('ann', 'pods');
  const [progress] = await notebook.progress('ann', { pods: [] });
  const markdown = lessonMarkdown({ slug: 'pods', title: 'Pods', exercises: [], entries, progress: progress! }, new Date(at(3)));
  assert.equal(Buffer.from(markdown, 'utf8').toString('utf8'), markdown);
  assert.match(markdown, /\$ cat \/bin\/true \| head -c 40\n\x7f?ELF\uFFFD\uFFFD\uFFFD/);
  assert.doesNotMatch(markdown, /\x1b/);
  assert.match(markdown, /````console\n\$ cat README.md\n```\nnot the end\n```\n````/, 'a longer fence around output that holds one');
  store.close();
});
