import { courseImages } from '../../../scripts/setup/course-images.ts';

/** The course images every cluster must carry (they are baked into the node image by npm run setup). */
export const imagesInCluster: string[] = Object.values(courseImages);
