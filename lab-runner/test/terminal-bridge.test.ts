/**
 * The terminal bridge against a real local pty (bash) and a real `ws` server and client: what a learner's browser
 * tab would see. The flood tests are in terminal-flow.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TerminalSession, WS_MAX_PAYLOAD_BYTES } from '../terminal/bridge.ts';
import { ClientOp, CloseCode, encodeAck, encodeResize, MAX_CLIENT_FRAME_BYTES } from '../terminal/protocol.ts';
import { localShell, localShellEnv, serveTerminal, sleep, TerminalClient, type TerminalServer } from './terminal-harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(options: { cols?: number; rows?: number } = {}): Promise<{ session: TerminalSession; server: TerminalServer }> {
  const session = new TerminalSession({ argv: localShell, env: localShellEnv, ...options });
  const server = await serveTerminal(session);
  cleanups.push(() => session.dispose(), () => server.close());
  return { session, server };
}

async function connect(server: TerminalServer, ack: 'auto' | 'none' = 'auto'): Promise<TerminalClient> {
  const client = await TerminalClient.connect(server.url, { ack });
  cleanups.push(() => void client.close());
  return client;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('terminal bridge', () => {
  it('starts the shell on the first attach and echoes what is typed', async () => {
    const { session, server } = await open();
    assert.equal(session.pid, undefined, 'no shell before anyone attaches');
    const client = await connect(server);
    await client.waitFor('test$ ');
    assert.equal((await client.run('echo $((6*7))')).trim(), '42');
    assert.ok(client.text().includes('echo $((6*7))'), 'the typed command is echoed back');
  });

  it('passes UTF-8 through in both directions', async () => {
    const { server } = await open();
    const client = await connect(server);
    assert.equal((await client.run("printf '%s\\n' 'héllo ☸'")).trim(), 'héllo ☸');
  });

  it('resizes the pty: `stty size` reports the new size', async () => {
    const { server } = await open({ cols: 80, rows: 24 });
    const client = await connect(server);
    assert.equal((await client.run('stty size')).trim(), '24 80');
    client.resize(132, 43);
    assert.equal((await client.run('stty size')).trim(), '43 132');
  });

  it('replays earlier output to a reconnecting client, including what was printed while nobody watched', async () => {
    const { session, server } = await open();
    const first = await connect(server);
    assert.equal((await first.run('echo before-$((40+2))')).trim(), 'before-42');
    const pid = (await first.run('echo $$')).trim();
    first.type('sleep 1; echo "while-$((1+1))-away"\r');
    await first.close();
    await sleep(1500);
    assert.equal(session.stats().attached, false);

    const second = await connect(server);
    await second.waitFor('while-2-away');
    const replay = second.text();
    assert.ok(replay.includes('before-42'), 'the earlier output is replayed');
    assert.ok(replay.indexOf('before-42') < replay.indexOf('while-2-away'), 'in order');
    assert.equal((await second.run('echo $$')).trim(), pid, 'it is the same shell');
  });

  it('a second attach takes over: the first connection is closed with 4001 and keeps no listeners', async () => {
    const { server } = await open();
    const first = await connect(server);
    const pid = (await first.run('echo $$')).trim();
    const second = await connect(server);
    assert.equal((await first.closed).code, CloseCode.replaced);
    assert.equal((await second.run('echo $$')).trim(), pid);

    for (let i = 0; i < 5; i++) await connect(server);
    const sockets = server.sockets;
    await sleep(100);
    assert.deepEqual(
      sockets.map((s) => s.listenerCount('message')),
      [...sockets.slice(0, -1).map(() => 0), 1],
      'only the current connection is listened to',
    );
  });

  it('sends EXIT and closes 1000 when the shell exits; the next attach starts a fresh shell', async () => {
    const { session, server } = await open();
    const client = await connect(server);
    const pid = Number((await client.run('echo $$')).trim());
    client.type('exit 3\r');
    const closed = await client.closed;
    assert.equal(closed.code, CloseCode.done);
    assert.deepEqual(client.messages.at(-1), { type: 'exit', exitCode: 3 });
    assert.equal(session.exited, true);

    const next = await connect(server);
    const newPid = Number((await next.run('echo $$')).trim());
    assert.notEqual(newPid, pid);
    assert.equal(session.exited, false);
    assert.ok(!next.text().includes('exit 3'), 'the old shell is not replayed into the new one');
  });

  it('dispose() closes the connection with 4004 and kills the shell', async () => {
    const { session, server } = await open();
    const client = await connect(server);
    const pid = Number((await client.run('echo $$')).trim());
    session.dispose();
    assert.equal((await client.closed).code, CloseCode.sessionEnded);
    const deadline = Date.now() + 3000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    assert.equal(alive(pid), false, 'the shell is gone');

    const late = await connect(server);
    assert.equal((await late.closed).code, CloseCode.sessionEnded, 'a disposed session refuses new connections');
  });

  describe('malformed frames', () => {
    const cases: { name: string; frame: () => Uint8Array; code: string; close: number }[] = [
      { name: 'an unknown opcode', frame: () => new Uint8Array([0x7f, 1, 2]), code: 'E_BAD_OPCODE', close: CloseCode.protocolError },
      { name: 'a 0×0 resize', frame: () => encodeResize(0, 0), code: 'E_BAD_RESIZE', close: CloseCode.protocolError },
      { name: 'a 10000×10000 resize', frame: () => encodeResize(10000, 10000), code: 'E_BAD_RESIZE', close: CloseCode.protocolError },
      { name: 'a truncated ack', frame: () => encodeAck(1).subarray(0, 3), code: 'E_BAD_FRAME', close: CloseCode.protocolError },
      { name: 'an empty frame', frame: () => new Uint8Array(0), code: 'E_BAD_FRAME', close: CloseCode.protocolError },
      {
        name: 'an input frame over MAX_CLIENT_FRAME_BYTES',
        frame: () => new Uint8Array(MAX_CLIENT_FRAME_BYTES + 1).fill(0x61).fill(ClientOp.input, 0, 1),
        code: 'E_FRAME_TOO_LARGE',
        close: CloseCode.tooBig,
      },
    ];

    it('each gets an ERROR frame with its code and a close, and the shell survives for the next connection', async () => {
      const { session, server } = await open();
      const first = await connect(server);
      const pid = (await first.run('echo $$')).trim();
      await first.close();
      for (const { name, frame, code, close } of cases) {
        const client = await connect(server);
        client.sendRaw(frame());
        const closed = await client.closed;
        const errors = client.messages.filter((m) => m.type === 'error');
        assert.equal(errors.length, 1, `${name}: one ERROR frame`);
        assert.equal(errors[0]!.type === 'error' && errors[0]!.code, code, name);
        assert.equal(closed.code, close, `${name}: close code`);
      }
      const text = await connect(server);
      text.socket.send(new TextEncoder().encode('ls'), { binary: false });
      assert.equal((await text.closed).code, CloseCode.protocolError, 'a text frame is refused');

      const after = await connect(server);
      assert.equal((await after.run('echo $$')).trim(), pid, 'the same shell still answers');
      assert.ok(!after.text().includes('aaaaaaaa'), 'the oversized input never reached the shell');
      assert.equal(session.exited, false);
    });

    it('a frame over the WebSocket maxPayload is cut off by ws with 1009, and the shell survives', async () => {
      const { server } = await open();
      const first = await connect(server);
      const pid = (await first.run('echo $$')).trim();
      first.sendRaw(new Uint8Array(WS_MAX_PAYLOAD_BYTES + 1));
      assert.equal((await first.closed).code, CloseCode.tooBig);
      const after = await connect(server);
      assert.equal((await after.run('echo $$')).trim(), pid);
    });
  });
});
