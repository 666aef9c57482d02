import { createTheme, DEFAULT_THEME, type CSSVariablesResolver } from '@mantine/core';
import { t } from '@lingui/core/macro';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Button: { defaultProps: { radius: 'md' } },
    // A function: read at each render, so the close button's name follows the active language.
    Modal: { defaultProps: () => ({ centered: true, overlayProps: { backgroundOpacity: 0.4, blur: 2 }, closeButtonProps: { 'aria-label': t`Close dialog` } }) },

    Table: { defaultProps: { verticalSpacing: 'sm' } },
    // Without the hidden focus placeholder Mantine puts first in every menu: a focusable
    // role="presentation" element inside role="menu" fails axe-core's aria-required-children.
    Menu: { defaultProps: { withInitialFocusPlaceholder: false } },
    // Links inside text are told apart by more than color (WCAG 1.4.1).
    Anchor: { defaultProps: { underline: 'always' } },
    // Badges hold short words (roles, statuses): never cut to "AD…" in a narrow column.
    Badge: { styles: { root: { flexShrink: 0, maxWidth: 'none', overflow: 'visible' }, label: { overflow: 'visible' } } },
  },
});

// ---------------------------------------------------------------- WCAG AA contrast, both schemes
// Mantine's default shades put white on indigo.6 at 4.3:1, dimmed grey at 3.3:1 and light badges
// below 4.5:1. The variables below move each color's text and fill until they reach 4.6:1 against
// the surface they sit on (computed once from the palette, so every color of the theme is covered).

const MIN = 4.6;

function rgb(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}
function hex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')}`;
}
function luminance(color: string): number {
  const [r, g, b] = rgb(color).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}
function mix(a: string, b: string, t: number): string {
  const [p, q] = [rgb(a), rgb(b)];
  return hex([0, 1, 2].map((i) => p[i]! + (q[i]! - p[i]!) * t) as [number, number, number]);
}
/** Moves `color` toward black (or white) until it reads on `surface`. */
function readable(color: string, surface: string, toward: '#000000' | '#ffffff'): string {
  let out = color;
  for (let t = 0.05; contrast(out, surface) < MIN && t <= 1; t += 0.05) out = mix(color, toward, t);
  return out;
}

const WHITE = '#ffffff';
// The darkest light surface text sits on: hovered table rows (gray.1).
const LIGHT_STRIPE = DEFAULT_THEME.colors.gray[1];
const DARK = DEFAULT_THEME.colors.dark;

function colorVariables(scheme: 'light' | 'dark'): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, palette] of Object.entries(DEFAULT_THEME.colors)) {
    if (name === 'dark') continue;
    const filled = readableFill(palette[scheme === 'light' ? 6 : 8]!);
    vars[`--mantine-color-${name}-filled`] = filled;
    vars[`--mantine-color-${name}-filled-hover`] = mix(filled, '#000000', 0.12);
    if (scheme === 'light') {
      const bg = palette[0]!;
      vars[`--mantine-color-${name}-light`] = bg;
      vars[`--mantine-color-${name}-light-hover`] = palette[1]!;
      vars[`--mantine-color-${name}-light-color`] = readable(palette[8]!, mix(bg, palette[1]!, 1), '#000000');
      vars[`--mantine-color-${name}-outline`] = readable(palette[7]!, LIGHT_STRIPE, '#000000');
      vars[`--mantine-color-${name}-text`] = readable(palette[7]!, LIGHT_STRIPE, '#000000');
    } else {
      const bg = mix(DARK[7]!, palette[8]!, 0.25);
      vars[`--mantine-color-${name}-light`] = bg;
      vars[`--mantine-color-${name}-light-hover`] = mix(DARK[7]!, palette[8]!, 0.35);
      vars[`--mantine-color-${name}-light-color`] = readable(palette[3]!, mix(DARK[7]!, palette[8]!, 0.35), '#ffffff');
      vars[`--mantine-color-${name}-outline`] = readable(palette[4]!, DARK[6]!, '#ffffff');
      vars[`--mantine-color-${name}-text`] = readable(palette[4]!, DARK[6]!, '#ffffff');
    }
  }
  return vars;
}

/** White label text on a filled control: darken the fill until it reads. */
function readableFill(fill: string): string {
  let out = fill;
  for (let t = 0.05; contrast(WHITE, out) < MIN && t <= 1; t += 0.05) out = mix(fill, '#000000', t);
  return out;
}

const LIGHT_VARS = colorVariables('light');
const DARK_VARS = colorVariables('dark');

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    ...LIGHT_VARS,
    '--mantine-color-dimmed': DEFAULT_THEME.colors.gray[7],
    '--mantine-color-anchor': LIGHT_VARS['--mantine-color-indigo-text']!,
    '--mantine-color-placeholder': DEFAULT_THEME.colors.gray[7],
  },
  dark: {
    ...DARK_VARS,
    '--mantine-color-dimmed': DARK[1]!,
    '--mantine-color-anchor': DARK_VARS['--mantine-color-indigo-text']!,
    '--mantine-color-placeholder': DARK[1]!,
  },
});
