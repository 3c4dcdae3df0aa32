import { apply, certificateOf, defineExercise, ingress, type V1Ingress } from '@kubelab/labs';
import { nodeIP, removeApps, startApps, untilServed } from '../apps.ts';

const apps = ['secure'];
const host = 'secure.example.com';
const served = `${nodeIP}
${untilServed(host, { https: true })}`;

/** A self-signed certificate and its key, in ./tls.crt and ./tls.key, for `subject` (and `extra` openssl options). */
const certificate = (subject: string, extra = '') =>
  `openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout tls.key -out tls.crt -subj '${subject}'${extra ? ` ${extra}` : ''} 2>/dev/null`;

const secret = 'kubectl create secret tls secure-tls --cert=tls.crt --key=tls.key';

const secureIngress: V1Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'secure' },
  spec: {
    tls: [{ hosts: [host], secretName: 'secure-tls' }],
    rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'secure', port: { number: 80 } } } }] } }],
  },
};

export default defineExercise({
  title: 'HTTPS with your own certificate',
  hints: [
    'Three steps: a certificate and key (`openssl req -x509`), a Secret that holds them (`kubectl create secret tls`), and an Ingress whose `tls` section names the host and the Secret.',
    `The certificate must be for the name clients ask for: \`-subj /CN=${host} -addext subjectAltName=DNS:${host}\`. A Secret for an Ingress is of type kubernetes.io/tls, which \`kubectl create secret tls secure-tls --cert=tls.crt --key=tls.key\` makes.`,
    `\`kubectl create ingress secure --rule='${host}/*=secure:80,tls=secure-tls'\` adds both the rule and the tls section. Test with \`curl -vk --resolve ${host}:30843:$NODE_IP https://${host}:30843/\`.`,
  ],
  setup: startApps(...apps),
  solution: `${certificate(`/CN=${host}`, `-addext subjectAltName=DNS:${host}`)}
${secret}
kubectl create ingress secure --rule='${host}/*=secure:80,tls=secure-tls'
${served}`,
  cleanup: removeApps(apps, ['ingress/secure', 'secret/secure-tls']),
  variants: [
    {
      name: 'an EC key, a wildcard name, the Secret applied as YAML, the Ingress written by hand',
      apply: `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout site.key -out site.crt -subj '/O=Kubelab/CN=example.com' -addext 'subjectAltName=DNS:*.example.com,DNS:example.com' 2>/dev/null
kubectl create secret tls secure-tls --cert=site.crt --key=site.key --dry-run=client -o yaml | kubectl apply -f -
${apply(secureIngress)}
${served}`,
    },
  ],
  nearMisses: [
    {
      name: 'a certificate for example.com, not the host',
      apply: `${certificate('/CN=example.com')}
${secret}
kubectl create ingress secure --rule='${host}/*=secure:80,tls=secure-tls'`,
      failsOn: 'cert-host',
    },
    {
      name: 'a generic Secret holding the same files',
      apply: `${certificate(`/CN=${host}`)}
kubectl create secret generic secure-tls --from-file=tls.crt --from-file=tls.key
kubectl create ingress secure --rule='${host}/*=secure:80,tls=secure-tls'`,
      failsOn: 'secret-type',
    },
    {
      name: 'the Secret made, but the Ingress without a tls section',
      apply: `${certificate(`/CN=${host}`)}
${secret}
kubectl create ingress secure --rule='${host}/*=secure:80'`,
      failsOn: 'tls-host',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const target = await ingress.read(cluster, 'secure');
    const secretName = target?.spec?.tls?.find((t) => t.hosts?.includes(host))?.secretName ?? 'secure-tls';
    const stored = await ingress.readSecret(cluster, secretName);
    const fingerprint = certificateOf(stored).certificate?.fingerprint256;
    const [https] = await ingress.through(cluster, [{ host, https: true, expect: '^secure-', ...(fingerprint ? { expectCertificate: fingerprint } : {}) }], { signal });
    return [
      ingress.exists(target, 'secure'),
      ingress.tlsFor(target, host, 'secure-tls'),
      ingress.tlsSecret(stored, secretName),
      ingress.certificateFor(stored, host),
      ingress.servesCertificate(https, stored, 'secure'),
    ];
  },
});
