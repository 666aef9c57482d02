import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { I18nProvider } from '@lingui/react';
import { i18n } from '../i18n/locale.ts';
import { MemoryRouter } from 'react-router';
import { Client, Provider, makeResult, type Exchange, type Operation } from 'urql';
import { filter, fromValue, mergeMap, never, pipe } from 'wonka';
import { theme } from '../app/theme.ts';

export interface Call {
  name: string;
  variables: Record<string, unknown>;
}

function operationName(op: Operation): string {
  const def = op.query.definitions.find((d) => d.kind === 'OperationDefinition');
  return def && 'name' in def && def.name ? def.name.value : '';
}

/** A real urql client whose exchange answers each operation with `respond(name, variables)`. */
export function mockClient(respond: (operationName: string, variables: Record<string, unknown>) => unknown) {
  const calls: Call[] = [];
  const exchange: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op) => op.kind !== 'teardown'),
      mergeMap((op) => {
        const name = operationName(op);
        const variables = (op.variables ?? {}) as Record<string, unknown>;
        calls.push({ name, variables });
        const data = respond(name, variables);
        return data === undefined ? never : fromValue(makeResult(op, { data }));
      }),
    );
  const client = new Client({ url: '/graphql', exchanges: [exchange] });
  return { client, calls };
}

export function renderWith(ui: ReactNode, { client, path = '/' }: { client?: Client; path?: string } = {}) {
  const tree = (
    <I18nProvider i18n={i18n}>
      <MantineProvider theme={theme}>
        <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
      </MantineProvider>
    </I18nProvider>
  );
  return render(client ? <Provider value={client}>{tree}</Provider> : tree);
}
