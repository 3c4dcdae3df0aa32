import { defineExercise, rbac } from '@kubelab/labs';

const signer = 'kubernetes.io/kube-apiserver-client';

/** The request for a key made by an earlier line; `$(…)` puts the CSR file in, as base64 on one line. */
const submit = (signerName = signer) => `kubectl apply -f - <<EOF
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: jane
spec:
  request: $(base64 -w0 < jane.csr)
  signerName: ${signerName}
  expirationSeconds: 86400
  usages: [client auth]
EOF`;

/** The signer issues within a second of the approval; the learner's next command would wait just as long. */
const issued = `for i in $(seq 1 30); do [ -n "$(kubectl get csr jane -o jsonpath='{.status.certificate}')" ] && break; sleep 1; done`;

export default defineExercise({
  title: 'A user from a certificate',
  hints: [
    'Three steps: a private key and a CSR file with `openssl` (the subject says who: `/CN=jane/O=developers`), a `CertificateSigningRequest` object that carries the file, and its approval with `kubectl certificate approve jane`.',
    'The object needs `spec.request: $(base64 -w0 < jane.csr)`, `signerName: kubernetes.io/kube-apiserver-client` (the signer whose certificates the API server accepts from clients) and `usages: [client auth]`.',
    '`kubectl get csr jane` shows `Approved,Issued` once it is done. A certificate cannot be changed: for another subject, delete the request (`kubectl delete csr jane`), make a new CSR file and submit it again.',
  ],
  solution: `openssl genrsa -out jane.key 2048
openssl req -new -key jane.key -subj "/CN=jane/O=developers" -out jane.csr
${submit()}
kubectl certificate approve jane
${issued}
kubectl get csr jane -o jsonpath='{.status.certificate}' | base64 -d > jane.crt
kubectl config set-credentials jane --client-certificate=jane.crt --client-key=jane.key --embed-certs
kubectl config set-context jane --cluster="$(kubectl config view --minify -o jsonpath='{.clusters[0].name}')" --user=jane
kubectl --context jane auth whoami`,
  cleanup: 'kubectl delete csr jane --ignore-not-found',
  variants: [
    {
      name: 'an elliptic-curve key made with the CSR in one openssl command, and the request approved by the approval subresource',
      apply: `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout jane.key -subj "/O=developers/CN=jane" -out jane.csr
${submit()}
kubectl get csr jane -o json | jq '.status.conditions = [{"type":"Approved","status":"True","reason":"ByHand","message":"approved with the subresource"}]' | kubectl replace --raw /apis/certificates.k8s.io/v1/certificatesigningrequests/jane/approval -f - >/dev/null
${issued}`,
    },
  ],
  nearMisses: [
    {
      name: 'the request submitted but never approved',
      apply: `openssl req -new -newkey rsa:2048 -nodes -keyout jane.key -subj "/CN=jane/O=developers" -out jane.csr
${submit()}`,
      failsOn: 'issued',
    },
    {
      name: 'the CSR file without the group: CN=jane only',
      apply: `openssl req -new -newkey rsa:2048 -nodes -keyout jane.key -subj "/CN=jane" -out jane.csr
${submit()}
kubectl certificate approve jane
${issued}`,
      failsOn: 'identity',
    },
    {
      name: 'a signer name of its own: approved, and nobody signs it',
      apply: `openssl req -new -newkey rsa:2048 -nodes -keyout jane.key -subj "/CN=jane/O=developers" -out jane.csr
${submit('example.com/jane-signer')}
kubectl certificate approve jane`,
      failsOn: 'csr',
    },
  ],
  check: async (cluster) => {
    const csr = await rbac.readCsr(cluster, 'jane');
    return [
      rbac.csrSigner(csr, 'jane', signer),
      rbac.csrIssued(csr),
      rbac.csrIdentity(csr, { commonName: 'jane', organizations: ['developers'] }),
    ];
  },
});
