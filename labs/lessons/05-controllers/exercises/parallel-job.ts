import { apply, defineExercise, job, type V1Job } from '@kubelab/labs';

const image = 'kubelab/toolbox:1.0';
const work = 'echo "rendering a thumbnail on $HOSTNAME"; sleep 2';

function thumbnails(options: { completions?: number; parallelism?: number; command?: string; backoffLimit?: number; indexed?: boolean; image?: string } = {}): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'thumbnails', ...(options.indexed ? { labels: { app: 'thumbnails', team: 'media' } } : {}) },
    spec: {
      ...(options.completions === undefined ? {} : { completions: options.completions }),
      ...(options.parallelism === undefined ? {} : { parallelism: options.parallelism }),
      ...(options.backoffLimit === undefined ? {} : { backoffLimit: options.backoffLimit }),
      ...(options.indexed ? { completionMode: 'Indexed' } : {}),
      template: {
        spec: {
          restartPolicy: options.indexed ? 'OnFailure' : 'Never',
          containers: [{ name: 'render', image: options.image ?? image, command: ['sh', '-c', options.command ?? work] }],
        },
      },
    },
  };
}

const complete = 'kubectl wait --for=condition=Complete job/thumbnails --timeout=150s';

export default defineExercise({
  title: 'Four pieces of work, two at a time',
  hints: [
    '`kubectl create job` makes a Job that succeeds once. Get its YAML with `--dry-run=client -o yaml` and add two fields to its `spec`.',
    '`completions` is how many pods must succeed in all; `parallelism` is how many run at the same time.',
    'Watch it work through the pieces with `kubectl get pods -l job-name=thumbnails -w`; `kubectl get job thumbnails` shows the count.',
  ],
  solution: `${apply(thumbnails({ completions: 4, parallelism: 2 }))}
${complete}`,
  cleanup: 'kubectl delete job/thumbnails --ignore-not-found --cascade=foreground --wait --timeout=90s',
  variants: [
    {
      name: 'indexed completions, restartPolicy OnFailure, extra labels, image with its registry',
      apply: `${apply(thumbnails({ completions: 4, parallelism: 2, indexed: true, image: `docker.io/${image}` }))}
${complete}`,
    },
  ],
  nearMisses: [
    {
      name: 'kubectl create job alone (one completion)',
      apply: `kubectl create job thumbnails --image=${image} -- sh -c '${work}'
${complete}`,
      failsOn: 'completions',
    },
    {
      name: 'parallelism 4 and no completions (all at once)',
      apply: `${apply(thumbnails({ parallelism: 4 }))}
${complete}`,
      failsOn: 'parallelism',
    },
    {
      name: 'a command that fails: the Job gives up after backoffLimit',
      apply: `${apply(thumbnails({ completions: 4, parallelism: 2, backoffLimit: 1, command: 'echo "no such file: input.png" >&2; exit 1' }))}
kubectl wait --for=condition=Failed job/thumbnails --timeout=150s`,
      failsOn: 'complete',
    },
  ],
  check: async (cluster) => {
    const thumbnailsJob = await job.read(cluster, 'thumbnails');
    return [
      job.exists(thumbnailsJob, 'thumbnails'),
      job.image(thumbnailsJob, image),
      job.succeeded(thumbnailsJob, 4),
      job.parallelism(thumbnailsJob, 2),
      job.complete(thumbnailsJob),
    ];
  },
});
