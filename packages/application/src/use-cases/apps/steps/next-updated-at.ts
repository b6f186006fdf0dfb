import type { Clock } from "../../../ports/index.ts";

/**
 * The `updatedAt` a write of an app sets: the clock's time, or 1 ms past the `updatedAt` it read
 * when the clock is not later (two writes in one millisecond, instances whose clocks differ). So
 * every write moves it on, and an edit's conditional write (AppRepository.updateApp), which
 * compares it with what the edit read, never finds an older value come back.
 */
export function nextUpdatedAt(clock: Clock, read: { readonly updatedAt: Date }): Date {
  return new Date(Math.max(clock.now().getTime(), read.updatedAt.getTime() + 1));
}
