/** The lab-runner's HTTP API, same origin (/api). Errors come back as ApiError with the server's code and hint. */

export type SessionState = 'provisioning' | 'ready' | 'failed' | 'ended';

export type { Step } from '@kubelab/lab-runner/api';
import type { Step } from '@kubelab/lab-runner/api';

// The result shapes are the checkers' own: one definition from the grader to the card that shows it.
export type { CheckResult, Criterion } from '@kubelab/checkers';
import type { CheckResult } from '@kubelab/checkers';

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
}

export interface SessionSummary {
  id: string;
  lesson: string;
  state: SessionState;
  profile?: 'single' | 'multi';
  nodes?: { name: string; role: string }[];
  steps?: Step[];
  results?: Record<string, CheckResult>;
  error?: ErrorBody;
}

export interface Credentials {
  id: string;
  token: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;
  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.hint = body.hint;
  }
}

async function request<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
  } catch (error) {
    throw new ApiError(0, {
      code: 'E_NETWORK',
      message: 'The lab server did not answer.',
      hint: 'Check that Kubelab is still running (npm start), then try again.',
    });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const error = (data as { error?: ErrorBody } | undefined)?.error;
    throw new ApiError(
      response.status,
      error ?? { code: `E_HTTP_${response.status}`, message: `The lab server answered ${response.status} ${response.statusText}.` },
    );
  }
  return data as T;
}

const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export const api = {
  createSession: (lesson: string) =>
    request<{ id: string; token: string; lesson: string; state: SessionState }>('POST', '/api/sessions', { body: { lesson } }),
  getSession: (c: Credentials) => request<SessionSummary>('GET', sessionPath(c.id), { token: c.token }),
  deleteSession: (c: Credentials) => request<void>('DELETE', sessionPath(c.id), { token: c.token }),
  resetSession: (c: Credentials) => request<{ state: SessionState }>('POST', `${sessionPath(c.id)}/reset`, { token: c.token, body: {} }),
  check: (c: Credentials, exercise: string) =>
    request<CheckResult>('POST', `${sessionPath(c.id)}/exercises/${encodeURIComponent(exercise)}/check`, { token: c.token, body: {} }),
  resetExercise: (c: Credentials, exercise: string) =>
    request<{ exercise: string; reset: boolean }>('POST', `${sessionPath(c.id)}/exercises/${encodeURIComponent(exercise)}/reset`, {
      token: c.token,
      body: {},
    }),
  eventsUrl: (c: Credentials) => `${sessionPath(c.id)}/events?token=${encodeURIComponent(c.token)}`,
  terminalUrl: (c: Credentials) => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}${sessionPath(c.id)}/terminal?token=${encodeURIComponent(c.token)}`;
  },
};
