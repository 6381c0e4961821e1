/**
 * `promise`'s value, or `fallback` once `ms` have passed, whichever comes first. The promise is left
 * to settle on its own; a rejection is returned as the fallback too, so nothing goes unhandled.
 */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
