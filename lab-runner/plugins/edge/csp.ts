import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Content-Security-Policy of every response. What the built site needs, and why:
 *
 * - Scripts: the site's own files, plus the few inline scripts Astro and Starlight write into every page (the
 *   theme picker, the search shortcut, the sidebar state). Those are allowed by their SHA-256 hashes, computed
 *   at startup from the built HTML, not by 'unsafe-inline': an injected <script> (a lesson's markup, a
 *   dependency's bug) does not run. 'wasm-unsafe-eval' lets Pagefind, the site search, compile its WebAssembly
 *   index; it allows no JavaScript eval.
 * - Styles: 'unsafe-inline'. Expressive Code colours each token with a style attribute, xterm.js writes its theme
 *   into <style> elements at runtime, and hashes cannot cover style attributes. A style runs no code.
 * - Images: the site's own, and the data: SVG icons in Starlight's and Expressive Code's CSS.
 * - Connections: this origin, and its WebSocket twin (ws: or wss: on the same host) for the terminal, written
 *   out for browsers whose 'self' does not cover WebSocket schemes yet.
 * - Nothing may frame the site, load plugins, change the base URL, or post forms elsewhere.
 */
export function contentSecurityPolicy(scriptHashes: readonly string[], webSocketOrigin: string | undefined): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${scriptHashes.map((hash) => ` '${hash}'`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self'${webSocketOrigin ? ` ${webSocketOrigin}` : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The CSP hashes ('sha256-…') of every inline <script> of the built site's pages, each once, in a stable order. */
export function inlineScriptHashes(siteDir: string): string[] {
  const hashes = new Set<string>();
  for (const file of htmlFiles(siteDir)) {
    for (const script of inlineScripts(readFileSync(file, 'utf8'))) hashes.add(`sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}`);
  }
  return [...hashes].sort();
}

/** The text of each <script> without a src attribute, exactly as the browser hashes it. */
export function inlineScripts(html: string): string[] {
  const scripts: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\ssrc\s*=/i.test(` ${match[1] ?? ''}`)) continue;
    scripts.push(match[2] ?? '');
  }
  return scripts;
}

function htmlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) htmlFiles(path, out);
    else if (entry.name.endsWith('.html')) out.push(path);
  }
  return out;
}
