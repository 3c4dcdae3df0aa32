import { X509Certificate } from 'node:crypto';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CertificatesV1Api,
  RbacAuthorizationV1Api,
  type RbacV1Subject,
  type V1CertificateSigningRequest,
  type V1ClusterRoleBinding,
  type V1RoleBinding,
  type V1SubjectAccessReviewStatus,
} from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import type { Criterion } from './types.ts';

export type { V1CertificateSigningRequest, V1ClusterRole, V1ClusterRoleBinding } from '@kubernetes/client-node';

/**
 * RBAC and identity. An RBAC exercise is graded by what the API server's authorizer decides for the identity
 * (a SubjectAccessReview), never by reading Roles and guessing: any set of Roles and bindings that grants exactly
 * the asked-for access passes, however it was written. When access is missing, the explanation lists the
 * bindings that name the identity, since the usual mistake is a binding that almost matches (a User where a
 * ServiceAccount was meant, the wrong namespace). Reviews are created, not stored: a check still changes nothing.
 */

/** Who RBAC sees: a user name and its groups. Users are not objects; they are only names in credentials. */
export interface AccessSubject {
  user: string;
  groups?: string[];
  /** How the learner knows this identity, for the criterion's text ("jane", "ServiceAccount ci/deployer"). */
  label: string;
}

/** One request the authorizer decides: "list pods in dev", "get pods/log in dev", "list namespaces". */
export interface AccessAction {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /** The API group: '' (the default) for the core group, 'apps' for Deployments. */
  group?: string;
}

export interface AccessReview {
  subject: AccessSubject;
  action: AccessAction;
  allowed: boolean;
  /** The authorizer's reason: which binding allowed it. Empty when nothing did. */
  reason: string;
  /** When denied: the bindings that name the identity's user (any subject kind), to show what almost matched. */
  nearBindings: string[];
}

/** An action in words: `list pods in namespace dev`, `create deployments.apps in namespace ci`. */
export function describeAction(action: AccessAction): string {
  const resource = `${action.resource}${action.group ? `.${action.group}` : ''}${action.subresource ? `/${action.subresource}` : ''}`;
  return `${action.verb} ${resource}${action.namespace ? ` in namespace ${action.namespace}` : ' (cluster-wide)'}`;
}

/** A binding's subject in the words `kubectl describe` uses: `ServiceAccount shop/billing`, `User jane`. */
export function describeSubject(subject: RbacV1Subject, bindingNamespace?: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount ${subject.namespace ?? bindingNamespace ?? '?'}/${subject.name}`;
  return `${subject.kind} ${subject.name}`;
}

/** The name a subject has in a request, where a ServiceAccount is `system:serviceaccount:<ns>:<name>`. */
function subjectUserName(subject: RbacV1Subject, bindingNamespace?: string): string {
  return subject.kind === 'ServiceAccount' ? `system:serviceaccount:${subject.namespace ?? bindingNamespace ?? ''}:${subject.name}` : subject.name;
}

/** The short name of an identity ("billing" of system:serviceaccount:shop:billing), to find near-miss bindings. */
function shortName(user: string): string {
  return user.startsWith('system:serviceaccount:') ? user.split(':').at(-1) ?? user : user;
}

/** A binding in one line: `RoleBinding shop/billing-reads: Role billing-reader → User billing`. */
export function describeBinding(binding: V1RoleBinding | V1ClusterRoleBinding, kind: 'RoleBinding' | 'ClusterRoleBinding'): string {
  const namespace = binding.metadata?.namespace;
  const where = kind === 'RoleBinding' ? `${namespace}/${binding.metadata?.name}` : binding.metadata?.name;
  const subjects = (binding.subjects ?? []).map((s) => describeSubject(s, namespace)).join(', ') || 'no subjects';
  return `${kind} ${where}: ${binding.roleRef.kind} ${binding.roleRef.name} → ${subjects}`;
}

/** The Subject a ServiceAccount is in a request (user and groups as the API server sets them). */
export function serviceAccountSubject(namespace: string, name: string): AccessSubject {
  return { ...serviceAccountUser(namespace, name), label: `ServiceAccount ${namespace}/${name}` };
}

/** A user authenticated by a client certificate: CN is the user, each O a group. */
export function certificateUserSubject(user: string, groups: string[] = []): AccessSubject {
  return { user, groups: [...groups, 'system:authenticated'], label: `user ${user}${groups.length ? ` (groups ${groups.join(', ')})` : ''}` };
}

/** The subject fields of an X.509 certificate's distinguished name: `CN=jane\nO=developers`. */
export function certificateSubject(pem: string): { commonName: string | undefined; organizations: string[] } {
  const fields = new X509Certificate(pem).subject.split('\n').map((line) => line.split('=') as [string, string]);
  return {
    commonName: fields.find(([key]) => key === 'CN')?.[1],
    organizations: fields.filter(([key]) => key === 'O').map(([, value]) => value),
  };
}

function csrCondition(csr: V1CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((condition) => condition.type === type && condition.status !== 'False');
}

/** A CSR in a few words: signer, and Pending, Approved, Approved and issued, or Denied. */
export function describeCsr(csr: V1CertificateSigningRequest | null): string {
  if (!csr) return 'no such CertificateSigningRequest';
  const state = csrCondition(csr, 'Denied')
    ? 'Denied'
    : csrCondition(csr, 'Failed')
      ? 'Failed'
      : csrCondition(csr, 'Approved')
        ? csr.status?.certificate
          ? 'Approved, certificate issued'
          : 'Approved, certificate not issued yet'
        : 'Pending (not approved)';
  return `${state}, signer ${csr.spec.signerName}`;
}

function issuedCertificatePem(csr: V1CertificateSigningRequest | null): string | undefined {
  const encoded = csr?.status?.certificate;
  if (!encoded) return undefined;
  // client-node hands the byte field over as it came: base64 of the PEM text.
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The authorizer's answer to one SubjectAccessReview. */
export async function authorizerDecision(
  cluster: CheckContext,
  subject: { user: string; groups?: string[] },
  action: AccessAction,
): Promise<V1SubjectAccessReviewStatus> {
  const authorization = cluster.kubeConfig.makeApiClient(AuthorizationV1Api);
  const review = await authorization.createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: subject.user,
        groups: subject.groups,
        resourceAttributes: {
          verb: action.verb,
          resource: action.resource,
          subresource: action.subresource,
          namespace: action.namespace,
          group: action.group ?? '',
        },
      },
    },
  });
  return review.status ?? { allowed: false };
}

/**
 * Asks the API server whether a subject may do something (a SubjectAccessReview), the way RBAC lessons are
 * graded: by what the authorizer decides, not by reading Roles and guessing.
 */
export async function canI(
  cluster: CheckContext,
  subject: { user: string; groups?: string[] },
  action: { verb: string; resource: string; namespace?: string; group?: string },
): Promise<boolean> {
  const decision = await authorizerDecision(cluster, subject, action);
  return decision.allowed === true && decision.denied !== true;
}

/** The service account user name RBAC sees, for canI(). */
export function serviceAccountUser(namespace: string, name: string): { user: string; groups: string[] } {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

export const rbac = {
  /** Asks the authorizer (a SubjectAccessReview), and on a denial collects the bindings that name the user. */
  async review(cluster: CheckContext, subject: AccessSubject, action: AccessAction): Promise<AccessReview> {
    const result = await authorizerDecision(cluster, subject, action);
    const allowed = result.allowed === true && result.denied !== true;
    return { subject, action, allowed, reason: result.reason ?? '', nearBindings: allowed ? [] : await rbac.bindingsNaming(cluster, subject.user) };
  },

  /**
   * The bindings, in every namespace and cluster-wide, with a subject of the same short name as the user, of any
   * kind: `User billing` is listed for the ServiceAccount shop/billing, since that mistake is why access is missing.
   */
  async bindingsNaming(cluster: CheckContext, user: string): Promise<string[]> {
    const api = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const [roleBindings, clusterRoleBindings] = await Promise.all([api.listRoleBindingForAllNamespaces(), api.listClusterRoleBinding()]);
    const name = shortName(user);
    const names = (binding: V1RoleBinding | V1ClusterRoleBinding) =>
      (binding.subjects ?? []).some((s) => s.name === name || s.name === user || subjectUserName(s, binding.metadata?.namespace) === user);
    return [
      ...roleBindings.items.filter(names).map((b) => describeBinding(b, 'RoleBinding')),
      ...clusterRoleBindings.items.filter(names).map((b) => describeBinding(b, 'ClusterRoleBinding')),
    ];
  },

  /** The identity may do it. Id "allowed" unless overridden. */
  allowed<const Id extends string = 'allowed'>(review: AccessReview, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const near = review.nearBindings.length ? `; bindings that name ${shortName(review.subject.user)}: ${review.nearBindings.join('; ')}` : `; no binding names ${shortName(review.subject.user)}`;
    return buildCriterion(
      {
        id: 'allowed',
        description: `${review.subject.label} may ${describeAction(review.action)}`,
        hint: `Ask the API server as that identity: \`kubectl auth can-i ${review.action.verb} ${review.action.resource}${review.action.subresource ? `/${review.action.subresource}` : ''}${review.action.namespace ? ` -n ${review.action.namespace}` : ''} --as=${review.subject.user}\`. A RoleBinding grants a Role (or a ClusterRole) only in its own namespace, and its subject must name the identity exactly: kind, name, and a ServiceAccount's namespace.`,
      },
      options,
      { passed: review.allowed, expected: 'allowed', actual: review.allowed ? `allowed${review.reason ? ` (${review.reason})` : ''}` : `denied${near}` },
    );
  },

  /** The identity may not do it: least privilege. Id "denied" unless overridden. */
  denied<const Id extends string = 'denied'>(review: AccessReview, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'denied',
        description: `${review.subject.label} may not ${describeAction(review.action)}`,
        hint: 'Grant only what was asked for: a Role (not a ClusterRole bound cluster-wide), the verbs needed, and the resources named. `kubectl auth can-i --list --as=<user> -n <namespace>` lists everything the identity may do.',
      },
      options,
      { passed: !review.allowed, expected: 'denied', actual: review.allowed ? `allowed${review.reason ? ` (${review.reason})` : ''}` : 'denied' },
    );
  },

  readCsr(cluster: CheckContext, name: string): Promise<V1CertificateSigningRequest | null> {
    return getOrNull(() => cluster.kubeConfig.makeApiClient(CertificatesV1Api).readCertificateSigningRequest({ name }));
  },

  /** The CSR exists and asks the given signer. Id "csr" unless overridden. */
  csrSigner<const Id extends string = 'csr'>(csr: V1CertificateSigningRequest | null, name: string, signerName: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'csr',
        description: `A CertificateSigningRequest \`${name}\` asks the signer \`${signerName}\``,
        hint: `Submit the request with \`kind: CertificateSigningRequest\`, \`spec.request\` (the CSR file in base64, on one line), \`signerName: ${signerName}\` and \`usages: [client auth]\`.`,
      },
      options,
      { passed: csr?.spec.signerName === signerName, expected: `signer ${signerName}`, actual: csr ? `signer ${csr.spec.signerName}` : 'no such CertificateSigningRequest' },
    );
  },

  /** An administrator approved it and the signer issued a certificate. Id "issued" unless overridden. */
  csrIssued<const Id extends string = 'issued'>(csr: V1CertificateSigningRequest | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const issued = csr !== null && csrCondition(csr, 'Approved') && !csrCondition(csr, 'Denied') && Boolean(csr.status?.certificate);
    return buildCriterion(
      {
        id: 'issued',
        description: `The request is approved and a certificate issued`,
        hint: `Approve it as an administrator: \`kubectl certificate approve ${csr?.metadata?.name ?? '<name>'}\`. The certificate is then in \`.status.certificate\`.`,
      },
      options,
      { passed: issued, expected: 'Approved, certificate issued', actual: describeCsr(csr) },
    );
  },

  /** The issued certificate names the user (CN) and its groups (O). Id "identity" unless overridden. */
  csrIdentity<const Id extends string = 'identity'>(
    csr: V1CertificateSigningRequest | null,
    wanted: { commonName: string; organizations: string[] },
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const pem = issuedCertificatePem(csr);
    let actual = 'no certificate issued yet: the subject is read from the issued certificate';
    let passed = false;
    if (pem) {
      try {
        const subject = certificateSubject(pem);
        passed = subject.commonName === wanted.commonName && [...subject.organizations].sort().join(',') === [...wanted.organizations].sort().join(',');
        actual = `CN=${subject.commonName ?? '(none)'}${subject.organizations.map((o) => `, O=${o}`).join('') || ', no O'}`;
      } catch {
        actual = 'the issued certificate could not be read';
      }
    }
    return buildCriterion(
      {
        id: 'identity',
        description: `The certificate is for user \`${wanted.commonName}\` in group${wanted.organizations.length === 1 ? '' : 's'} ${wanted.organizations.map((o) => `\`${o}\``).join(', ')}`,
        hint: `The subject comes from your CSR file: \`openssl req -new -key jane.key -subj "/CN=${wanted.commonName}${wanted.organizations.map((o) => `/O=${o}`).join('')}"\`. A certificate cannot be edited: delete the request, make a new one and approve it again.`,
      },
      options,
      { passed, expected: `CN=${wanted.commonName}${wanted.organizations.map((o) => `, O=${o}`).join('')}`, actual },
    );
  },

  /**
   * Whom a bearer token authenticates as (a TokenReview), or why it does not: an expired, malformed or revoked
   * token is an answer, not an error.
   */
  async tokenIdentity(cluster: CheckContext, token: string): Promise<{ user?: string; error?: string }> {
    if (!token.trim()) return { error: 'empty token' };
    const review = await cluster.kubeConfig.makeApiClient(AuthenticationV1Api).createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: token.trim() } },
    });
    if (review.status?.authenticated === true) return { user: review.status.user?.username };
    return { error: review.status?.error || 'the API server does not accept this token' };
  },
};
