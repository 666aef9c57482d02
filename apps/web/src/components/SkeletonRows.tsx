import { Skeleton, Table } from '@mantine/core';

/** Placeholder table rows while a list loads. */
export function SkeletonRows({ rows, columns }: { rows: number; columns: number }) {
  return Array.from({ length: rows }, (_, i) => (
    <Table.Tr key={i}>
      {Array.from({ length: columns }, (_, j) => (
        <Table.Td key={j}>
          <Skeleton h={14} />
        </Table.Td>
      ))}
    </Table.Tr>
  ));
}
