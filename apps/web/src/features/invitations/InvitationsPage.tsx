import { Title } from '@mantine/core';

export default function InvitationsPage() {
  return <Title order={2}>InvitationsPage</Title>;
}
