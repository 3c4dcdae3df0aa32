import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShellMarks, type ShellCommand } from '../notebook/shell-marks.ts';

const nonce = 'n0nce0123456789abcdef';
const C = (k = nonce) => `\x1b]133;C;k=${k}\x07`;
const E = (line: string, k = nonce) => `\x1b]633;E;${Buffer.from(line).toString('base64')};k=${k}\x07`;
const D = (status: number, k = nonce) => `\x1b]133;D;${status};k=${k}\x07`;
const prompt = '\x1b[1;36mkubelab\x1b[0m:~# ';

function record(stream: (string | Buffer)[], options: { maxOutputBytes?: number } = {}): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const marks = new ShellMarks({ nonce, onCommand: (c) => commands.push(c), ...options });
  for (const part of stream) marks.feed(typeof part === 'string' ? Buffer.from(part) : part);
  return commands;
}

const session = [
  E(''), D(0), prompt, 'kubectl get pods\r\n',
  C(), 'NAME   READY\r\nweb    1/1\r\n', E('kubectl get pods'), D(0), prompt,
  '\r\n', E(''), D(0), prompt, // an empty line: no C, nothing recorded
  'false\r\n', C(), E('false'), D(1), prompt,
  '  echo hidden\r\n', C(), 'hidden\r\n', E(''), D(0), prompt, // left out of the history
].join('');

test('each interactive command is recorded with its line, exit status and output; empty lines and history-less commands are not', () => {
  const commands = record([session]);
  assert.deepEqual(commands.map((c) => [c.command, c.exitCode, c.output]), [
    ['kubectl get pods', 0, 'NAME   READY\r\nweb    1/1\r\n'],
    ['false', 1, ''],
  ]);
  assert.ok(commands[0]!.endedAt >= commands[0]!.startedAt);
});

test('marks split across chunks at any byte are still found', () => {
  const bytes = Buffer.from(session);
  for (let cut = 1; cut < bytes.length; cut++) {
    const commands = record([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(commands.map((c) => c.command), ['kubectl get pods', 'false'], `cut at ${cut}`);
    assert.equal(commands[0]!.output, 'NAME   READY\r\nweb    1/1\r\n', `cut at ${cut}`);
  }
  const byteByByte = record([...bytes].map((b) => Buffer.from([b])));
  assert.deepEqual(byteByByte.map((c) => c.command), ['kubectl get pods', 'false']);
});

test("marks without this shell's nonce (a pod's log replayed, say) are plain output", () => {
  const commands = record([C(), 'x', C('someoneelse0123456'), E('rm -rf /', 'someoneelse0123456'), D(0, 'someoneelse0123456'), E('cat log'), D(0)]);
  assert.equal(commands.length, 1);
  assert.equal(commands[0]!.command, 'cat log');
  assert.match(commands[0]!.output, /someoneelse/);
});

test('a long output keeps its start with a truncation marker; binary output is stored as valid text', () => {
  const [big] = record([C(), 'y\n'.repeat(100_000), E('yes | head -n 100000'), D(0)], { maxOutputBytes: 1024 });
  assert.equal(big!.outputBytes, 200_000);
  assert.equal(big!.truncated, true);
  assert.ok(big!.output.startsWith('y\ny\n'));
  assert.match(big!.output, /truncated: 198976 more bytes/);
  const [binary] = record([C(), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x41]), E('cat /bin/true'), D(0)]);
  assert.equal(binary!.output, '\uFFFD\uFFFD\uFFFD\uFFFD(A');
  assert.equal(Buffer.from(binary!.output, 'utf8').toString('utf8'), binary!.output);
});

test('an unterminated OSC that never ends does not swallow what follows for ever', () => {
  const commands = record([C(), '\x1b]0;' + 'a'.repeat(70_000), 'more', E('printf title'), D(0)]);
  assert.equal(commands.length, 1);
  assert.equal(commands[0]!.command, 'printf title');
});
