import { apply, certificateCovers, defineExercise, deletes, describeAnswer, describeCertificate, ingress, readSecret, secretCertificate, type V1Ingress } from '@kubelab/labs';
import { appObjects, webApps } from '../apps.ts';

const host = 'secure.kubelab.test';
const tlsAnnotation = 'traefik.ingress.kubernetes.io/router.tls';

/** A self-signed certificate and its key, tls.crt and tls.key in the current folder (openssl is in the toolbox). */
const makeCertificate = (subject = `/CN=${host}`, san: string | null = `DNS:${host}`) =>
  `openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout tls.key -out tls.crt -subj "${subject}"${san ? ` -addext "subjectAltName=${san}"` : ''} 2>/dev/null`;

const createIngress = (options: { tls?: boolean; annotate?: boolean } = {}) =>
  `kubectl create ingress secure --class=traefik --rule="${host}/*=secure:80${options.tls === false ? '' : ',tls=secure-tls'}"${options.annotate ? ` --annotation=${tlsAnnotation}=true` : ''}`;

export default defineExercise({
  title: 'HTTPS with your own certificate',
  hints: [
    'Three steps: a certificate and key (`openssl req -x509 …`), a Secret of type `kubernetes.io/tls` that holds them (`kubectl create secret tls`), and an Ingress whose `spec.tls` names that Secret.',
    `The certificate must be for the name the browser asks for: \`-subj "/CN=${host}" -addext "subjectAltName=DNS:${host}"\`. In \`kubectl create ingress\`, \`,tls=secure-tls\` after the rule writes \`spec.tls\`.`,
    `Nearly the answer, once the Secret exists: \`${createIngress()}\`.`,
  ],
  setup: webApps('secure'),
  solution: `${makeCertificate()}
kubectl create secret tls secure-tls --cert=tls.crt --key=tls.key
${createIngress()}`,
  cleanup: deletes('ingress/secure', 'secret/secure-tls', ...appObjects('secure')),
  variants: [
    {
      name: "an EC key and a wildcard certificate for *.kubelab.test; the Secret and Ingress as YAML, without ingressClassName, with Traefik's router.tls annotation",
      apply: `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout tls.key -out tls.crt -subj "/CN=*.kubelab.test" -addext "subjectAltName=DNS:*.kubelab.test,DNS:kubelab.test" 2>/dev/null
kubectl create secret tls secure-tls --cert=tls.crt --key=tls.key --dry-run=client -o yaml | kubectl apply -f -
${apply({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  // Traefik's own annotation, as older tutorials write it: still a correct answer.
  metadata: { name: 'secure', annotations: { [tlsAnnotation]: 'true' } },
  spec: {
    tls: [{ hosts: [host], secretName: 'secure-tls' }],
    rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'secure', port: { name: 'http' } } } }] } }],
  },
} satisfies V1Ingress)}`,
    },
  ],
  nearMisses: [
    {
      name: 'the certificate made for another name (CN=kubelab.test)',
      apply: `${makeCertificate('/CN=kubelab.test', null)}
kubectl create secret tls secure-tls --cert=tls.crt --key=tls.key
${createIngress()}`,
      failsOn: 'certificate',
    },
    {
      name: 'a generic (Opaque) Secret instead of a TLS Secret',
      apply: `${makeCertificate()}
kubectl create secret generic secure-tls --from-file=tls.crt --from-file=tls.key
${createIngress()}`,
      failsOn: 'secret',
    },
    {
      name: 'the Secret made, but the Ingress without spec.tls (no ,tls= after the rule)',
      apply: `${makeCertificate()}
kubectl create secret tls secure-tls --cert=tls.crt --key=tls.key
${createIngress({ tls: false })}`,
      failsOn: 'tls',
    },
  ],
  check: async (cluster, signal) => {
    const secret = await readSecret(cluster, 'secure-tls');
    const certificate = secretCertificate(secret);
    const target = await ingress.read(cluster, 'secure');
    const tls = (target?.spec?.tls ?? []).find((entry) => entry.secretName === 'secure-tls');
    const answer = await ingress.via(cluster, {
      host,
      path: '/api/v1/info',
      tls: true,
      signal,
      timeoutMs: target ? 6_000 : 0,
      good: (a) => a.status === 200 && a.certificate?.fingerprint256 === certificate?.fingerprint256,
    });
    const served = answer.certificate;
    return [
      {
        id: 'secret',
        description: 'A Secret `secure-tls` of type `kubernetes.io/tls` holds the certificate and key',
        passed: secret?.type === 'kubernetes.io/tls' && certificate !== undefined && secret.data?.['tls.key'] !== undefined,
        expected: 'type kubernetes.io/tls with tls.crt and tls.key',
        actual: !secret ? 'no Secret secure-tls' : `type ${secret.type ?? 'Opaque'}, keys ${Object.keys(secret.data ?? {}).join(', ') || 'none'}`,
        hint: '`kubectl create secret tls secure-tls --cert=tls.crt --key=tls.key` makes the right type; `kubectl create secret generic` makes an Opaque one.',
      },
      {
        id: 'certificate',
        description: `The certificate in the Secret is valid for \`${host}\``,
        passed: certificateCovers(certificate, host),
        expected: `a certificate for ${host} (subjectAltName DNS:${host}, or a wildcard that covers it)`,
        actual: secret ? describeCertificate(certificate) : 'no Secret',
        hint: `\`openssl x509 -in tls.crt -noout -subject -ext subjectAltName\` shows whom it is for. Make it with \`-subj "/CN=${host}" -addext "subjectAltName=DNS:${host}"\`.`,
      },
      {
        id: 'tls',
        description: `The Ingress \`secure\` terminates TLS for \`${host}\` with the Secret \`secure-tls\``,
        passed: tls !== undefined && (!tls.hosts?.length || tls.hosts.includes(host)),
        expected: `spec.tls: [{hosts: [${host}], secretName: secure-tls}]`,
        actual: !target ? 'no Ingress secure' : target.spec?.tls?.length ? target.spec.tls.map((t) => `hosts [${(t.hosts ?? []).join(', ')}] secret ${t.secretName ?? 'none'}`).join('; ') : 'no spec.tls',
        hint: 'Name the Secret in the Ingress: `,tls=secure-tls` after the rule of `kubectl create ingress`, or `spec.tls` in YAML.',
      },
      ingress.answeredBy(answer, 'secure', 'the Service `secure`, over HTTPS', {
        id: 'https',
        hint: `\`curl -kv --resolve ${host}:30843:$NODE_IP https://${host}:30843/api/v1/info\` shows what Traefik answers on HTTPS; \`kubectl describe ingress secure\` shows its rules and TLS.`,
      }),
      {
        id: 'served',
        description: 'Traefik presents the certificate from your Secret for that name',
        passed: served !== undefined && served.fingerprint256 === certificate?.fingerprint256,
        expected: certificate ? `the Secret's certificate (${describeCertificate(certificate)})` : "the Secret's certificate",
        actual: served ? `${describeCertificate(served)}${served.subject.includes('TRAEFIK DEFAULT CERT') ? " (Traefik's own fallback certificate)" : ''}` : describeAnswer(answer),
        hint: `Traefik picks the certificate whose names match the server name a client asks for (\`curl -kv --resolve ${host}:30843:$NODE_IP https://${host}:30843/\` shows it); when none matches it presents its own "TRAEFIK DEFAULT CERT".`,
      },
    ];
  },
});
