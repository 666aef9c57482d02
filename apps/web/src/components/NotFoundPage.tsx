import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export default function NotFoundPage({ title = 'Page not found', message = 'Nothing lives at this address, or you cannot see it.' }: { title?: string; message?: string }) {
  return (
    <Stack align="center" mt="xl" gap="sm">
      <Title order={1} size="h2">{title}</Title>
      <Text c="dimmed">{message}</Text>
      <Button component={Link} to="/" variant="light">
        Go to my organizations
      </Button>
    </Stack>
  );
}
