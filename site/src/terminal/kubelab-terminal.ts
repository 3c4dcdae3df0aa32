/**
 * <kubelab-terminal>: xterm.js on the lab session's shell. This module is imported only when a lab starts
 * (it pulls in xterm and its addons), so lesson pages stay light.
 *
 *   element.connect(url)       open the WebSocket (the lab controller calls it once the lab is ready)
 *   element.runCommand(text)   type a command and press Enter
 *   element.pasteCommand(text) put a command at the prompt without running it (Re-run in the Notebook)
 *   element.disconnect()       close it (lab ended or recreated)
 *   attribute screen-reader    turns on xterm's screen-reader mode
 *   attribute data-state       connecting | connected | reconnecting | closed | replaced | session-ended | idle
 *   event statuschange         detail: TerminalStatus
 *
 * The terminal fits its pane (sending RESIZE), makes links clickable, follows Starlight's light/dark theme,
 * copies with Ctrl+Shift+C (Ctrl+Shift+V and the browser's paste work too), and says in words when the shell
 * ended, when another tab took it over, and while it reconnects.
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import './kubelab-terminal.css';
import { TerminalClient, type ConnectionState } from '@kubelab/lab-runner/client';
import { currentTheme } from './themes.ts';

export type TerminalStatus = ConnectionState;

const FONT = 'ui-monospace, "Cascadia Mono", "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace';

export class KubelabTerminal extends HTMLElement {
  static observedAttributes = ['screen-reader'];

  #term: Terminal | undefined;
  #fit: FitAddon | undefined;
  #client: TerminalClient | undefined;
  #url: string | undefined;
  #host: HTMLDivElement | undefined;
  #status: HTMLDivElement | undefined;
  #cleanup: (() => void)[] = [];
  #fitFrame = 0;

  connectedCallback(): void {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'group');
    if (!this.hasAttribute('aria-label')) this.setAttribute('aria-label', 'Terminal');
    if (!this.dataset['state']) this.dataset['state'] = 'idle';
  }

  disconnectedCallback(): void {
    this.disconnect();
    this.#disposeTerm();
  }

  attributeChangedCallback(name: string): void {
    if (name === 'screen-reader' && this.#term) this.#term.options.screenReaderMode = this.hasAttribute('screen-reader');
  }

  /** Opens (or reopens) the terminal connection. */
  connect(url: string): void {
    this.#ensureTerm();
    if (this.#client && this.#url === url) {
      this.#client.reconnectNow();
      return;
    }
    this.#client?.dispose();
    this.#url = url;
    const term = this.#term!;
    this.#client = new TerminalClient(url, {
      onOpen: () => {
        term.reset(); // the server replays recent output next
      },
      onOutput: (data, rendered) => term.write(data, rendered),
      onState: (state) => this.#onState(state),
      onServerError: (code, message) => this.#showStatus(`The terminal server refused a message (${code}): ${message}`),
      size: () => ({ cols: term.cols, rows: term.rows }),
    });
  }

  disconnect(): void {
    this.#client?.dispose();
    this.#client = undefined;
    this.#url = undefined;
    this.dataset['state'] = 'idle';
    this.#showStatus(undefined);
  }

  /** Types the command (lines become Enter presses) and presses Enter. False if not connected. */
  runCommand(command: string): boolean {
    const text = command.replace(/\r?\n/g, '\r').replace(/\r+$/, '');
    return this.#client?.sendInput(`${text}\r`) ?? false;
  }

  /**
   * Whether pasting leaves the command at the prompt: a single line does, and several lines do while the shell
   * has bracketed paste on (bash 5.1 and later hold a bracketed paste until Enter); otherwise each newline runs.
   */
  canPasteWithoutRunning(command: string): boolean {
    if (!this.#term || this.dataset['state'] !== 'connected') return false;
    return !/[\r\n]/.test(command.trim()) || this.#term.modes.bracketedPasteMode;
  }

  /** Pastes the command at the prompt (as Ctrl+Shift+V would), without Enter. False if not connected. */
  pasteCommand(command: string): boolean {
    if (!this.#term || this.dataset['state'] !== 'connected') return false;
    this.#term.paste(command.trim());
    return true;
  }

  focusTerminal(): void {
    this.#term?.focus();
  }

  /** Everything in the terminal's buffer as text (for tests and for copying the whole session). */
  getText(): string {
    const buffer = this.#term?.buffer.active;
    if (!buffer) return '';
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n').replace(/\n+$/, '');
  }

  /** Fits the terminal to its pane now (the lab panel calls it after a layout change). */
  fit(): void {
    cancelAnimationFrame(this.#fitFrame);
    this.#fitFrame = requestAnimationFrame(() => {
      if (!this.#fit || !this.#host || this.#host.clientWidth === 0 || this.#host.clientHeight === 0) return;
      try {
        this.#fit.fit();
      } catch {
        /* not laid out yet */
      }
    });
  }

  #ensureTerm(): void {
    if (this.#term) return;
    this.replaceChildren();
    const status = document.createElement('div');
    status.className = 'kl-terminal__status';
    status.setAttribute('role', 'status');
    status.hidden = true;
    const host = document.createElement('div');
    host.className = 'kl-terminal__screen';
    this.append(status, host);
    this.#status = status;
    this.#host = host;

    const term = new Terminal({
      fontFamily: FONT,
      fontSize: 14,
      lineHeight: 1.15,
      // A steady cursor, as VS Code's terminal has by default. xterm blinks with an infinite CSS animation of the
      // cursor's colours, which the browser restyles and repaints on every frame while the terminal has focus: in
      // e2e's chromium that was about a third of a core per open lab, for as long as it stayed open.
      cursorBlink: false,
      scrollback: 5000,
      theme: currentTheme(),
      screenReaderMode: this.hasAttribute('screen-reader'),
      allowProposedApi: false,
      macOptionIsMeta: true,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(
      new WebLinksAddon((event, uri) => {
        event.preventDefault();
        window.open(uri, '_blank', 'noopener,noreferrer');
      }),
    );
    term.open(host);
    this.#term = term;
    this.#fit = fit;

    term.attachCustomKeyEventHandler((event) => {
      // Tab completes in the shell, so Shift+Tab is the way out of the terminal for keyboard users.
      if (event.key === 'Tab' && event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
        if (event.type === 'keydown') {
          event.preventDefault();
          this.#focusPrevious();
        }
        return false;
      }
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      const key = event.key.toLowerCase();
      if (key === 'c') {
        if (term.hasSelection()) void navigator.clipboard?.writeText(term.getSelection()).catch(() => undefined);
        return false;
      }
      if (key === 'v') return false; // let the browser's paste event reach xterm
      return true;
    });

    const input = term.onData((data) => this.#client?.sendInput(data));
    const binary = term.onBinary((data) => this.#client?.sendInput(data));
    const resized = term.onResize(({ cols, rows }) => this.#client?.resize(cols, rows));
    const observer = new ResizeObserver(() => this.fit());
    observer.observe(host);
    const themeObserver = new MutationObserver(() => {
      term.options.theme = currentTheme();
    });
    themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    this.#cleanup.push(
      () => input.dispose(),
      () => binary.dispose(),
      () => resized.dispose(),
      () => observer.disconnect(),
      () => themeObserver.disconnect(),
    );
    this.fit();
  }

  /** Moves focus to the focusable element before the terminal, in document order. */
  #focusPrevious(): void {
    const focusable = [
      ...document.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])'),
    ].filter((el) => !this.contains(el) && el.offsetParent !== null);
    const before = focusable.filter((el) => el.compareDocumentPosition(this) & Node.DOCUMENT_POSITION_FOLLOWING);
    before.at(-1)?.focus();
  }

  #disposeTerm(): void {
    for (const dispose of this.#cleanup.splice(0)) dispose();
    this.#term?.dispose();
    this.#term = undefined;
    this.#fit = undefined;
  }

  #onState(state: ConnectionState): void {
    if (state.state === 'disposed') return;
    this.dataset['state'] = state.state;
    switch (state.state) {
      case 'connecting':
        this.#showStatus(state.attempt === 0 ? 'Connecting to your terminal…' : `Reconnecting… (attempt ${state.attempt + 1})`);
        break;
      case 'connected':
        this.#showStatus(undefined);
        break;
      case 'reconnecting':
        this.#showStatus(`Reconnecting… the connection dropped; trying again in ${Math.ceil(state.retryInMs / 1000)} s.`, {
          label: 'Reconnect now',
          run: () => this.#client?.reconnectNow(),
        });
        break;
      case 'closed':
        this.#showStatus(
          `The shell ended${state.exitCode === undefined ? '' : ` (exit code ${state.exitCode})`}. Your cluster is still running.`,
          { label: 'New shell', run: () => this.#client?.reconnectNow() },
        );
        break;
      case 'replaced':
        this.#showStatus('This terminal is open in another tab or window, so it was disconnected here.', {
          label: 'Use here',
          run: () => this.#client?.reconnectNow(),
        });
        break;
      case 'session-ended':
        this.#showStatus('The lab session has ended.');
        break;
    }
    this.dispatchEvent(new CustomEvent<TerminalStatus>('statuschange', { detail: state, bubbles: true }));
  }

  #showStatus(message: string | undefined, action?: { label: string; run: () => void }): void {
    const status = this.#status;
    if (!status) return;
    status.replaceChildren();
    status.hidden = message === undefined;
    if (message === undefined) return;
    const text = document.createElement('span');
    text.textContent = message;
    status.append(text);
    if (action) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'kl-button';
      button.textContent = action.label;
      button.addEventListener('click', () => {
        action.run();
        this.#term?.focus();
      });
      status.append(button);
    }
  }
}

if (!customElements.get('kubelab-terminal')) customElements.define('kubelab-terminal', KubelabTerminal);

declare global {
  interface HTMLElementTagNameMap {
    'kubelab-terminal': KubelabTerminal;
  }
}
