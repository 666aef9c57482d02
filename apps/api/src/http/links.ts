/**
 * Links that carry a secret (invitation tokens, later email confirmations) put it in the URL
 * fragment: `https://gatehouse.example/invitations/accept#token=…`. Browsers never send the
 * fragment to a server, so the secret stays out of access logs, proxies and Referer headers; the
 * SPA reads it from `location.hash` and removes it from the address bar.
 */
export function secretLink(publicUrl: string, path: string, token: string, name = 'token'): string {
  const base = publicUrl.replace(/\/+$/, '');
  const page = path.startsWith('/') ? path : `/${path}`;
  if (page.includes('#') || page.includes('?')) throw new Error('secretLink: the path must not carry a query or fragment');
  return `${base}${page}#${new URLSearchParams({ [name]: token }).toString()}`;
}
