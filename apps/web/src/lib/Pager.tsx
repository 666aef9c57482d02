// The pager under every paged list: rows per page (20/50/100), Previous/Next and the page number,
// driven by useUrlPaging (lib/paging.ts) so the page lives in the URL.
import { Button, Group, NativeSelect, Text } from '@mantine/core';
import { PAGE_SIZES, type UrlPaging } from './paging.ts';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';
import { formatNumber } from '../i18n/format.ts';

export interface PagerProps {
  paging: UrlPaging;
  /** Rows in the whole list, when the API counts them. */
  total?: number;
  /** Rows on this page. */
  shown: number;
  hasNext: boolean;
  endCursor: string | null | undefined;
  /** What the rows are ("members"). */
  noun: string;
  /** Said after the count (e.g. pending invitations). */
  extra?: string;
}

export function Pager({ paging, total, shown, hasNext, endCursor, noun, extra = '' }: PagerProps) {
  const { page, size } = paging;
  const from = page * size + 1;
  const to = page * size + shown;
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <Text size="sm" c="dimmed" aria-live="polite">
        {total !== undefined ? (total > 0 ? t`${formatNumber(from)}–${formatNumber(Math.min(total, to))} of ${formatNumber(total)} ${noun}` : '') : shown > 0 ? `${formatNumber(from)}–${formatNumber(to)} ${noun}` : ''}
        {extra}
      </Text>
      <Group gap="xs" wrap="wrap">
        <NativeSelect
          aria-label={t`Rows per page`}
          size="xs"
          w={120}
          data={PAGE_SIZES.map((n) => ({ value: String(n), label: t`${n} per page` }))}
          value={String(size)}
          onChange={(e) => paging.setSize(Number(e.currentTarget.value))}
        />
        {page > 0 && !paging.canGoBack && (
          <Button variant="default" size="xs" onClick={paging.first}>
            <Trans>First page</Trans>
          </Button>
        )}
        <Button variant="default" size="xs" disabled={!paging.canGoBack} onClick={paging.previous}>
          <Trans>Previous</Trans>
        </Button>
        <Text size="sm" aria-live="polite" data-testid="page-number">
          {total ? t`Page ${page + 1} of ${Math.max(1, Math.ceil(total / size))}` : t`Page ${page + 1}`}
        </Text>
        <Button variant="default" size="xs" disabled={!hasNext} onClick={() => paging.next(endCursor)}>
          <Trans>Next</Trans>

        </Button>
      </Group>
    </Group>
  );
}
