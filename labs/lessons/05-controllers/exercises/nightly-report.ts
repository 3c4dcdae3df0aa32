import { apply, cronJob, defineExercise, job, pod, type V1CronJob } from '@kubelab/labs';

const image = 'kubelab/toolbox:1.0';
const schedule = '30 2 * * *';
const message = 'report ready';

function report(options: { schedule?: string; message?: string; timeZone?: string; image?: string } = {}): V1CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'report', ...(options.timeZone ? { labels: { app: 'report' } } : {}) },
    spec: {
      schedule: options.schedule ?? schedule,
      ...(options.timeZone ? { timeZone: options.timeZone, concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 5 } : {}),
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: options.timeZone ? 'Never' : 'OnFailure',
              containers: [{ name: 'report', image: options.image ?? image, command: ['sh', '-c', `echo "${options.message ?? message}"`] }],
            },
          },
        },
      },
    },
  };
}

const runNow = (name = 'report-now') => `kubectl create job ${name} --from=cronjob/report
kubectl wait --for=condition=Complete job/${name} --timeout=120s`;

export default defineExercise({
  title: 'Every night at half past two',
  hints: [
    'A cron schedule has five fields: minute, hour, day of month, month, day of week. `kubectl create cronjob --help` has an example.',
    `Half past two every day is \`${schedule}\`. \`kubectl create cronjob report --image=${image} --schedule='${schedule}' -- sh -c 'echo "${message}"'\` writes the whole CronJob.`,
    'Do not wait for the night: `kubectl create job report-now --from=cronjob/report` starts a Job from the CronJob\'s own template, and `kubectl logs job/report-now` shows what it printed.',
  ],
  solution: `kubectl create cronjob report --image=${image} --schedule='${schedule}' -- sh -c 'echo "${message}"'
${runNow()}`,
  cleanup: 'kubectl delete cronjob/report job/report-now --ignore-not-found --cascade=foreground --wait --timeout=90s',
  variants: [
    {
      name: 'hand-written YAML in time zone Etc/UTC, Forbid and a history limit, the run under another name',
      apply: `${apply(report({ timeZone: 'Etc/UTC', image: `docker.io/${image}` }))}
${runNow('report-manual')}`,
    },
  ],
  nearMisses: [
    {
      name: 'the hour given but not the minute (* 2 * * *: every minute from 02:00 to 02:59)',
      apply: `${apply(report({ schedule: '* 2 * * *' }))}
${runNow()}`,
      failsOn: 'schedule',
    },
    {
      name: 'the run made with kubectl create job --image, not from the CronJob',
      apply: `${apply(report())}
kubectl create job report-now --image=${image} -- sh -c 'echo "${message}"'
kubectl wait --for=condition=Complete job/report-now --timeout=120s`,
      failsOn: 'ran',
    },
    {
      name: 'the job template prints something else',
      apply: `${apply(report({ message: 'report done' }))}
${runNow()}`,
      failsOn: 'output',
    },
  ],
  check: async (cluster) => {
    const nightly = await cronJob.read(cluster, 'report');
    const jobs = await cronJob.jobs(cluster, nightly);
    const done = cronJob.completed(jobs);
    const pods = done ? await job.pods(cluster, done) : [];
    const succeeded = pods.find((p) => p.status?.phase === 'Succeeded') ?? null;
    return [
      cronJob.exists(nightly, 'report'),
      cronJob.image(nightly, image),
      cronJob.schedule(nightly, schedule),
      cronJob.ranToCompletion(jobs),
      pod.logIncludes(await pod.log(cluster, succeeded), message, {
        id: 'output',
        description: `The run printed \`${message}\``,
        hint: 'The command lives in the CronJob\'s `jobTemplate`; a Job made from it runs exactly that. `kubectl logs job/<name>` shows what it printed.',
      }),
    ];
  },
});
