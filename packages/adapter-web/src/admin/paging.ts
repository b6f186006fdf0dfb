import { isPageCursor } from "@superoauth/domain";

/**
 * Previous and Next links over the use cases' cursor pages, without JavaScript or server state:
 * `cursor` is where this page starts (absent on the first) and `back` lists, comma-separated, the
 * cursors of the pages before it except the first, so Previous is the last of them (or the first
 * page). A cursor is an id; anything else in the query is ignored. `back` keeps its last
 * `maxBack` entries: after more pages than that, stepping back ends at the first page early.
 */
export interface PageLinks {
  readonly previous: string | null;
  readonly next: string | null;
}

export interface PagePosition {
  readonly cursor: string | undefined;
  readonly back: readonly string[];
}

const maxBack = 20;

/** Where a listing page is, read from its query (`cursor`, `back`). */
export function pagePosition(query: unknown): PagePosition {
  const values = (query ?? {}) as Record<string, unknown>;
  const cursor = typeof values.cursor === "string" && isPageCursor(values.cursor) ? values.cursor : undefined;
  const back =
    cursor !== undefined && typeof values.back === "string" && values.back.length <= maxBack * 65
      ? values.back.split(",").filter((entry) => isPageCursor(entry))
      : [];
  return { cursor, back: back.slice(-maxBack) };
}

/** The links of a page at `position` whose use case answered `nextCursor`; `params` are kept (e.g. the search). */
export function pageLinks(input: {
  path: string;
  params: Readonly<Record<string, string>>;
  position: PagePosition;
  nextCursor: string | null;
}): PageLinks {
  const { path, params, position } = input;
  const href = (cursor: string | undefined, back: readonly string[]) => {
    const query = new URLSearchParams(params);
    if (cursor !== undefined) query.set("cursor", cursor);
    if (back.length > 0) query.set("back", back.join(","));
    const text = query.toString();
    return text === "" ? path : `${path}?${text}`;
  };
  const previous =
    position.cursor === undefined ? null : href(position.back.at(-1), position.back.slice(0, -1));
  const next =
    input.nextCursor === null
      ? null
      : href(
          input.nextCursor,
          position.cursor === undefined ? [] : [...position.back, position.cursor].slice(-maxBack),
        );
  return { previous, next };
}
