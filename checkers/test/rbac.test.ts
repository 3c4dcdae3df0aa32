import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { certificateUserSubject, describeAction, describeBinding, rbac, serviceAccountSubject, type AccessReview } from '../src/index.ts';

// The RBAC builders judge reviews and requests built by hand here; labs:test proves them against a real API server.

/** A self-signed certificate for CN=jane, O=developers, in base64 as a CSR's status.certificate carries it. */
const janeCertificate = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJvRENDQVVXZ0F3SUJBZ0lVVE1BWmxWMllMRVdvQmc1emc4VVZYRU9QSjJZd0NnWUlLb1pJemowRUF3SXcKSkRFTk1Bc0dBMVVFQXd3RWFtRnVaVEVUTUJFR0ExVUVDZ3dLWkdWMlpXeHZjR1Z5Y3pBZ0Z3MHlOakV5TURjeQpNakl4TXpSYUdBOHlNVEkyTVRFeE16SXlNakV6TkZvd0pERU5NQXNHQTFVRUF3d0VhbUZ1WlRFVE1CRUdBMVVFCkNnd0taR1YyWld4dmNHVnljekJaTUJNR0J5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSEEwSUFCQW5Fd0x3VmlrY1cKY2d2Z255MVJQa0xNNFpRczVVWHBSSFFXaGd0ckhQUUM4dkFoeEdVZUZ2dWxFdVU5TWxMdXRyVUxDbVlUV2EyQgphOUYzeFdqZFFtZWpVekJSTUIwR0ExVWREZ1FXQkJULzROYnJRc1FVTHRaanJlYUFKK2VwM3N3VllqQWZCZ05WCkhTTUVHREFXZ0JULzROYnJRc1FVTHRaanJlYUFKK2VwM3N3VllqQVBCZ05WSFJNQkFmOEVCVEFEQVFIL01Bb0cKQ0NxR1NNNDlCQU1DQTBrQU1FWUNJUUNkTDZRRkhYZXducHNxNjJiOXpOQkwxMkxXRGpqcmFRNU1oQ0FxbXNKdQpZd0loQUptVEtNVUk1Y1orME1wd01qeDlyUTVCMWNjaFNwZmNOcFZmeXF0Zk5QMHoKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=';

function csr(conditions: { type: string; status?: string }[], certificate?: string): V1CertificateSigningRequest {
  return {
    metadata: { name: 'jane' },
    spec: { request: '', signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
    status: { conditions: conditions.map((c) => ({ type: c.type, status: c.status ?? 'True' })), ...(certificate ? { certificate } : {}) },
  };
}

const billing = serviceAccountSubject('shop', 'billing');
const readConfigMaps = { verb: 'get', resource: 'configmaps', namespace: 'shop' };

test('an action reads as kubectl would say it, a subresource and an API group included', () => {
  assert.equal(describeAction({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'dev' }), 'get pods/log in namespace dev');
  assert.equal(describeAction({ verb: 'create', resource: 'deployments', group: 'apps', namespace: 'ci' }), 'create deployments.apps in namespace ci');
  assert.equal(describeAction({ verb: 'list', resource: 'namespaces' }), 'list namespaces (cluster-wide)');
});

test('a denied review names the bindings that almost match, so a User-for-ServiceAccount mix-up is visible', () => {
  const denied: AccessReview = {
    subject: billing,
    action: readConfigMaps,
    allowed: false,
    reason: '',
    nearBindings: ['RoleBinding shop/billing-reads: Role billing-reader → User billing'],
  };
  const criterion = rbac.allowed(denied, { id: 'billing-reads' });
  assert.equal(criterion.id, 'billing-reads');
  assert.equal(criterion.passed, false);
  assert.equal(criterion.description, 'ServiceAccount shop/billing may get configmaps in namespace shop');
  assert.match(criterion.actual ?? "", /^denied; bindings that name billing: RoleBinding shop\/billing-reads: Role billing-reader → User billing$/);
  assert.match(criterion.hint ?? "", /--as=system:serviceaccount:shop:billing/);
  assert.equal(rbac.allowed({ ...denied, nearBindings: [] }).actual, 'denied; no binding names billing');
  // Least privilege is the same review read the other way.
  assert.equal(rbac.denied(denied).passed, true);
  const allowed = { ...denied, allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "everything" of ClusterRole "cluster-admin"', nearBindings: [] };
  assert.equal(rbac.denied(allowed).passed, false);
  assert.match(rbac.denied(allowed).actual ?? "", /cluster-admin/);
  assert.equal(rbac.allowed(allowed).passed, true);
});

test('a certificate user is its CN, its groups the Os, and every authenticated user is in system:authenticated', () => {
  assert.deepEqual(certificateUserSubject('jane', ['developers']), { user: 'jane', groups: ['developers', 'system:authenticated'], label: 'user jane (groups developers)' });
  assert.deepEqual(billing.groups, ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated']);
});

test('a binding reads as one line: where, which role, to whom (a ServiceAccount with its namespace)', () => {
  const line = describeBinding(
    {
      metadata: { name: 'reports-reads', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'billing-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reports', namespace: 'default' }, { kind: 'ServiceAccount', name: 'billing' }],
    },
    'RoleBinding',
  );
  assert.equal(line, 'RoleBinding shop/reports-reads: Role billing-reader → ServiceAccount default/reports, ServiceAccount shop/billing');
});

test('a CSR is issued only once approved and signed; a denied one never is', () => {
  assert.equal(rbac.csrIssued(null).actual, 'no such CertificateSigningRequest');
  assert.equal(rbac.csrIssued(csr([])).actual, 'Pending (not approved), signer kubernetes.io/kube-apiserver-client');
  assert.equal(rbac.csrIssued(csr([])).passed, false);
  assert.equal(rbac.csrIssued(csr([{ type: 'Approved' }])).actual, 'Approved, certificate not issued yet, signer kubernetes.io/kube-apiserver-client');
  assert.equal(rbac.csrIssued(csr([{ type: 'Approved' }], janeCertificate)).passed, true);
  assert.equal(rbac.csrIssued(csr([{ type: 'Denied' }])).actual, 'Denied, signer kubernetes.io/kube-apiserver-client');
  assert.equal(rbac.csrIssued(csr([{ type: 'Approved', status: 'False' }], janeCertificate)).passed, false);
});

test("the certificate's identity is read from the issued certificate, groups compared as a set", () => {
  const issued = csr([{ type: 'Approved' }], janeCertificate);
  assert.equal(rbac.csrIdentity(issued, { commonName: 'jane', organizations: ['developers'] }).passed, true);
  const wrongGroup = rbac.csrIdentity(issued, { commonName: 'jane', organizations: ['admins'] });
  assert.equal(wrongGroup.passed, false);
  assert.equal(wrongGroup.actual, 'CN=jane, O=developers');
  assert.equal(wrongGroup.expected, 'CN=jane, O=admins');
  assert.equal(rbac.csrIdentity(csr([]), { commonName: 'jane', organizations: [] }).passed, false);
  assert.equal(rbac.csrIdentity(csr([{ type: 'Approved' }], Buffer.from('not a certificate').toString('base64')), { commonName: 'jane', organizations: [] }).actual, 'the issued certificate could not be read');
});
