/**
 * Asks before doing something that cannot be undone, in a modal <dialog> (focus stays inside, Escape cancels,
 * focus returns to the button that asked). Resolves true when the learner confirms.
 */
import './confirm.css';

export interface ConfirmOptions {
  title: string;
  body: string;
  /** A command to show, verbatim, under the body. */
  code?: string;
  confirmLabel: string;
  cancelLabel?: string;
  returnFocus?: HTMLElement | null;
}

let counter = 0;

export function confirmDialog(options: ConfirmOptions): Promise<boolean> {
  const id = `kl-confirm-${++counter}`;
  const dialog = document.createElement('dialog');
  dialog.className = 'kl-dialog';
  dialog.setAttribute('aria-labelledby', `${id}-title`);
  dialog.setAttribute('aria-describedby', `${id}-body`);
  const title = document.createElement('h2');
  title.id = `${id}-title`;
  title.textContent = options.title;
  const body = document.createElement('p');
  body.id = `${id}-body`;
  body.textContent = options.body;
  dialog.append(title, body);
  if (options.code) {
    const pre = document.createElement('pre');
    pre.className = 'kl-dialog__code';
    pre.textContent = options.code;
    dialog.append(pre);
  }
  const actions = document.createElement('form');
  actions.method = 'dialog';
  actions.className = 'kl-dialog__actions';
  const cancel = document.createElement('button');
  cancel.value = 'cancel';
  cancel.className = 'kl-button';
  cancel.textContent = options.cancelLabel ?? 'Cancel';
  const confirm = document.createElement('button');
  confirm.value = 'confirm';
  confirm.className = 'kl-button kl-button--primary';
  confirm.textContent = options.confirmLabel;
  actions.append(cancel, confirm);
  dialog.append(actions);
  document.body.append(dialog);
  const returnFocus = options.returnFocus ?? (document.activeElement as HTMLElement | null);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
      returnFocus?.focus();
    });
    dialog.showModal();
    cancel.focus();
  });
}
