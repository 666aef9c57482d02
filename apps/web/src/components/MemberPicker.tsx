// A member picker for organizations of any size: the API searches (members' `search` argument,
// debounced), the browser never filters a partial list. Member 9,999 is as findable as member 1.
import { useState } from 'react';
import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from 'urql';
import { TEXT_LIMITS } from '@gatehouse/permissions';
import { graphql } from '../graphql/graphql.ts';
import { t } from '@lingui/core/macro';
import { formatNumber } from '../i18n/format.ts';

const MemberSearchQuery = graphql(`
  query MemberPickerSearch($slug: String!, $first: Int!, $search: String, $status: MembershipStatus) {
    organization(slug: $slug) {
      id
      members(first: $first, search: $search, status: $status, orderBy: { field: NAME, direction: ASC }) {
        totalCount
        edges {
          node {
            id
            user {
              id
              email
              displayName
            }
          }
        }
      }
    }
  }
`);

const SHOWN = 20;
const SEARCH_MAX = TEXT_LIMITS.search;

export interface PickedMember {
  membershipId: string;
  userId: string;
  label: string;
}

export interface MemberPickerProps {
  slug: string;
  label: string;
  placeholder?: string;
  /** Which id the value holds: the member's user id or the membership id. */
  valueKind: 'user' | 'membership';
  value: string | null;
  onChange(value: string | null, member: PickedMember | null): void;
  status?: 'ACTIVE' | 'DISABLED';
  /** User ids never offered (e.g. yourself as the new owner). */
  excludeUserIds?: readonly string[];
  clearable?: boolean;
  style?: React.CSSProperties;
  w?: number | string | Record<string, number | string>;
}

export function MemberPicker({ slug, label, placeholder, valueKind, value, onChange, status, excludeUserIds = [], clearable, style, w }: MemberPickerProps) {
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<PickedMember | null>(null);
  // Typing the chosen member's label back into the box is not a new search.
  const typed = picked && search === picked.label ? '' : search.trim().slice(0, SEARCH_MAX);
  const [debounced] = useDebouncedValue(typed, 250);
  const [result] = useQuery({ query: MemberSearchQuery, variables: { slug, first: SHOWN, search: debounced || null, status: status ?? null } });
  const connection = result.data?.organization?.members;
  const found: PickedMember[] = (connection?.edges ?? [])
    .map(({ node }) => ({ membershipId: node.id, userId: node.user.id, label: `${node.user.displayName || node.user.email} (${node.user.email})` }))
    .filter((m) => !excludeUserIds.includes(m.userId));
  const idOf = (m: PickedMember) => (valueKind === 'user' ? m.userId : m.membershipId);
  const options = picked && value === idOf(picked) && !found.some((m) => idOf(m) === value) ? [picked, ...found] : found;
  const more = (connection?.totalCount ?? 0) > SHOWN;

  return (
    <Select
      label={label}
      placeholder={placeholder ?? t`Type a name or email`}
      searchable
      clearable={clearable}
      searchValue={search}
      onSearchChange={setSearch}
      // The server already filtered: show its answer as is.
      filter={({ options: all }) => all}
      data={options.map((m) => ({ value: idOf(m), label: m.label }))}
      value={value}
      onChange={(v) => {
        const member = options.find((m) => idOf(m) === v) ?? null;
        setPicked(member);
        onChange(v, member);
      }}
      nothingFoundMessage={result.fetching ? t`Searching…` : t`No member matches`}
      description={more && !debounced ? t`Showing the first ${SHOWN}: type to search all ${formatNumber(connection?.totalCount ?? 0)}.` : undefined}

      style={style}
      w={w}
    />
  );
}
