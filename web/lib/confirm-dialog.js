import {h} from './dom.js';

// A modal confirmation (<dialog>) for destructive actions. Resolves with true
// when confirmed; Escape, Cancel and the backdrop resolve with false. Focus
// starts on Cancel so that Enter never deletes by accident.
export function confirmDialog({title, message, detail = '', confirmLabel = 'Confirm', danger = true}) {
  return new Promise((resolve) => {
    const titleId = `confirm-title-${Math.random().toString(36).slice(2)}`;
    const cancel = h('button', {type: 'button', text: 'Cancel', value: 'cancel'});
    const confirm = h('button', {
      type: 'submit',
      class: danger ? 'danger' : 'primary',
      text: confirmLabel,
      value: 'confirm',
    });
    const form = h('form', {method: 'dialog'},
        h('div', {class: 'dialog-body'},
            h('h2', {id: titleId, text: title}),
            h('p', {text: message}),
            detail ? h('p', {class: 'muted', text: detail}) : null),
        h('div', {class: 'dialog-actions'}, cancel, confirm));
    const dialog = h('dialog', {attrs: {'aria-labelledby': titleId}}, form);

    cancel.addEventListener('click', () => dialog.close('cancel'));
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close('cancel');
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'confirm');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
