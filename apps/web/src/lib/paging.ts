// Keyset paging with the page in the URL (?page=3&after=<cursor>&size=50): a link or a reload
// shows the same page. The API pages forward only (first/after), so the cursors of the pages
// before travel in the history entry's state: Previous works after Next, Back and reload; a
// pasted link offers First instead.
import { useLocation, useSearchParams } from 'react-router';

export const PAGE_SIZES = [20, 50, 100] as const;

interface PagingState {
  cursors?: (string | null)[];
}

export interface UrlPaging {
  /** Rows per page, from ?size (20 by default). */
  size: number;
  /** The cursor the page starts after (null on the first page). */
  after: string | null;
  /** 0-based page number (the URL shows it 1-based). */
  page: number;
  canGoBack: boolean;
  next(endCursor: string | null | undefined): void;
  previous(): void;
  first(): void;
  setSize(size: number): void;
}

export function useUrlPaging(defaultSize = 20): UrlPaging {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const requested = Number(params.get('size'));
  const size = (PAGE_SIZES as readonly number[]).includes(requested) ? requested : defaultSize;
  const after = params.get('after');
  const page = after ? Math.max(1, Number(params.get('page') ?? 2) - 1 || 1) : 0;
  const cursors = ((location.state as PagingState | null)?.cursors ?? []).slice(0, page);

  const go = (change: (p: URLSearchParams) => void, state: PagingState) => {
    const next = new URLSearchParams(params);
    change(next);
    setParams(next, { state });
  };
  const toFirst = (p: URLSearchParams) => {
    p.delete('after');
    p.delete('page');
  };

  return {
    size,
    after,
    page,
    canGoBack: page > 0 && cursors.length === page,
    next(endCursor) {
      if (!endCursor) return;
      go((p) => {
        p.set('after', endCursor);
        p.set('page', String(page + 2));
      }, { cursors: [...cursors, after] });
    },
    previous() {
      const before = cursors.at(-1);
      if (page <= 1 || before == null) return go(toFirst, {});
      go((p) => {
        p.set('after', before);
        p.set('page', String(page));
      }, { cursors: cursors.slice(0, -1) });
    },
    first() {
      go(toFirst, {});
    },
    setSize(n) {
      go((p) => {
        toFirst(p);
        if (n === defaultSize) p.delete('size');
        else p.set('size', String(n));
      }, {});
    },
  };
}

/** Filters changed: back to the first page (a cursor belongs to one filter and sort). */
export function withoutPage(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete('after');
  next.delete('page');
  return next;
}
