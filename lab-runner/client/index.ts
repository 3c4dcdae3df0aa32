/**
 * The one client of the lab-runner: HTTP (typed by the API's schemas), the provisioning events and the terminal
 * protocol. DOM-free: the site, the tests, the bench and the e2e fixtures all use it.
 */
export { ApiError, LabApi, type ClientErrorCode, type ClientErrorDetail, type Credentials, type LabApiOptions } from './http.ts';
export { followAutoCheck, followSessionEvents, type AutoCheckEnd, type AutoCheckHandlers, type SessionEventHandlers, type StreamEnd } from './events.ts';
export { TerminalClient, backoffMs, type ConnectionState, type TerminalClientHandlers } from './terminal.ts';
export type {
  CheckResult,
  CreatedSession,
  Criterion,
  ErrorDetail,
  LessonList,
  Lifetime,
  Profile,
  SessionState,
  SessionSummary,
  Step,
} from '../schemas/api.ts';
