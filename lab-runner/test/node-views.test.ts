/**
 * Read-only node views on the fake provider: what a learner without a node shell (a workshop's) may look at, as
 * fixed commands the lab server runs. Nothing from the request but the choice of view and of one of the session's
 * own nodes reaches the provider; one view at a time per session; a gone cluster says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { nodeViewIds, nodeViews } from '../providers/node-views.ts';
import type { ErrorBody, NodeViewList, NodeViewResult } from '../schemas/api.ts';
import { fakeServer, tempDir, until, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let server: FakeServer;
let id = '';
let headers: { authorization: string };
let node = '';

before(async () => {
  dir = await tempDir('node-views-test');
  server = await fakeServer({ dataDir: join(dir.path, 'data') });
  const { session, token } = await server.app.sessions.create('probe');
  await until(() => session.state !== 'provisioning', 'provisioning has ended');
  id = session.id;
  headers = { authorization: `Bearer ${token}` };
  node = session.summary().nodes[0]!.name;
});
after(async () => {
  await server.close();
  await dir.remove();
});

const view = (path: string) => server.app.inject({ method: 'GET', url: `/api/sessions/${id}/nodes/${path}`, headers });

test('the views are listed, each with a title and what it shows', async () => {
  const list = (await server.app.inject({ method: 'GET', url: '/api/node-views' })).json<NodeViewList>();
  assert.deepEqual(list.map((v) => v.id), nodeViewIds);
  assert.ok(list.every((v) => v.title && v.description.length > 20));
  assert.deepEqual(list.filter((v) => v.controlPlaneOnly).map((v) => v.id), ['static-pods']);
});

test("a view runs its own fixed command on the session's node", async () => {
  const response = await view(`${node}/views/static-pods`);
  assert.equal(response.statusCode, 200, response.body);
  const result = response.json<NodeViewResult>();
  assert.equal(result.view, 'static-pods');
  assert.equal(result.node, node);
  assert.equal(result.output, `${node}$ ${nodeViews['static-pods'].argv.join(' ')}\n`);
  assert.equal(server.provider.callsOf('nodeView').at(-1), server.app.store.getSession(id)?.cluster);
});

test('nothing else reaches the provider: an unknown view, a node name with shell words, or a node of another cluster', async () => {
  const before = server.provider.callsOf('nodeView').length;
  for (const path of [`${node}/views/rm`, `${node}/views/static-pods;id`, `${encodeURIComponent('x;id')}/views/containers`, `${encodeURIComponent('$(id)')}/views/containers`]) {
    const response = await view(path);
    assert.equal(response.statusCode, 400, `${path}: ${response.body}`);
    assert.equal(response.json<ErrorBody>().error.code, 'E_BAD_REQUEST');
  }
  assert.equal(server.provider.callsOf('nodeView').length, before, 'refused before the provider');
  const other = await view('kubelab-someone-else-control-plane/views/containers');
  assert.equal(other.statusCode, 404, other.body);
  assert.equal(other.json<ErrorBody>().error.code, 'E_NOT_FOUND');
});

test('it needs the session token', async () => {
  const response = await server.app.inject({ method: 'GET', url: `/api/sessions/${id}/nodes/${node}/views/containers` });
  assert.equal(response.statusCode, 401);
});

test('one view at a time per session: a second one while the first runs gets 409 E_SESSION_BUSY', async () => {
  const held = server.provider.hold('nodeView');
  const first = view(`${node}/views/containers`);
  await held.reached;
  const second = await view(`${node}/views/nat-rules`);
  assert.equal(second.statusCode, 409, second.body);
  assert.equal(second.json<ErrorBody>().error.code, 'E_SESSION_BUSY');
  held.release();
  assert.equal((await first).statusCode, 200);
  assert.equal((await view(`${node}/views/nat-rules`)).statusCode, 200, 'free again');
});

test('a cluster deleted under the lab: 409 E_CLUSTER_GONE, as for a check', async () => {
  server.provider.vanish(server.app.store.getSession(id)!.cluster);
  const response = await view(`${node}/views/containers`);
  assert.equal(response.statusCode, 409, response.body);
  assert.equal(response.json<ErrorBody>().error.code, 'E_CLUSTER_GONE');
});
