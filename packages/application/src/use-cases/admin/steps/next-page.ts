/**
 * Splits what a store answered for `limit + 1` rows into the page and the cursor of the next (the
 * id of the page's last row; null on the last page): one extra row tells whether more follow,
 * without a count query.
 */
export function splitPage<T extends { readonly id: string }>(
  found: readonly T[],
  limit: number,
): { readonly items: T[]; readonly nextCursor: string | null } {
  const items = found.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: found.length > limit && last !== undefined ? last.id : null };
}
