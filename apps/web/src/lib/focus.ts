import { useRef } from 'react';

/**
 * Focus goes back where it came from when a dialog closes. Mantine does this for a Modal that
 * stays mounted; our dialogs unmount on close (and load lazily), so the page does it: remember
 * the opener (or the row's action button, since the menu item is gone), restore after closing.
 */
export function useFocusReturn() {
  const opener = useRef<HTMLElement | null>(null);
  return {
    remember(element?: Element | null) {
      opener.current = ((element ?? document.activeElement) as HTMLElement | null) ?? null;
    },
    restore() {
      const element = opener.current;
      opener.current = null;
      if (element) setTimeout(() => element.isConnected && element.focus(), 0);
    },
  };
}
