import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import ConfirmEmailPage from './ConfirmEmailPage.tsx';
import { SessionProvider, type SessionStatus } from '../../app/session.tsx';
import { renderWith } from '../../test/render.tsx';
import { tokens } from '../../app/tokens.ts';

const PATH = '/account/confirm-email';

/** The real session client against a stubbed fetch: the page works signed in or not. */
function stubFetch(body: unknown) {
  const fetchMock = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }),
  );
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

function sentTokens(fetchMock: ReturnType<typeof stubFetch>): unknown[] {
  return fetchMock.mock.calls.map(([, init]) => (JSON.parse(String(init?.body)) as { variables: { token?: string } }).variables.token);
}

function openLink(hash: string, status: SessionStatus = 'signedOut') {
  // What the browser shows after following the link from the email.
  window.history.replaceState(null, '', `${PATH}${hash}`);
  return renderWith(
    <SessionProvider initialStatus={status}>
      <Routes>
        <Route path={PATH} element={<ConfirmEmailPage />} />
      </Routes>
    </SessionProvider>,
    { path: `${PATH}${hash}` },
  );
}

beforeEach(() => {
  window.history.replaceState(null, '', '/');
});

afterEach(() => {
  vi.unstubAllGlobals();
  tokens.clear();
});

// Renders through the real session client: generous on a busy machine.
describe('ConfirmEmailPage (R20)', { timeout: 30_000 }, () => {
  it('reads the token from the fragment, takes it out of the address bar at once, and shows the confirmed address', async () => {
    const fetchMock = stubFetch({
      data: { confirmEmail: { __typename: 'User', id: 'u1', email: 'ada@new.example', emailVerified: true, pendingEmail: null } },
    });
    openLink('#token=secret-token-1');
    // Gone from the address bar (and so from the history) before any answer.
    expect(window.location.hash).toBe('');
    expect(window.location.pathname).toBe(PATH);
    expect(window.location.href).not.toContain('secret-token-1');

    expect(await screen.findByRole('heading', { name: 'Email address confirmed' })).toBeInTheDocument();
    expect(screen.getByTestId('confirmed-email')).toHaveTextContent('ada@new.example');
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/sign-in?next=%2Faccount');
    // Sent once, in the body of a POST: never in a URL.
    expect(sentTokens(fetchMock)).toEqual(['secret-token-1']);
    expect(String(fetchMock.mock.calls[0]![0])).not.toContain('secret-token-1');
    expect(fetchMock.mock.calls[0]![1]?.method).toBe('POST');
  });

  it('shows the typed error’s message, with a way back into the app when signed in', async () => {
    const fetchMock = stubFetch({
      data: { confirmEmail: { __typename: 'InvalidEmailTokenError', message: 'This confirmation link is unknown, used or expired.' } },
    });
    openLink('#token=used-token', 'signedIn');
    expect(window.location.hash).toBe('');
    expect(await screen.findByRole('alert')).toHaveTextContent('This confirmation link is unknown, used or expired.');
    expect(screen.getByRole('heading', { name: 'Address not confirmed' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to My account' })).toHaveAttribute('href', '/account');
    await waitFor(() => expect(sentTokens(fetchMock)).toEqual(['used-token']));
  });

  it('R20 a page mounted again for the same link shows the first answer and sends nothing more (a link works once)', async () => {
    const fetchMock = stubFetch({
      data: { confirmEmail: { __typename: 'User', id: 'u1', email: 'ada@again.example', emailVerified: true, pendingEmail: null } },
    });
    const first = openLink('#token=remounted-token', 'signedIn');
    expect(await screen.findByRole('heading', { name: 'Email address confirmed' })).toBeInTheDocument();
    first.unmount();
    openLink('#token=remounted-token', 'signedIn');
    expect(await screen.findByRole('heading', { name: 'Email address confirmed' })).toBeInTheDocument();
    expect(screen.getByTestId('confirmed-email')).toHaveTextContent('ada@again.example');
    expect(sentTokens(fetchMock)).toEqual(['remounted-token']);
  });

  it('shows a conflict (the address was taken meanwhile) as such', async () => {
    stubFetch({ data: { confirmEmail: { __typename: 'ConflictError', message: 'Another account already uses this email' } } });
    openLink('#token=t2');
    expect(await screen.findByRole('alert')).toHaveTextContent('Another account already uses this email');
  });

  it('asks for the whole link when there is no token, and calls nothing', async () => {
    const fetchMock = stubFetch({ data: {} });
    openLink('');
    expect(await screen.findByRole('heading', { name: 'Link incomplete' })).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
