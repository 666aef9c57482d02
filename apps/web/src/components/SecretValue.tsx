import { ActionIcon, Code, CopyButton, Group, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { t } from '@lingui/core/macro';

/** A one-time secret (temporary password) with a copy button. */
export function SecretValue({ value, label = t`Copy` }: { value: string; label?: string }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Code fz="sm" data-testid="temporary-password">
        {value}
      </Code>
      <CopyButton value={value} timeout={1500}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? t`Copied` : label}
 withArrow>
            <ActionIcon variant="subtle" color={copied ? 'teal' : 'gray'} onClick={copy} aria-label={`${label} ${value}`}>
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
