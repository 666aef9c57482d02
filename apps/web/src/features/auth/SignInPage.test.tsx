import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import SignInPage from './SignInPage.tsx';
import { SessionProvider } from '../../app/session.tsx';
import { renderWith } from '../../test/render.tsx';
import { tokens } from '../../app/tokens.ts';

function stubFetch(body: unknown) {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }));
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
  tokens.clear();
});

function renderSignIn() {
  return renderWith(
    <SessionProvider initialStatus="signedOut">
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
        <Route path="/change-password" element={<p>change password screen</p>} />
        <Route path="/" element={<p>home</p>} />
      </Routes>
    </SessionProvider>,
    { path: '/sign-in' },
  );
}

// Many typed keystrokes through Mantine inputs: generous on a busy machine.
describe('SignInPage', { timeout: 30_000 }, () => {
  it('shows the API’s answer for a wrong password and keeps no token', async () => {
    stubFetch({ data: { signIn: { __typename: 'InvalidCredentialsError', message: 'Wrong email or password.' } } });
    renderSignIn();
    await userEvent.type(screen.getByLabelText(/Email/), 'a@example.com');
    await userEvent.type(screen.getByLabelText(/^Password/), 'nope nope nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password.');
    expect(tokens.token).toBeNull();
  });

  it('asks for the refresh token as a cookie, keeps the access token in memory, and sends a temporary password to the change screen (R7)', async () => {
    const fetchMock = stubFetch({
      data: {
        signIn: {
          __typename: 'AuthPayload',
          accessToken: 'jwt-1',
          accessTokenExpiresAt: new Date(Date.now() + 600_000).toISOString(),
          user: { __typename: 'User', id: 'u1', email: 'a@example.com', firstName: 'A', lastName: 'B', displayName: 'A B', isPlatformAdmin: false, mustChangePassword: true },
        },
      },
    });
    renderSignIn();
    await userEvent.type(screen.getByLabelText(/Email/), 'a@example.com');
    await userEvent.type(screen.getByLabelText(/^Password/), 'temporary-password-1');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('change password screen')).toBeInTheDocument();
    expect(tokens.token).toBe('jwt-1');
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(String(init.body)).toContain('refreshTokenDelivery: COOKIE');
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });

  it('explains an address the API would refuse (the shared rule) without calling it', async () => {
    const fetchMock = stubFetch({ data: {} });
    renderSignIn();
    await userEvent.type(screen.getByLabelText(/Email/), 'a@example');
    await userEvent.type(screen.getByLabelText(/^Password/), 'whatever');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Not a valid email address')).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
