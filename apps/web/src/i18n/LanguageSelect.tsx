import { NativeSelect } from '@mantine/core';
import { t } from '@lingui/core/macro';
import { useLingui } from '@lingui/react';
import { chooseLocale, isLocale, LOCALE_NAMES, LOCALES } from './locale.ts';

/** The language switch of My account: each language named in itself, the choice kept in this browser. */
export function LanguageSelect() {
  const { i18n } = useLingui();
  return (
    <NativeSelect
      label={t`Language`}
      description={t`Starts as your browser's language; this browser remembers your choice.`}
      data-testid="language-select"
      value={i18n.locale}
      data={LOCALES.map((locale) => ({ value: locale, label: LOCALE_NAMES[locale] }))}
      onChange={(event) => {
        const value = event.currentTarget.value;
        if (isLocale(value)) void chooseLocale(value);
      }}
    />
  );
}
