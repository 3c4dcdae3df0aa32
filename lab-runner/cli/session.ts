/**
 * `npx kubelab session list|end <id>`: the host's view of a running lab server. It finds the server of the data
 * directory ($KUBELAB_DATA_DIR, as the server itself reads it) through its lock file (pid, port, the address a
 * local client uses, and its TLS certificate's fingerprint), reads the admin token the server keeps there (0600,
 * only its user can), and calls GET and DELETE /api/admin/sessions. Over HTTPS the certificate must be the one the
 * lock names: the token is sent to no other.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import tls from 'node:tls';
import { KubelabError } from '@kubelab/kit/errors';
import { dataDirOf } from '@kubelab/kit/paths';
import { adminTokenFile } from '../plugins/admin.ts';
import type { AdminSession, AdminSessionList, ErrorBody } from '../schemas/api.ts';
import { DataDirLock, type LockOwner } from '../store/lock.ts';

export interface SessionCommandOptions {
  command: string | undefined;
  id: string | undefined;
  json: boolean;
}

interface Server {
  dataDir: string;
  owner: LockOwner & { address: string };
  token: string;
}

/** The running lab server of the data directory the environment names, and its admin token. */
export function findServer(env: NodeJS.ProcessEnv = process.env): Server {
  const dataDir = dataDirOf(env);
  const owner = DataDirLock.running(dataDir);
  if (!owner || !owner.address) {
    throw new KubelabError('E_NOT_FOUND', `no lab server is running on the data directory ${dataDir}`, {
      hint: 'Start it (npm start), or set KUBELAB_DATA_DIR to the data directory of the server you mean.',
    });
  }
  let token: string;
  try {
    token = readFileSync(adminTokenFile(dataDir), 'utf8').trim();
  } catch (error) {
    throw new KubelabError('E_ADMIN_TOKEN', `cannot read the admin token of the lab server on ${dataDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'Run this as the user the lab server runs as (the token file is readable by that user only), while the server is running.',
      cause: error,
    });
  }
  return { dataDir, owner: { ...owner, address: owner.address }, token };
}

/** Opens a connection to the server; over TLS, only to the certificate its lock file names. */
async function connect(owner: Server['owner']): Promise<net.Socket> {
  if (!owner.tlsFingerprint) {
    const socket = net.connect({ host: owner.address, port: owner.port });
    await once(socket, 'connect');
    return socket;
  }
  // A self-signed certificate, or one for the public name: the chain is not what is checked, the fingerprint is,
  // before a byte of the request (and its token) is written.
  const socket = tls.connect({ host: owner.address, port: owner.port, rejectUnauthorized: false, ...(net.isIP(owner.address) ? {} : { servername: owner.address }) });
  await once(socket, 'secureConnect');
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  if (fingerprint !== owner.tlsFingerprint) {
    socket.destroy();
    throw new KubelabError('E_ADMIN_TOKEN', `the server at ${owner.address}:${owner.port} shows another TLS certificate (${fingerprint}) than the lab server's (${owner.tlsFingerprint})`, {
      hint: 'Something else answers on that port: the admin token was not sent. Check what listens there (ss -ltnp).',
    });
  }
  return socket;
}

/** One admin request: its status and JSON body. */
export async function adminRequest(server: Server, method: 'GET' | 'DELETE', path: string): Promise<{ status: number; body: unknown }> {
  let socket: net.Socket;
  try {
    socket = await connect(server.owner);
  } catch (error) {
    if (error instanceof KubelabError) throw error;
    throw new KubelabError('E_NOT_FOUND', `the lab server on ${server.dataDir} does not answer at ${server.owner.address}:${server.owner.port}: ${(error as Error).message}`, {
      hint: 'It may be stopping or starting: try again in a moment.',
      cause: error,
    });
  }
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        createConnection: () => socket,
        method,
        path,
        // A loopback name the server always answers to, on its port.
        headers: { host: `localhost:${server.owner.port}`, authorization: `Bearer ${server.token}`, accept: 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          socket.destroy();
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = text;
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function failed(status: number, body: unknown): KubelabError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  if (error?.code) return new KubelabError(error.code, error.message, error.hint ? { hint: error.hint } : {});
  return new KubelabError('E_INTERNAL', `the lab server answered ${status}`);
}

/** "3 min ago", "in 2 h 5 min": a time relative to now, to the minute. */
export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  const size = Math.abs(minutes);
  const words = size < 1 ? 'now' : size < 60 ? `${size} min` : `${Math.floor(size / 60)} h${size % 60 ? ` ${size % 60} min` : ''}`;
  if (words === 'now') return 'now';
  return minutes < 0 ? `${words} ago` : `in ${words}`;
}

/** The table `session list` prints: one line per lab, columns separated by two spaces. */
export function sessionTable(list: AdminSessionList, now = Date.now()): string[] {
  const header = ['ID', 'LESSON', 'STATE', 'CLUSTER', 'STARTED', 'LAST ACTIVITY', 'ENDS'];
  const ends = (s: AdminSession): string => {
    const times = [s.expiresAt, s.idleEndsAt].filter((t): t is string => t !== undefined).sort();
    return times[0] ? `${relativeTime(times[0], now)}${times[0] === s.idleEndsAt ? ' (idle)' : ''}` : 'never';
  };
  const rows = list.sessions.map((s) => [s.id, s.lesson, s.error ? `${s.state} (${s.error.code})` : s.state, s.cluster, relativeTime(s.createdAt, now), relativeTime(s.lastActivityAt, now), ends(s)]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/** Runs `session list` or `session end <id>`; returns the exit code. */
export async function sessionCommand(options: SessionCommandOptions, out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (options.command !== 'list' && options.command !== 'end') {
    throw new KubelabError('E_USAGE', `unknown session command "${options.command ?? ''}"`, { hint: 'Use `npx kubelab session list` or `npx kubelab session end <id>`.' });
  }
  if (options.command === 'end' && !options.id) {
    throw new KubelabError('E_USAGE', '`kubelab session end` needs a session id', { hint: 'The ids are in the first column of `npx kubelab session list`.' });
  }
  const server = findServer(env);
  if (options.command === 'list') {
    const { status, body } = await adminRequest(server, 'GET', '/api/admin/sessions');
    if (status !== 200) throw failed(status, body);
    const list = body as AdminSessionList;
    if (options.json) {
      out(JSON.stringify(list, null, 2));
      return 0;
    }
    out(`Lab server on ${server.dataDir} (${list.profile}, pid ${server.owner.pid}, port ${server.owner.port}): ${list.sessions.filter((s) => s.state !== 'failed').length} of ${list.capacity} lab(s) hold a cluster.`);
    if (list.sessions.length === 0) out('No labs are running.');
    else for (const line of sessionTable(list)) out(line);
    return 0;
  }
  const id = options.id!;
  const { status, body } = await adminRequest(server, 'DELETE', `/api/admin/sessions/${encodeURIComponent(id)}`);
  if (status !== 204) throw failed(status, body);
  out(`Ended lab ${id}: its cluster is deleted, and its learner is told the host ended it (the check history is kept).`);
  return 0;
}
