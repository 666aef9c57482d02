import { Title } from '@mantine/core';

export default function AdminUsersPage() {
  return <Title order={2}>AdminUsersPage</Title>;
}
