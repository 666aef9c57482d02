import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

export default function NotFoundPage({ title = t`Page not found`, message = t`Nothing lives at this address, or you cannot see it.` }: { title?: string; message?: string }) {
  return (
    <Stack align="center" mt="xl" gap="sm">
      <Title order={1} size="h2">{title}</Title>
      <Text c="dimmed">{message}</Text>
      <Button component={Link} to="/" variant="light">
        <Trans>Go to my organizations</Trans>

      </Button>
    </Stack>
  );
}
