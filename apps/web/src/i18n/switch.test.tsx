// Translations (issue 13 §8): the language comes from the browser, the switch in My account
// re-renders the app in German at once, remembers the choice and sets <html lang>.
import { afterEach, describe, expect, it } from 'vitest';
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Localized } from './Localized.tsx';
import { LanguageSelect } from './LanguageSelect.tsx';
import { activateLocale, browserLocale, chooseLocale, initialLocale } from './locale.ts';
import { formatDate, formatNumber } from './format.ts';
import NotFoundPage from '../components/NotFoundPage.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { renderWith } from '../test/render.tsx';

afterEach(async () => {
  localStorage.clear();
  await act(() => activateLocale('en'));
});

describe('language (issue 13 §8)', () => {
  it('starts from the browser languages: the first one there is a catalog for, else English', () => {
    expect(browserLocale(['de-AT', 'en-US'])).toBe('de');
    expect(browserLocale(['fr-FR', 'en-US', 'de'])).toBe('en');
    expect(browserLocale(['fr-FR'])).toBe('en');
    expect(browserLocale([])).toBe('en');
  });

  it('a choice stored in this browser wins over the browser languages', () => {
    localStorage.setItem('gatehouse.locale', 'de');
    expect(initialLocale()).toBe('de');
    localStorage.setItem('gatehouse.locale', 'xx');
    expect(initialLocale()).toBe(browserLocale());
  });

  it('switching to German re-renders a component in German, sets <html lang> and is remembered', async () => {
    renderWith(
      <Localized>
        <NotFoundPage />
        <StatusBadge status="ACTIVE" />
        <LanguageSelect />
      </Localized>,
    );
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByText('Active')).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText('Language'), 'de');
    expect(await screen.findByRole('heading', { name: 'Seite nicht gefunden' })).toBeInTheDocument();
    expect(screen.getByText('Aktiv')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Zu meinen Organisationen' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('de');
    expect(localStorage.getItem('gatehouse.locale')).toBe('de');

    await act(() => chooseLocale('en'));
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('en');
  });

  it('dates and numbers follow the active language through Intl', async () => {
    const day = '2026-11-24T12:00:00Z';
    expect(formatNumber(10000)).toBe('10,000');
    expect(formatDate(day)).toBe('Nov 24, 2026');
    await act(() => activateLocale('de'));
    expect(formatNumber(10000)).toBe('10.000');
    expect(formatDate(day)).toBe('24. Nov. 2026');
    expect(formatDate(null)).toBe('—');
  });
});
