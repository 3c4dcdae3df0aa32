import { buildCriterion, config, defineExercise, deletes, secretText } from '@kubelab/labs';

/** A fresh code at every setup, so the only way to it is through the Secret. */
const setup = `if ! kubectl get secret door-code >/dev/null 2>&1; then
  kubectl create secret generic door-code --from-literal=code="door-$RANDOM-$RANDOM"
fi`;

export default defineExercise({
  title: 'Base64 is not encryption',
  hints: [
    '`kubectl get secret door-code -o yaml` shows the data. It looks scrambled, but it is only base64.',
    '`kubectl get secret door-code -o jsonpath=\'{.data.code}\'` prints the encoded value; pipe it through `base64 -d` to read it.',
    'Then `kubectl create configmap door --from-literal=code=<what you decoded>`.',
  ],
  setup,
  solution: `code=$(kubectl get secret door-code -o jsonpath='{.data.code}' | base64 -d)
kubectl create configmap door --from-literal=code="$code"`,
  cleanup: deletes('configmap/door', 'secret/door', 'secret/door-code'),
  variants: [
    {
      name: 'decoded with a go-template into a file (with its newline), then labelled',
      apply: `kubectl get secret door-code -o go-template='{{.data.code | base64decode}}' > code.txt
echo >> code.txt
kubectl create configmap door --from-file=code=code.txt
kubectl label configmap door opened=yes`,
    },
  ],
  nearMisses: [
    {
      name: 'the base64 text copied without decoding',
      apply: `kubectl create configmap door --from-literal=code="$(kubectl get secret door-code -o jsonpath='{.data.code}')"`,
      failsOn: 'decoded',
    },
    {
      name: 'the code under the key door-code',
      apply: `kubectl create configmap door --from-literal=door-code="$(kubectl get secret door-code -o jsonpath='{.data.code}' | base64 -d)"`,
      failsOn: 'decoded',
    },
    {
      name: 'a Secret named door instead of a ConfigMap',
      apply: `kubectl create secret generic door --from-literal=code="$(kubectl get secret door-code -o jsonpath='{.data.code}' | base64 -d)"`,
      failsOn: 'configmap',
    },
  ],
  check: async (cluster) => {
    const secret = await config.readSecret(cluster, 'door-code');
    const door = await config.readConfigMap(cluster, 'door');
    const code = secretText(secret, 'code')?.trim();
    const written = door?.data?.code;
    const copiedEncoded = written !== undefined && secret?.data?.code !== undefined && written.trim() === secret.data.code;
    return [
      buildCriterion(
        {
          id: 'configmap',
          description: 'A ConfigMap named `door` exists',
          hint: 'A ConfigMap, not a Secret: the point is that the code is readable by anyone once decoded. `kubectl create configmap door --from-literal=code=…`.',
        },
        {},
        { passed: door !== null, expected: 'configmap/door', actual: door ? 'configmap/door' : 'no ConfigMap named `door`' },
      ),
      buildCriterion(
        {
          id: 'decoded',
          description: 'The ConfigMap\'s key `code` holds the code from the Secret `door-code`, decoded',
          hint: copiedEncoded
            ? 'That is still the base64 text. Decode it: `kubectl get secret door-code -o jsonpath=\'{.data.code}\' | base64 -d`.'
            : 'Decode the Secret with `base64 -d` and store the result under the key `code` (key names are case-sensitive).',
        },
        {},
        {
          passed: code !== undefined && code !== '' && written?.trim() === code,
          expected: 'code = the decoded code (it starts with `door-`)',
          actual: !door
            ? 'no ConfigMap'
            : written === undefined
              ? `no key \`code\` (keys: ${Object.keys(door.data ?? {}).join(', ') || 'none'})`
              : copiedEncoded
                ? `code = \`${written.trim()}\`, the base64 text itself`
                : `code = \`${written.trim().slice(0, 60)}\``,
        },
      ),
    ];
  },
});
