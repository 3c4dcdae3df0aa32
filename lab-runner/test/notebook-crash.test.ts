/**
 * SIGKILL of the lab-runner while a learner's commands stream through the terminal and notes are being saved:
 * after a restart on the same data directory, everything the learner was told had happened is there. For a note,
 * that is its 201 or 200; for a command, the end-of-command mark reaching the browser (the journal records a
 * command before the output that follows it leaves the server).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabApi, TerminalClient, followSessionEvents } from '@kubelab/lab-runner/client';
import type { NoteEntry } from '@kubelab/lab-runner/api';
import { Store } from '../store/store.ts';
import { FakeProvider, fakeServer, tempDir, until } from './fakes.ts';

const serverScript = fileURLToPath(new URL('./fixtures/notebook-server.ts', import.meta.url));
const END_MARK = /\x1b\]133;D;\d+;k=[0-9a-f]+\x07/g;

test('SIGKILL while commands stream and a note is saved: after a restart, every acknowledged command and note is there', async () => {
  const dir = await tempDir('notebook-crash');
  const dataDir = join(dir.path, 'data');
  const child = spawn(process.execPath, [serverScript, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const { baseUrl, launchToken } = JSON.parse(line) as { baseUrl: string; launchToken: string };
    const api = new LabApi({ baseUrl, launchToken });
    const lab = await api.createSession('probe');
    assert.equal(await followSessionEvents(api, lab, {}), 'ready');

    let received = '';
    let connected = false;
    const terminal = new TerminalClient(api.terminalUrl(lab), {
      onOpen: () => {},
      onOutput: (data, rendered) => {
        received += new TextDecoder().decode(data);
        rendered();
      },
      onState: (state) => (connected = state.state === 'connected'),
      size: () => ({ cols: 120, rows: 40 }),
    });
    await until(() => connected && (received.match(END_MARK) ?? []).length > 0, 'the first prompt');

    let killed = false;
    // The learner types command after command, each as soon as the previous one's prompt is back.
    const typing = (async () => {
      for (let n = 0; !killed; n++) {
        const ends = (received.match(END_MARK) ?? []).length;
        terminal.sendInput(`echo cmd-${n}\r`);
        const deadline = Date.now() + 5000;
        while (!killed && (received.match(END_MARK) ?? []).length <= ends && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      }
    })();
    // Meanwhile notes are added, and one note is saved over and over as someone typing would.
    const acknowledgedNotes: string[] = [];
    let draft: Pick<NoteEntry, 'id' | 'revision'> | undefined;
    let acknowledgedDraft = '';
    const writing = (async () => {
      for (let n = 0; !killed; n++) {
        try {
          const text = `note-${n}`;
          await api.addNote('probe', text);
          acknowledgedNotes.push(text);
          const draftText = `draft ${'x'.repeat(n)}`;
          if (!draft) draft = await api.addNote('probe', draftText);
          else draft = (await api.saveNote('probe', draft, draftText)).note;
          acknowledgedDraft = draftText;
        } catch {
          return; // the server is gone
        }
      }
    })();

    await until(() => acknowledgedNotes.length >= 20 && (received.match(END_MARK) ?? []).length >= 30, 'commands and notes streaming', 30_000);
    child.kill('SIGKILL');
    killed = true;
    await once(child, 'exit');
    await Promise.all([typing, writing]);
    terminal.dispose();

    // Every command whose end mark reached the browser: the output line before each mark is its echo.
    const acknowledgedCommands = [...received.matchAll(/cmd-(\d+)\r\n\x1b\]633;E;[^\x07]*\x07\x1b\]133;D;0;/g)].map((m) => `echo cmd-${m[1]}`);
    assert.ok(acknowledgedCommands.length >= 20, `${acknowledgedCommands.length} commands acknowledged`);

    const store = new Store(join(dataDir, 'lab-runner.sqlite')); // a damaged database would throw E_DATABASE here
    store.close();
    const provider = new FakeProvider();
    const restarted = await fakeServer({ dataDir, provider });
    try {
      await restarted.listen();
      const after = new LabApi({ baseUrl: restarted.baseUrl, launchToken: restarted.config.launchToken });
      const { entries } = await after.notebook('probe');
      const commands = new Set(entries.flatMap((e) => (e.kind === 'command' ? [e.command] : [])));
      const notes = entries.flatMap((e) => (e.kind === 'note' ? [e.markdown] : []));
      assert.deepEqual(acknowledgedCommands.filter((c) => !commands.has(c)), [], 'every acknowledged command is in the journal');
      assert.deepEqual(acknowledgedNotes.filter((n) => !notes.includes(n)), [], 'every acknowledged note is there');
      const storedDraft = notes.find((n) => n.startsWith('draft'));
      assert.ok(storedDraft !== undefined && storedDraft.length >= acknowledgedDraft.length, 'the saved note has at least its acknowledged text');
    } finally {
      await restarted.close();
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await dir.remove();
  }
});
