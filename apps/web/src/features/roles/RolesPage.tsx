import { Title } from '@mantine/core';

export default function RolesPage() {
  return <Title order={2}>RolesPage</Title>;
}
