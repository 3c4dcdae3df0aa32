import { pathToFileURL } from 'node:url';
import { defineCollection } from 'astro:content';
import { glob, type Loader } from 'astro/loaders';
import { docsSchema } from '@astrojs/starlight/schema';
import { formatIssues, lessonFrontmatter, parseLessonDir } from '@kubelab/labs/schema';
import { lessonEntryId } from './lib/catalog.ts';
import { lessonsDir } from './lib/paths.ts';

/**
 * The lesson pages, straight from labs/lessons/NN-slug/index.mdx, with ids lessons/<slug> (the slug the
 * lab-runner uses, read from the folder name by labs' own rule). Every page must satisfy labs' own
 * `lessonFrontmatter` (zod 4, like Astro's): a typo fails the build naming the file and the field.
 */
function lessonsLoader(): Loader {
  const files = glob({
    base: pathToFileURL(`${lessonsDir}/`),
    pattern: '[0-9][0-9]-*/index.mdx',
    generateId: ({ entry }) => {
      const dir = entry.split('/')[0]!;
      return lessonEntryId(parseLessonDir(dir)?.slug ?? dir);
    },
  });
  return {
    name: 'kubelab-lessons',
    load: (context) => {
      // The content store outlives builds: forget pages from another lessons folder (KUBELAB_LESSONS_DIR).
      if (context.meta.get('lessons-dir') !== lessonsDir) {
        context.store.clear();
        context.meta.set('lessons-dir', lessonsDir);
      }
      return files.load({
        ...context,
        parseData: (props) => {
          const checked = lessonFrontmatter.safeParse(props.data);
          if (!checked.success) {
            const where = props.filePath ?? props.id;
            throw new Error(`${where}: invalid lesson frontmatter (labs/src/schema.ts, lessonFrontmatter):\n${formatIssues(checked.error.issues)}`);
          }
          return context.parseData(props);
        },
      });
    },
  };
}

/**
 * Starlight's `docs` collection holds the lessons. Its schema is Starlight's, extended with the lesson fields;
 * they are optional here only because Starlight validates the home page (a <StarlightPage>) against the same
 * schema; the loader above requires them on every lesson.
 */
export const collections = {
  docs: defineCollection({
    loader: lessonsLoader(),
    schema: docsSchema({ extend: lessonFrontmatter.partial() }),
  }),
};
