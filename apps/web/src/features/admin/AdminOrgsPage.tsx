import { Title } from '@mantine/core';

export default function AdminOrgsPage() {
  return <Title order={2}>AdminOrgsPage</Title>;
}
