// The sign-in form: username and password, errors shown as sentences.
import { signIn, ApiError } from './api.js';
import { el } from './ui.js';

// Renders the form into `root`; resolves with the user once signed in.
export function showSignIn(root) {
  return new Promise((resolve) => {
    const error = el('p', { class: 'form-error', role: 'alert', testid: 'signin-error', hidden: true });
    const username = el('input', { id: 'signin-username', name: 'username', autocomplete: 'username', required: true, testid: 'signin-username' });
    const password = el('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, testid: 'signin-password' });
    const submit = el('button', { type: 'submit', class: 'btn btn-primary', text: 'Sign in', testid: 'signin-submit' });
    const form = el(
      'form',
      {
        class: 'signin',
        'aria-labelledby': 'signin-title',
        testid: 'signin-form',
        on: {
          submit: async (e) => {
            e.preventDefault();
            error.hidden = true;
            submit.disabled = true;
            submit.textContent = 'Signing in…';
            try {
              const user = await signIn(username.value.trim(), password.value);
              resolve(user);
            } catch (err) {
              error.textContent =
                err instanceof ApiError && err.status === 401
                  ? 'The username or password is wrong.'
                  : err instanceof ApiError
                    ? err.message
                    : 'Signing in failed. Try again.';
              error.hidden = false;
              password.select();
            } finally {
              submit.disabled = false;
              submit.textContent = 'Sign in';
            }
          },
        },
      },
      el('h1', { id: 'signin-title', text: 'Almanac' }),
      el('p', { class: 'muted', text: 'Sign in to see your calendars.' }),
      el('label', { for: 'signin-username', text: 'Username' }),
      username,
      el('label', { for: 'signin-password', text: 'Password' }),
      password,
      error,
      submit,
    );
    root.replaceChildren(el('main', { class: 'signin-page' }, form));
    username.focus();
  });
}
