import { defineLesson } from '../../src/define.ts';
import firstPod from './exercises/first-pod.ts';
import runToCompletion from './exercises/run-to-completion.ts';
import sidecar from './exercises/sidecar.ts';
import crashloop from './exercises/crashloop.ts';

export default defineLesson({
  slug: 'pods',
  profile: 'single',
  exercises: [firstPod, runToCompletion, sidecar, crashloop],
});
