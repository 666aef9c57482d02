import { Center, Loader } from '@mantine/core';

export function PageLoader({ label = 'Loading' }: { label?: string }) {
  return (
    <Center mih={200} h="100%" role="status" aria-label={label}>
      <Loader size="md" />
    </Center>
  );
}
