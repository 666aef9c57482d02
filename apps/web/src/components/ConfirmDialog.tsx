import { useState, type ReactNode } from 'react';
import { Alert, Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

export interface ConfirmDialogProps {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  color?: string;
  /** When set, the user must type this text to confirm (e.g. an organization slug; case and outer spaces do not count). */
  typeToConfirm?: string;
  onClose(): void;
  /** Returns an error message to show, or null when done. */
  onConfirm(): Promise<string | null>;
}

/** Confirmation for destructive actions; shows the API's refusal in place. */
export function ConfirmDialog({ opened, title, children, confirmLabel, color = 'red', typeToConfirm, onClose, onConfirm }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const close = () => {
    setError(null);
    setTyped('');
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={title}>
      <Stack gap="md">
        <div>{children}</div>
        {typeToConfirm && (
          <TextInput
            label={t`Type ${typeToConfirm} to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            data-autofocus
          />
        )}
        {error && (
          <Alert color="red" variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            <Trans>Cancel</Trans>

          </Button>
          <Button
            color={color}
            loading={busy}
            disabled={typeToConfirm !== undefined && typed.trim().toLowerCase() !== typeToConfirm.toLowerCase()}
            onClick={async () => {
              setBusy(true);
              setError(null);
              const message = await onConfirm();
              setBusy(false);
              if (message) setError(message);
              else close();
            }}
          >
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
