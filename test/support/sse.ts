import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Reads a Server-Sent Events stream until it closes or `until` returns true. */
export async function collectEvents(
  url: string,
  headers: Record<string, string>,
  until: (events: EventSourceMessage[]) => boolean,
  timeoutMs: number,
): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    if (!response.ok || !response.body)
      throw new Error(`events request failed with ${response.status}`);
    const parser = createParser({ onEvent: (event) => events.push(event) });
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      if (until(events)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}
