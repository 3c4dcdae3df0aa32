/**
 * What the journal must never store: secrets a learner types on a command line. The journal records the command
 * text (from the shell's history, never raw keystrokes, so input typed with echo off never reaches it) and an
 * excerpt of the output; both pass through here before they are stored, and so does a notebook cell's code.
 *
 * Redacted: the value after a flag whose name says it is a secret (`--password`, `--token`, `--client-secret`,
 * `--docker-password`, `--api-key`…), the values of `--from-literal=key=value` and `--from-env-file`-style literals,
 * shell assignments to a name that says it is a secret (`GITHUB_TOKEN=…`, `export DB_PASSWORD=…`), HTTP
 * credentials in headers (`Authorization: Bearer …`) and in URLs (`https://user:pass@host`), and `--user user:pass`.
 * The name stays, so the journal still says what was done: `--password=[REDACTED]`.
 */

export const REDACTED = '[REDACTED]';

/** A flag or variable name that says its value is a secret. */
const SECRET_WORD = String.raw`(?:password|passwd|passphrase|token|secret|api[-_]?key|access[-_]?key|private[-_]?key|credentials?)`;

/** A shell word: quoted (either quote) or bare. Bounded alternatives, no nested quantifiers: linear. */
const WORD = String.raw`(?:"[^"]*"|'[^']*'|[^\s"';|&]+)`;

interface Rule {
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const rules: Rule[] = [
  // --from-literal='key=value with spaces' (kubectl create secret/configmap): keep the key, hide the value.
  {
    pattern: /(--from-literal(?:=|\s+))(["'])([^=\s"']+)=[^"']*\2/gi,
    replace: (_match, flag, quote, key) => `${flag}${quote}${key}=${REDACTED}${quote}`,
  },
  // --from-literal=key=value
  {
    pattern: new RegExp(String.raw`(--from-literal(?:=|\s+))([^=\s"']+)=(?!\[REDACTED\])(${WORD})`, 'gi'),
    replace: (_match, flag, key) => `${flag}${key}=${REDACTED}`,
  },
  // --password=x, --token x, --client-secret "x y", -p=… is too ambiguous to touch.
  {
    pattern: new RegExp(String.raw`(--[\w-]*${SECRET_WORD}[\w-]*)(=|\s+)(${WORD})`, 'gi'),
    replace: (_match, flag, separator) => `${flag}${separator}${REDACTED}`,
  },
  // GITHUB_TOKEN=x, export DB_PASSWORD='x', MY_SECRET_KEY=x.
  {
    pattern: new RegExp(String.raw`\b([A-Za-z_][A-Za-z0-9_]*${SECRET_WORD}[A-Za-z0-9_]*)=(${WORD})`, 'gi'),
    replace: (_match, name) => `${name}=${REDACTED}`,
  },
  // Authorization: Bearer x / Basic x (curl -H, wget --header).
  {
    pattern: /(authorization:\s*(?:bearer|basic|token)?\s*)([^\s"']+)/gi,
    replace: (_match, header) => `${header}${REDACTED}`,
  },
  // https://user:password@host
  {
    pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi,
    replace: (_match, before, _secret, at) => `${before}${REDACTED}${at}`,
  },
  // curl -u user:pass, --user user:pass
  {
    pattern: /((?:\s|^)(?:-u|--user)(?:=|\s+)["']?[^\s:"']+:)([^\s"']+)/gi,
    replace: (_match, before) => `${before}${REDACTED}`,
  },
];

/** `text` with every secret the rules recognise replaced by [REDACTED], and whether anything was. */
export function redactSecrets(text: string): { text: string; redacted: boolean } {
  let result = text;
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    result = result.replace(rule.pattern, rule.replace as (substring: string, ...args: unknown[]) => string);
  }
  return { text: result, redacted: result !== text };
}
