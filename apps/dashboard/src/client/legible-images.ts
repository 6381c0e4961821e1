/**
 * Charts and grids carry text drawn at 12–15 px. Shrunk to a phone's width that text becomes
 * unreadable, so each image tells the style sheet its natural width (`--natural-width`): on a
 * narrow screen an image keeps at least three quarters of it (12 px text stays 9 px) and its
 * figure scrolls sideways instead, marked `scrolls` so the caption can say so.
 */

const SCROLLERS = 'a.zoom, figure.curve';

/** Marks a figure whose image is wider than it (the caption then says to scroll). */
function markScrolling(scroller: HTMLElement): void {
  scroller.classList.toggle('scrolls', scroller.scrollWidth > scroller.clientWidth + 1);
}

function note(img: HTMLImageElement): void {
  if (img.naturalWidth === 0) return;
  img.style.setProperty('--natural-width', `${img.naturalWidth}px`);
  const scroller = img.closest<HTMLElement>(SCROLLERS);
  // After the frame in which the figure shows its image (a pending figure hides it).
  if (scroller !== null) requestAnimationFrame(() => markScrolling(scroller));
}

// Capture: `load` does not bubble. Images already loaded when this module runs are noted at once.
document.addEventListener(
  'load',
  (event) => {
    if (event.target instanceof HTMLImageElement) note(event.target);
  },
  true,
);
for (const img of Array.from(document.images)) if (img.complete) note(img);
window.addEventListener('resize', () => {
  for (const scroller of Array.from(document.querySelectorAll<HTMLElement>(SCROLLERS))) {
    markScrolling(scroller);
  }
});
