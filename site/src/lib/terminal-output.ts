/**
 * A command's or a cell's output on the page: its ANSI colours drawn by the lab-runner's safe converter (it
 * escapes everything and writes only its own spans), long output clamped to its first lines behind "Show all",
 * and a visible marker when the server kept only the start of it. Used under code blocks (cells) and in the
 * Notebook tab; styled by terminal-output.css, beside this file.
 */
import { ansiToHtml, stripAnsi } from '@kubelab/lab-runner/ansi';
import './terminal-output.css';

export interface TerminalOutputOptions {
  /** The output as the server keeps it, escape sequences and all. */
  text: string;
  /** Show this many lines until the learner asks for all of them. */
  previewLines: number;
  /** Shown under the output when the server cut it, e.g. "Output cut: only its first 16 KiB are kept." */
  cutNote?: string | undefined;
}

let outputs = 0;

/** How many lines the output shows as text (a trailing newline does not start another). */
export function lineCount(text: string): number {
  const plain = stripAnsi(text.replaceAll('\r\n', '\n')).replace(/\n+$/, '');
  return plain === '' ? 0 : plain.split('\n').length;
}

export function terminalOutput({ text, previewLines, cutNote }: TerminalOutputOptions): HTMLElement {
  const box = document.createElement('div');
  box.className = 'kl-output';
  const lines = lineCount(text);
  const pre = document.createElement('pre');
  pre.className = 'kl-output__text';
  pre.id = `kl-output-${++outputs}`;
  if (lines === 0) {
    pre.classList.add('kl-output__text--empty');
    pre.textContent = '(no output)';
  } else {
    pre.innerHTML = ansiToHtml(text.replaceAll('\r\n', '\n').replace(/\n+$/, ''));
  }
  box.append(pre);
  if (lines > previewLines) {
    pre.dataset['clamped'] = '';
    pre.style.setProperty('--kl-output-lines', String(previewLines));
    const more = document.createElement('button');
    more.type = 'button';
    more.className = 'kl-output__more';
    more.setAttribute('aria-controls', pre.id);
    more.setAttribute('aria-expanded', 'false');
    const showAll = `Show all ${lines} lines`;
    more.textContent = showAll;
    more.addEventListener('click', () => {
      const expand = pre.hasAttribute('data-clamped');
      pre.toggleAttribute('data-clamped', !expand);
      more.setAttribute('aria-expanded', String(expand));
      more.textContent = expand ? `Show the first ${previewLines} lines` : showAll;
    });
    box.append(more);
  }
  if (cutNote) {
    const cut = document.createElement('p');
    cut.className = 'kl-output__cut';
    cut.dataset['truncated'] = '';
    const mark = document.createElement('span');
    mark.setAttribute('aria-hidden', 'true');
    mark.textContent = '✂ ';
    cut.append(mark, cutNote);
    box.append(cut);
  }
  return box;
}
