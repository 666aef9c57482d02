import { Center, Loader } from '@mantine/core';
import { t } from '@lingui/core/macro';

export function PageLoader({ label = t`Loading` }: { label?: string }) {

  return (
    <Center mih={200} h="100%" role="status" aria-label={label}>
      <Loader size="md" />
    </Center>
  );
}
