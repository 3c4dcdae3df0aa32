import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { exerciseTags, loadLessons } from '../src/catalog.ts';
import { courseModules } from '../course.ts';
import { exercise, page, tempCourse } from './course-fixture.ts';

// Convention over configuration: the folder names the lesson, the page lists and orders the exercises, and
// every slip is an error that names the files involved.
let course: ReturnType<typeof tempCourse>;
afterEach(() => course?.dispose());

test('slug and order come from the folder, the profile from the page, exercises in the order of their cards', async () => {
  course = tempCourse();
  course.write('03-services/index.mdx', page('module: Workloads\ncluster: multi', '<Exercise id="second">b</Exercise>\n\n<Exercise id="first">a</Exercise>'));
  course.write('03-services/exercises/first.ts', exercise());
  course.write('03-services/exercises/second.ts', exercise("id: 'second',"));
  course.write('01-basics/index.mdx', page('module: Workloads', '```mdx\n<Exercise id="in-a-code-block">\n```\n\n<Exercise id="only">x</Exercise>'));
  course.write('01-basics/exercises/only.ts', exercise());
  const lessons = await loadLessons({ lessonsDir: course.lessonsDir });
  assert.deepEqual(
    lessons.map((l) => [l.slug, l.order, l.profile, l.exercises.map((e) => e.id)]),
    [
      ['basics', 1, 'single', ['only']],
      ['services', 3, 'multi', ['second', 'first']],
    ],
  );
  assert.equal(lessons[0]!.exercises[0]!.timeoutMs, 15_000);
});

async function refused(files: Record<string, string>, message: RegExp): Promise<void> {
  course = tempCourse();
  for (const [path, text] of Object.entries(files)) course.write(path, text);
  await assert.rejects(loadLessons({ lessonsDir: course.lessonsDir }), message);
}

test('a card without an exercise file is an error naming both', () =>
  refused(
    { '01-toy/index.mdx': page('module: Workloads', '<Exercise id="missing">x</Exercise>') },
    /01-toy\/index\.mdx shows <Exercise id="missing">, but .*01-toy\/exercises\/missing\.ts does not exist/,
  ));

test('an exercise file the page does not show is an error naming both', () =>
  refused(
    {
      '01-toy/index.mdx': page('module: Workloads', '<Exercise id="shown">x</Exercise>'),
      '01-toy/exercises/shown.ts': exercise(),
      '01-toy/exercises/hidden.ts': exercise(),
    },
    /01-toy\/exercises\/hidden\.ts is not shown on .*01-toy\/index\.mdx: add <Exercise id="hidden">/,
  ));

test('an exported id that differs from the file name is an error naming the file', () =>
  refused(
    { '01-toy/index.mdx': page('module: Workloads', '<Exercise id="right">x</Exercise>'), '01-toy/exercises/right.ts': exercise("id: 'wrong',") },
    /01-toy\/exercises\/right\.ts declares id "wrong", but its file name makes it "right"/,
  ));

test('a module that labs/course.ts does not declare fails with the known modules', () =>
  refused(
    { '01-toy/index.mdx': page('module: workload', '<Exercise id="a">x</Exercise>'), '01-toy/exercises/a.ts': exercise() },
    new RegExp(`01-toy/index\\.mdx: invalid frontmatter:\n {2}module: unknown module "workload": use one of ${courseModules.join(', ')}, or declare it in labs/course\\.ts`),
  ));

test('a folder that is not NN-slug, or two lessons with one number, are refused', async () => {
  await refused({ '1-toy/index.mdx': page('module: Workloads', '') }, /name a lesson folder NN-slug/);
  course.dispose();
  await refused(
    {
      '01-alpha/index.mdx': page('module: Workloads', '<Exercise id="ex">x</Exercise>'),
      '01-alpha/exercises/ex.ts': exercise(),
      '01-beta/index.mdx': page('module: Workloads', '<Exercise id="ex">x</Exercise>'),
      '01-beta/exercises/ex.ts': exercise(),
    },
    /01-beta and .*01-alpha share the number 01/,
  );
});

test('a leftover lesson.ts is refused with what replaced it', () =>
  refused(
    { '01-toy/index.mdx': page('module: Workloads', '<Exercise id="a">x</Exercise>'), '01-toy/exercises/a.ts': exercise(), '01-toy/lesson.ts': 'export default {};' },
    /lesson\.ts is no longer read: .*Delete it/,
  ));

test('exercise cards are read in page order, outside code blocks and comments, with either quote', () => {
  assert.deepEqual(
    exerciseTags('<Exercise id="a">\n{/* <Exercise id="no"> */}\n~~~\n<Exercise id="no2">\n~~~\n<Exercise lesson="x" id=\'b\' />\n<Exercise>'),
    ['a', 'b', ''],
  );
});
