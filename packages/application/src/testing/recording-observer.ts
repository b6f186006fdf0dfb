import type { ObservedEvent, Observer } from "../ports/index.ts";

/** An Observer that keeps what it was told, for tests to read. */
export class RecordingObserver implements Observer {
  readonly events: ObservedEvent[] = [];
  observe(event: ObservedEvent): void {
    this.events.push(event);
  }
}
