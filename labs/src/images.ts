/**
 * The course images: built by `npm run setup` from labs/images/<name>/, baked into every node image, and named
 * here once. Lessons run them; the provider checks every node carries them; the toolbox is where the learner's
 * shell runs.
 */
export const courseImages = {
  web: 'kubelab/web:1.0',
  toolbox: 'kubelab/toolbox:1.0',
  /** Debian bookworm's redis-server (Redis 7.0): the database of the config lesson's web app. */
  redis: 'kubelab/redis:7.0',
} as const;

/** The course image sources, one folder per image (Dockerfile and files). */
export const courseImagesDir = new URL('../images/', import.meta.url);
