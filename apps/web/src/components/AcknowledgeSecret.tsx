import { useState } from 'react';
import { Button, Checkbox, Group } from '@mantine/core';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

/**
 * The only way out of a dialog showing a one-time secret (temporary password): the admin ticks
 * that they saved it, then Done. The dialog itself is a locked GuardedModal (no Esc, no outside click).
 */
export function AcknowledgeSecret({ plural = false, onDone }: { plural?: boolean; onDone(): void }) {
  const [saved, setSaved] = useState(false);
  return (
    <Group justify="space-between" wrap="wrap">
      <Checkbox
        label={plural ? t`I have saved the temporary passwords: they are not shown again` : t`I have saved the temporary password: it is not shown again`}
        checked={saved}
        onChange={(e) => setSaved(e.currentTarget.checked)}
      />
      <Button onClick={onDone} disabled={!saved}>
        <Trans>Done</Trans>

      </Button>
    </Group>
  );
}
