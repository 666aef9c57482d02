import { Fragment, type ReactNode } from 'react';
import { useLingui } from '@lingui/react';

/**
 * Draws its children again when the language changes: every `t` call and `<Trans>` below speaks
 * the new language at once (state of open forms below is reset, as after a reload).
 */
export function Localized({ children }: { children: ReactNode }) {
  const { i18n } = useLingui();
  return <Fragment key={i18n.locale}>{children}</Fragment>;
}
