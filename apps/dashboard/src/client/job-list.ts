import { $, $all, pageData } from './dom.js';

/** The job list: rows re-rendered by the server every 2 s; runs ticked for comparison. */
const { filter } = pageData<{ filter: string }>();
const rows = $<HTMLTableSectionElement>('#job-rows');
const status = $('#list-status');
const compareButton = $<HTMLButtonElement>('#compare-selected');
const selected = new Set<string>();
const POLL_MS = 2_000;

function syncSelection(): void {
  for (const box of $all<HTMLInputElement>('input.compare-pick', rows)) {
    box.checked = selected.has(box.value);
  }
  compareButton.disabled = selected.size < 2;
  compareButton.textContent =
    selected.size < 2 ? 'Compare selected' : `Compare ${selected.size} runs`;
}

rows.addEventListener('change', (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.classList.contains('compare-pick')) return;
  if (box.checked) selected.add(box.value);
  else selected.delete(box.value);
  syncSelection();
});

compareButton.addEventListener('click', () => {
  if (selected.size >= 2) location.assign(`/compare?ids=${[...selected].join(',')}`);
});

async function refresh(): Promise<void> {
  try {
    // The same tab, search, filters, sort and page as the page itself.
    const search = location.search === '' ? `?type=${encodeURIComponent(filter)}` : location.search;
    const response = await fetch(`/fragments/jobs${search}`);
    if (!response.ok) throw new Error(`${response.status}`);
    rows.innerHTML = await response.text();
    syncSelection();
    status.textContent = `Updated ${new Date().toLocaleTimeString()} · every 2 seconds.`;
  } catch {
    status.textContent = 'The dashboard cannot reach the API right now; retrying…';
  }
}

async function loop(): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (!document.hidden) await refresh();
  }
}

syncSelection();
void loop();
