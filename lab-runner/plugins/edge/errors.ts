import { KubelabError } from '@kubelab/kit/errors';
import { withStatus } from '../errors.ts';

/** The HTTP edge's errors: who may talk to the lab server, and how much. */
export const edgeErrors = {
  badHost: (host: string | undefined, openAt: string) =>
    new KubelabError('E_BAD_HOST', `this lab server does not answer to the name ${JSON.stringify(shorten(host ?? ''))}`, {
      hint: `Open it at ${openAt}/. A workshop host sets KUBELAB_PUBLIC_HOST to the name learners use.`,
    }),
  badOrigin: (origin: string, openAt: string) =>
    new KubelabError('E_BAD_ORIGIN', `a page of another site (${shorten(origin)}) may not use this lab server`, {
      hint: `Use the lab from its own pages, at ${openAt}/.`,
    }),
  /** 401 without a launch token, 403 with a wrong one. */
  launchRequired: (given: boolean) =>
    withStatus(
      new KubelabError('E_LAUNCH_REQUIRED', given ? 'the launch token is not this lab server’s' : 'starting a lab needs the launch token', {
        hint:
          'Open the link `npm start` printed in its terminal (http://localhost:4321/?launch=…): it lets this browser start labs. ' +
          'In a workshop, the host gives you that link. API clients send "Authorization: Bearer <launch token>".',
      }),
      given ? 403 : 401,
    ),
  rateLimited: (retryAfterSeconds: number, what: string) =>
    new KubelabError('E_RATE_LIMITED', `too many ${what}`, {
      hint: `Wait ${retryAfterSeconds} s (Retry-After), then try again.`,
    }),
};

/** An attacker's header goes into a message only in part. */
const shorten = (text: string): string => (text.length > 100 ? `${text.slice(0, 100)}…` : text);
