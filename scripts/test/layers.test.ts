/**
 * The package graph, checked as a whole: no relative import leaves its package, each package imports only the
 * packages below it (and lists them as dependencies), and nothing at runtime reaches the setup builder. The
 * layers, bottom up: kit ← checkers ← labs ← lab-runner ← site, e2e; the root's entry points (scripts/) may use
 * anything.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@kubelab/kit/paths';

type Package = 'kit' | 'checkers' | 'labs' | 'lab-runner' | 'site' | 'e2e' | 'root';

const folders: [string, Package][] = [
  ['scripts/lib/', 'kit'],
  ['checkers/', 'checkers'],
  ['labs/', 'labs'],
  ['lab-runner/', 'lab-runner'],
  ['site/', 'site'],
  ['e2e/', 'e2e'],
];

/** What each package may import by name: everything below it, and nothing above. */
const allowed: Record<Package, readonly string[]> = {
  kit: [],
  checkers: ['@kubelab/kit'],
  labs: ['@kubelab/kit', '@kubelab/checkers'],
  'lab-runner': ['@kubelab/kit', '@kubelab/checkers', '@kubelab/labs'],
  // The browser gets the wire contract, the client and the renderer of the output it carries (ansi), never the
  // server's internals; the build and the dev server (astro.config.ts) may use the kit.
  site: ['@kubelab/kit', '@kubelab/checkers', '@kubelab/labs', '@kubelab/lab-runner/client', '@kubelab/lab-runner/api', '@kubelab/lab-runner/protocol', '@kubelab/lab-runner/ansi'],
  e2e: ['@kubelab/kit', '@kubelab/labs', '@kubelab/lab-runner'],
  root: ['@kubelab/kit', '@kubelab/checkers', '@kubelab/labs', '@kubelab/lab-runner'],
};

/** Integration tests of any package may share the lab-runner's real-cluster fixture. */
const testFixture = '@kubelab/lab-runner/testing';

/** The name each package is imported by (a package may import its own public surface by name, as lessons do). */
const packageNames: Partial<Record<Package, string>> = {
  kit: '@kubelab/kit',
  checkers: '@kubelab/checkers',
  labs: '@kubelab/labs',
  'lab-runner': '@kubelab/lab-runner',
};

const isSelf = (own: Package, specifier: string): boolean => {
  const name = packageNames[own];
  return name !== undefined && (specifier === name || specifier.startsWith(`${name}/`));
};

function packageOf(path: string): Package {
  return folders.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'root';
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'generated' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|mts|astro|mjs|js)$/.test(name)) out.push(path);
  }
  return out;
}

interface Import {
  file: string;
  specifier: string;
}

function imports(): Import[] {
  const found: Import[] = [];
  for (const top of ['scripts', 'checkers', 'labs', 'lab-runner', 'site', 'e2e']) {
    for (const path of sourceFiles(join(repoRoot, top))) {
      const text = readFileSync(path, 'utf8');
      for (const match of text.matchAll(/(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
        found.push({ file: relative(repoRoot, path), specifier: (match[1] ?? match[2])! });
      }
    }
  }
  return found;
}

const all = imports();

test('the walk finds the imports it should (a broken walk would pass every rule)', () => {
  assert.ok(all.length > 200, `only ${all.length} imports found`);
  assert.ok(all.some((i) => i.file === 'lab-runner/providers/kind/provider.ts' && i.specifier === '@kubelab/kit/artifacts'));
});

/**
 * The builder (scripts/setup.ts and scripts/setup/) runs before npm has linked the workspaces: it is what installs
 * the host packages and runs npm ci (scripts/node.sh runs it first in a fresh checkout). So it reaches the kit by
 * relative path, and anything else only through a dynamic import() made after that step.
 */
const isBuilder = (file: string): boolean => file === 'scripts/setup.ts' || file.startsWith('scripts/setup/');

test('no relative import leaves its package', () => {
  const crossing = all
    .filter((i) => i.specifier.startsWith('.'))
    .filter((i) => !(isBuilder(i.file) && relative(repoRoot, resolve(repoRoot, dirname(i.file), i.specifier)).startsWith('scripts/lib/')))
    .filter((i) => packageOf(relative(repoRoot, resolve(repoRoot, dirname(i.file), i.specifier))) !== packageOf(i.file))
    .map((i) => `${i.file} → ${i.specifier}`);
  assert.deepEqual(crossing, [], 'import these by package name (@kubelab/...) instead');
});

test('the builder imports no package by name at its top level, so setup runs in a checkout without node_modules', () => {
  const named = all
    .filter((i) => isBuilder(i.file) && i.specifier.startsWith('@kubelab/'))
    .filter((i) => !new RegExp(`await import\\(\\s*['"]${i.specifier}['"]`).test(readFileSync(join(repoRoot, i.file), 'utf8')))
    .map((i) => `${i.file} → ${i.specifier}`);
  assert.deepEqual(named, [], 'use a relative path to scripts/lib, or await import() after the npm step');
});

test('nothing outside the root entry points imports the setup builder', () => {
  const builder = all
    .filter((i) => packageOf(i.file) !== 'root')
    .filter((i) => /(^|\/)scripts\/setup(\/|\.ts$)/.test(i.specifier) || /(^|\/)setup\//.test(i.specifier))
    .map((i) => `${i.file} → ${i.specifier}`);
  assert.deepEqual(builder, [], 'what runtime code needs from setup belongs in @kubelab/kit/artifacts');
});

test('each package imports only the packages below it', () => {
  const upward = all
    .filter((i) => i.specifier.startsWith('@kubelab/'))
    .filter((i) => {
      const own = packageOf(i.file);
      if (i.specifier === testFixture && /\/test\//.test(i.file)) return false;
      if (isSelf(own, i.specifier)) return false;
      return !allowed[own].some((name) => i.specifier === name || i.specifier.startsWith(`${name}/`));
    })
    .map((i) => `${i.file} (${packageOf(i.file)}) → ${i.specifier}`);
  assert.deepEqual(upward, []);
});

test('each package lists the workspaces it imports as dependencies', () => {
  const missing: string[] = [];
  for (const [prefix, name] of [...folders, ['', 'root'] as [string, Package]]) {
    const manifest = JSON.parse(readFileSync(join(repoRoot, prefix, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const listed = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }));
    const used = new Set(
      all
        .filter((i) => packageOf(i.file) === name && i.specifier.startsWith('@kubelab/') && i.specifier !== testFixture && !isSelf(name, i.specifier))
        .map((i) => i.specifier.split('/').slice(0, 2).join('/')),
    );
    for (const dependency of used) if (!listed.has(dependency)) missing.push(`${prefix || './'}package.json lacks ${dependency}`);
  }
  assert.deepEqual(missing, []);
});
