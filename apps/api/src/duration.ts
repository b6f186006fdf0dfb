const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses "500ms", "10s", "15m", "2h", "7d", or a bare number of seconds, into milliseconds. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null) return null;
  const amount = Number(match[1]);
  const unit = (match[2] ?? "s") as keyof typeof units;
  return amount * units[unit];
}
