/** Small helpers shared by the pages' scripts (no framework: the pages are rendered on the server). */

/** The element matching `selector`; throws when the page lacks it (a bug, not a user error). */
export function $<E extends Element = HTMLElement>(
  selector: string,
  root: ParentNode = document,
): E {
  const found = root.querySelector<E>(selector);
  if (found === null) throw new Error(`missing element ${selector}`);
  return found;
}

export function $all<E extends Element = HTMLElement>(
  selector: string,
  root: ParentNode = document,
): E[] {
  return [...root.querySelectorAll<E>(selector)];
}

/** The JSON the server put in `<script type="application/json" id="page-data">`. */
export function pageData<T>(): T {
  return JSON.parse($('#page-data').textContent ?? '{}') as T;
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** An element with attributes and children, without innerHTML. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    created.setAttribute(name, value === true ? '' : value);
  }
  created.append(...children);
  return created;
}

/** The dashboard's error body `{ error: { code, message, details } }`, as far as it is there. */
export interface ErrorBody {
  error?: { code?: string; message?: string; details?: { path: string; message: string }[] };
}

export interface JsonAnswer<T> {
  readonly status: number;
  readonly ok: boolean;
  readonly body: T & ErrorBody;
}

export async function requestJson<T>(url: string, init: RequestInit = {}): Promise<JsonAnswer<T>> {
  const response = await fetch(url, {
    ...init,
    headers: { accept: 'application/json', ...(init.headers ?? {}) },
  });
  let body: unknown = {};
  try {
    body = await response.json();
  } catch {
    body = { error: { message: `${response.status} ${response.statusText}` } };
  }
  return { status: response.status, ok: response.ok, body: body as T & ErrorBody };
}

export function errorMessage(body: ErrorBody, status: number): string {
  return body.error?.message ?? `request failed (${status})`;
}
