export { CheckResultSchema, CriterionSchema, type CheckResult, type Criterion } from './types.ts';
export { contextFromKubeconfig, getOrNull, type CheckContext } from './context.ts';
export { maxCriterionTextBytes, runCheck, truncateText } from './check.ts';
export { normalizeImage, sameImage } from './images.ts';
export { matchesLabelSelector, requirementHolds } from './selectors.ts';
export { buildCriterion, logIncludes, type CriterionOptions } from './criteria.ts';
export { eventually, getThroughServiceProxy } from './queries.ts';
export { httpEachScript, httpFromPod, httpFromPodEach, lookupFromPod, parseHttpProbe, parseHttpProbes, probeImage, probeLabel, probeNamespace, runProbe, shellQuote, type HttpProbe, type HttpProbeEach, type LookupProbe, type ProbeOrigin, type ProbeResult } from './probe.ts';
export { describePodState, formatLabels, maxLogBytes, pod, podExists, podLog, podRunningAndReady, readPod } from './pods.ts';
export { firstNode, isMirrorPod, kubeletConfig, mirrorAnnotation, mirrorPodName, mirrorPods, node, readNode } from './nodes.ts';
export { api, discoverResource, preferredGroupVersion, readCrd, readCustomObject, valueAt, type AnyObject, type ObjectCondition } from './api.ts';
export { deployment, describeRollout, endpointSlicesOf, formatSelector, getFromService, podsLabelled, readDeployment, readReplicationController, readService, readyAddresses, replicaSetsOf, replicationController, resolveIntOrPercent, revisionAnnotation, revisionOf, service } from './deployments.ts';
export { cronJob, daemonSet, describeJob, expandCron, headlessService, job, podsControlledBy, statefulSet, type V1CronJob, type V1DaemonSet, type V1StatefulSet } from './controllers.ts';
export { clusterNodes, describePlacement, disruptionBudget, formatTaint, isControlPlane, listDisruptionBudgets, listNodes, matchesNodeSelectorTerm, nodeMeetsPodRequirements, placement, podsSelectedBy, toleratesTaint, type V1PodDisruptionBudget } from './scheduling.ts';
export { config, describeOrigin, environmentOf, fileOrigin, readConfigMap, readReferencedObjects, readSecret, referencedNames, secretText, serviceAnswer, serviceBackends, type ConfigOrigin, type ReferencedObjects, type ServiceAnswer, type ServicePortBackends, type WantedOrigin } from './config.ts';
export { formatResources, limitRangeDefaults, listLimitRanges, namespaces, parseQuantity, readNamespace, readResourceQuota, resourcesOf, sameQuantity, type ContainerResources, type V1LimitRange, type V1ResourceQuota } from './namespaces.ts';
export * from './services.ts';
export * from './cluster-network.ts';
export * from './network-policy.ts';
export * from './ingress.ts';
/** The Kubernetes object types authors build manifests and read results with (`apply(pod: V1Pod)`). */
export type {
  KubernetesObject,
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1Ingress,
  V1Job,
  V1Namespace,
  V1NetworkPolicy,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
export * from './storage.ts';
export * from './rbac.ts';
