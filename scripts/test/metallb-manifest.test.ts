import { test } from 'node:test';
import assert from 'node:assert/strict';
import { componentImages } from '@kubelab/kit/artifacts';
import { adaptMetallbManifest } from '../setup/metallb.ts';

/** The shape of the upstream manifest, reduced to what the adaptation looks at. */
function upstream(): Record<string, unknown>[] {
  return [
    { kind: 'Namespace', metadata: { name: 'metallb-system' } },
    { kind: 'CustomResourceDefinition', metadata: { name: 'bgppeers.metallb.io' }, spec: { conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 'metallb-webhook-service' } } } } } },
    { kind: 'CustomResourceDefinition', metadata: { name: 'ipaddresspools.metallb.io' }, spec: { group: 'metallb.io' } },
    { kind: 'Secret', metadata: { name: 'metallb-webhook-cert' } },
    { kind: 'Service', metadata: { name: 'metallb-webhook-service' } },
    {
      kind: 'Deployment',
      metadata: { name: 'controller' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'controller',
                image: 'quay.io/metallb/controller:v0.15.2',
                args: ['--port=7472'],
                readinessProbe: { httpGet: { path: '/metrics' }, initialDelaySeconds: 10, periodSeconds: 10 },
                ports: [{ name: 'monitoring' }, { name: 'webhook-server' }],
                volumeMounts: [{ name: 'cert' }],
              },
            ],
            volumes: [{ name: 'cert' }],
          },
        },
      },
    },
    { kind: 'DaemonSet', metadata: { name: 'speaker' }, spec: { template: { spec: { containers: [{ name: 'speaker', image: 'quay.io/metallb/speaker:v0.15.2' }], volumes: [{ name: 'memberlist' }] } } } },
    { kind: 'ValidatingWebhookConfiguration', metadata: { name: 'metallb-webhook-configuration' } },
  ];
}

test("MetalLB's manifest gets our images and loses its webhook, and nothing else changes", () => {
  type Container = { name: string; image: string; [field: string]: unknown };
  type PodSpec = { containers: Container[]; volumes?: unknown[] };
  const adapted = adaptMetallbManifest(upstream()) as { kind: string; metadata: { name: string }; spec?: { template: { spec: PodSpec } } & Record<string, unknown> }[];
  assert.deepEqual(adapted.map((o) => `${o.kind}/${o.metadata.name}`), [
    'Namespace/metallb-system',
    'CustomResourceDefinition/bgppeers.metallb.io',
    'CustomResourceDefinition/ipaddresspools.metallb.io',
    'Deployment/controller',
    'DaemonSet/speaker',
  ]);
  const controller = adapted.find((o) => o.kind === 'Deployment')!.spec!.template.spec;
  assert.deepEqual(controller.containers[0], {
    name: 'controller',
    image: componentImages.metallbController,
    imagePullPolicy: 'IfNotPresent',
    args: ['--port=7472', '--webhook-mode=disabled'],
    readinessProbe: { httpGet: { path: '/metrics' }, initialDelaySeconds: 2, periodSeconds: 5 },
    ports: [{ name: 'monitoring' }],
  });
  assert.equal(controller.volumes, undefined);
  const speaker = adapted.find((o) => o.kind === 'DaemonSet')!.spec!.template.spec;
  assert.equal(speaker.containers[0]!.image, componentImages.metallbSpeaker);
  assert.deepEqual(speaker.volumes, [{ name: 'memberlist' }], "the speakers' memberlist secret stays");
  assert.deepEqual(adapted[1]!.spec!['conversion'], { strategy: 'None' });
  assert.deepEqual(adapted[2]!.spec, { group: 'metallb.io' } as unknown);
});

test('a manifest without the controller or the speaker is an error that names what is missing', () => {
  const withoutSpeaker = upstream().filter((o) => o['kind'] !== 'DaemonSet');
  assert.throws(() => adaptMetallbManifest(withoutSpeaker), /no DaemonSet speaker/);
});
