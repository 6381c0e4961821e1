import { $all, element, requestJson } from './dom.js';
import { humanMessage, type NumberBounds } from './form-check.js';

/**
 * A form's problems shown the accessible way: each beside its field (the field `aria-invalid`,
 * described by its message), all of them listed in the `role=alert` summary with links to the
 * fields, and the first field focused and scrolled to.
 */

/** One problem, by the zod path of the field it is about (`params.model.layers.2.units`). */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

let slotIds = 0;

export function clearProblems(form: HTMLFormElement, summary: HTMLElement): void {
  summary.replaceChildren();
  for (const slot of $all('[data-error-for]', form)) slot.textContent = '';
  for (const invalid of $all('.invalid, [aria-invalid]', form)) {
    invalid.classList.remove('invalid');
    invalid.removeAttribute('aria-invalid');
    invalid.removeAttribute('aria-describedby');
  }
  for (const row of $all('.row-errors', form)) row.hidden = true;
}

/** The slot for `path`, or the nearest enclosing path's slot (`…layers.2` for `…layers.2.type`). */
function slotFor(form: HTMLFormElement, path: string): HTMLElement | undefined {
  let current = path;
  for (;;) {
    const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(current)}"]`);
    if (slot !== null && slot.closest('[hidden]:not(.row-errors)') === null) return slot;
    if (!current.includes('.')) return undefined;
    current = current.slice(0, current.lastIndexOf('.'));
  }
}

const controlsFor = (form: HTMLFormElement, path: string) =>
  $all<HTMLElement>(`[data-path="${CSS.escape(path)}"]`, form).filter(
    (control) => control.closest('[hidden]') === null,
  );

/** A field's name for the summary: its `data-label`, else its slot's. */
function labelFor(controls: readonly HTMLElement[], slot: HTMLElement | undefined): string {
  return controls[0]?.dataset.label ?? slot?.dataset.label ?? '';
}

/** Shows `problems`; `message` is the summary when there are none (the API's own message). */
export function showProblems(
  form: HTMLFormElement,
  summary: HTMLElement,
  problems: readonly Problem[],
  message = '',
): void {
  const items: HTMLElement[] = [];
  const targets: HTMLElement[] = [];
  for (const problem of problems) {
    const controls = controlsFor(form, problem.path);
    const slot = slotFor(form, problem.path);
    if (slot !== undefined) {
      slot.id ||= `error-${(slotIds += 1)}`;
      slot.textContent = slot.textContent
        ? `${slot.textContent}; ${problem.message}`
        : problem.message;
      const row = slot.closest<HTMLElement>('.row-errors');
      if (row !== null) row.hidden = false;
    }
    // A problem about a whole row (`…layers.7`) marks the row's first control.
    const marked =
      controls.length > 0
        ? controls
        : slot === undefined
          ? []
          : controlsNear(form, slot).slice(0, 1);
    for (const control of marked) {
      control.classList.add('invalid');
      control.setAttribute('aria-invalid', 'true');
      if (slot !== undefined) control.setAttribute('aria-describedby', slot.id);
    }
    const target = marked[0] ?? slot;
    if (target !== undefined) targets.push(target);
    // A row's problem is named by the row (`Layer 7 (dense)`), not by the control it marks.
    const label = labelFor(controls, slot) || problem.path;
    // `Batch size must be …` reads as a sentence; a message of its own follows a colon.
    const text = /^(is |must |“)/.test(problem.message)
      ? `${label} ${problem.message}`
      : `${label}: ${problem.message}`;
    const focusable = marked[0];
    items.push(element('li', {}, focusable === undefined ? text : linkTo(focusable, text)));
  }
  const count = problems.length === 1 ? 'this problem' : `these ${problems.length} problems`;
  summary.replaceChildren(
    element('p', {}, problems.length === 0 ? message : `Please fix ${count}:`),
    ...(items.length > 0 ? [element('ul', {}, ...items)] : []),
  );
  // Nothing to point at (a refusal about the whole request): the summary itself.
  focusFirst(targets.length > 0 ? targets : [summary]);
}

/** The controls of the row a row-level slot belongs to. */
function controlsNear(form: HTMLFormElement, slot: HTMLElement): HTMLElement[] {
  const base = slot.dataset.errorFor ?? '';
  return $all<HTMLElement>('[data-path]', form).filter((control) =>
    (control.dataset.path ?? '').startsWith(`${base}.`),
  );
}

function linkTo(control: HTMLElement, text: string): HTMLElement {
  control.id ||= `field-${(slotIds += 1)}`;
  const link = element('a', { href: `#${control.id}` }, text);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    control.scrollIntoView({ block: 'center' });
    control.focus({ preventScroll: true });
  });
  return link;
}

/** Focuses the first problem in the page's order, centred on screen. */
function focusFirst(targets: readonly HTMLElement[]): void {
  const [first] = [...targets].sort((a, b) =>
    a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1,
  );
  if (first === undefined) return;
  first.scrollIntoView({ block: 'center' });
  if (first.matches('input, select, textarea, button, [tabindex]')) {
    first.focus({ preventScroll: true });
  }
}

export interface JobFormOptions {
  readonly form: HTMLFormElement;
  /** The `role=alert` summary. */
  readonly summary: HTMLElement;
  readonly submitButton: HTMLButtonElement;
  /** Problems found in the browser, before anything is sent. */
  readonly check: () => Problem[];
  /** The body of POST /api/jobs. */
  readonly body: () => unknown;
  /** A field's bounds, for messages said the human way ("at most 1,024"). */
  readonly boundsFor: (path: string) => NumberBounds | undefined;
}

/**
 * A job form's submission: the browser's own checks first, then POST /api/jobs; a job accepted
 * opens its page, a refusal shows the API's problems beside their fields.
 */
export function handleJobForm(options: JobFormOptions): void {
  const { form, summary, submitButton } = options;
  const showErrors = (message: string, details: readonly Problem[]) =>
    showProblems(
      form,
      summary,
      details.map((detail) => ({
        path: detail.path,
        message: humanMessage(detail.message, options.boundsFor(detail.path)),
      })),
      message,
    );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, summary);
    const problems = options.check();
    if (problems.length > 0) {
      showErrors('', problems);
      return;
    }
    submitButton.disabled = true;
    try {
      const answer = await requestJson<{ id: string }>('/api/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(options.body()),
      });
      if (answer.ok) {
        location.assign(`/jobs/${answer.body.id}`);
        return;
      }
      showErrors(
        answer.body.error?.message ?? `failed (${answer.status})`,
        answer.body.error?.details ?? [],
      );
    } catch {
      showErrors('The dashboard could not be reached.', []);
    } finally {
      submitButton.disabled = false;
    }
  });
}
