// A Mantine Modal that cannot lose work or secrets by accident:
// - `locked`: a one-time secret is on screen; outside clicks, Esc and the close button do nothing,
//   only the dialog's own acknowledged button closes it.
// - unsaved edits (the `dirty` prop, or any descendant reporting through useReportDirty): closing
//   asks "Discard unsaved changes?" first.
import { createContext, use, useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Button, Group, Modal, Paper, Stack, Text, type ModalProps } from '@mantine/core';
import { t } from '@lingui/core/macro';
import { Trans } from '@lingui/react/macro';

type Report = (key: string, dirty: boolean) => void;
const DirtyContext = createContext<Report | null>(null);

/** Tells the enclosing GuardedModal that this part of the form holds unsaved edits. */
export function useReportDirty(key: string, dirty: boolean) {
  const report = use(DirtyContext);
  useEffect(() => {
    report?.(key, dirty);
    return () => report?.(key, false);
  }, [report, key, dirty]);
}

export interface GuardedModalProps extends Omit<ModalProps, 'children'> {
  children: ReactNode;
  dirty?: boolean;
  locked?: boolean;
}

export function GuardedModal({ dirty = false, locked = false, onClose, children, ...props }: GuardedModalProps) {
  const [asking, setAsking] = useState(false);
  const keepEditing = useRef<HTMLButtonElement>(null);
  // The question takes the focus from the dialog under it (whose focus trap would keep it).
  useEffect(() => {
    if (!asking) return;
    const timer = setTimeout(() => keepEditing.current?.focus(), 50);
    return () => clearTimeout(timer);
  }, [asking]);
  const parts = useRef(new Set<string>());
  const report = useCallback<Report>((key, isDirty) => {
    if (isDirty) parts.current.add(key);
    else parts.current.delete(key);
  }, []);

  const requestClose = () => {
    if (locked) return;
    if (asking) setAsking(false);
    else if (dirty || parts.current.size > 0) setAsking(true);
    else onClose();
  };

  return (
    <Modal
      {...props}
      onClose={requestClose}
      closeOnClickOutside={!locked && !asking}
      closeOnEscape={!locked}
      withCloseButton={!locked}
    >
      {asking && (
        // Inline, not a second modal: the dialog's own focus trap keeps working and takes the focus here.
        <Paper role="alertdialog" aria-label={t`Discard unsaved changes?`} withBorder p="sm" mb="md" radius="md" bg="var(--mantine-color-orange-light)">
          <Stack gap="xs">
            <Text size="sm" fw={600}>
              <Trans>Discard unsaved changes?</Trans>
            </Text>
            <Text size="sm"><Trans>Your edits in this dialog are not saved yet. Closing it throws them away.</Trans></Text>
            <Group justify="flex-end">
              <Button ref={keepEditing} size="xs" variant="default" onClick={() => setAsking(false)}>
                <Trans>Keep editing</Trans>
              </Button>
              <Button
                size="xs"
                color="red"
                onClick={() => {
                  setAsking(false);
                  parts.current.clear();
                  onClose();
                }}
              >
                <Trans>Discard changes</Trans>

              </Button>
            </Group>
          </Stack>
        </Paper>
      )}
      <DirtyContext value={report}>{children}</DirtyContext>
    </Modal>
  );
}
