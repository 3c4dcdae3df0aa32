/**
 * Lessons that need node access (frontmatter `nodeAccess: true`) are self-paced only: a workshop server refuses
 * their labs (409 E_SELF_PACED_ONLY) before it touches the provider or takes a slot, and /api/lessons says which;
 * a self-paced server starts them as any other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ErrorBody, LessonList } from '../schemas/api.ts';
import { fakeServer, nodeAccessLesson, tempDir, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let count = 0;
before(async () => {
  dir = await tempDir('selfpaced-test');
});
after(async () => {
  await dir.remove();
});

const serverOf = (profile: 'workshop' | 'self-paced'): Promise<FakeServer> =>
  fakeServer({ dataDir: join(dir.path, `data-${++count}`), maxSessions: 1, extraLessons: [nodeAccessLesson()], config: { profile } });

async function start(server: FakeServer, lesson: string) {
  return server.app.inject({ method: 'POST', url: '/api/sessions', headers: server.launch, payload: { lesson } });
}

describe('lessons that need node access', () => {
  test('a workshop server refuses their lab with 409 E_SELF_PACED_ONLY, touching no cluster and taking no slot', async () => {
    const server = await serverOf('workshop');
    try {
      const refused = await start(server, 'static-pods');
      assert.equal(refused.statusCode, 409, refused.body);
      const { error } = refused.json<ErrorBody>();
      assert.equal(error.code, 'E_SELF_PACED_ONLY');
      assert.match(error.message, /static-pods.*node/);
      assert.match(error.hint ?? '', /own machine/);
      assert.deepEqual(server.provider.calls, [], 'nothing reached the provider');
      assert.equal(server.app.sessions.liveCount(), 0);
      // The one slot is still free for a lesson that runs here.
      const started = await start(server, 'probe');
      assert.equal(started.statusCode, 201, started.body);
    } finally {
      await server.close();
    }
  });

  test('a workshop server says in /api/lessons which lessons are self-paced only', async () => {
    const server = await serverOf('workshop');
    try {
      const lessons = (await server.app.inject({ url: '/api/lessons' })).json<LessonList>();
      assert.deepEqual(
        lessons.map(({ slug, nodeAccess, startable }) => ({ slug, nodeAccess, startable })),
        [
          { slug: 'probe', nodeAccess: false, startable: true },
          { slug: 'static-pods', nodeAccess: true, startable: false },
        ],
      );
    } finally {
      await server.close();
    }
  });

  test('a self-paced server starts them as any other lesson', async () => {
    const server = await serverOf('self-paced');
    try {
      const lessons = (await server.app.inject({ url: '/api/lessons' })).json<LessonList>();
      assert.deepEqual(
        lessons.map(({ slug, startable }) => [slug, startable]),
        [
          ['probe', true],
          ['static-pods', true],
        ],
      );
      const started = await start(server, 'static-pods');
      assert.equal(started.statusCode, 201, started.body);
    } finally {
      await server.close();
    }
  });
});
