import { DEFAULT_THEME, createTheme, darken, luminance, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';
import type { TFunction } from 'i18next';

/**
 * Colours that pass WCAG 2.1 AA (1.4.3: 4.5:1 for text). Mantine's defaults do not: white on
 * indigo-6 is 4.3:1, "dimmed" grey 3.3:1, green-9 on green-1 3.8:1, red-8 on red-0 4.2:1. So
 * shades 8 and 9 of every colour are darkened just enough to carry text on white and on their
 * own tints (0–2), and filled buttons and badges use shade 8 (which carries white text). Light
 * variants write in shade 9 on shade 1, as Mantine does.
 */
function contrast(a: string, b: string): number {
  const [x = 0, y = 0] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** 4.5:1 with a little margin for rounding in the browser's colour blending. */
const AA = 4.6;

function darkEnough(color: string, behind: readonly string[]): string {
  for (let amount = 0; amount < 1; amount += 0.02) {
    const darker = amount === 0 ? color : darken(color, amount);
    if (behind.every((b) => contrast(darker, b) >= AA)) return darker;
  }
  return '#000000';
}

/** What text sits on: white, the colour's own tints, and a selected table row (indigo-1). */
const SELECTED_ROW = DEFAULT_THEME.colors.indigo[1];

function accessible(shades: MantineColorsTuple): MantineColorsTuple {
  const white = '#ffffff';
  const eight = darkEnough(shades[8], [white, shades[0], shades[1], SELECTED_ROW]);
  const nine = darkEnough(shades[9], [white, shades[0], shades[1], shades[2], SELECTED_ROW]);
  return [shades[0], shades[1], shades[2], shades[3], shades[4], shades[5], shades[6], shades[7], eight, nine];
}

const colors = Object.fromEntries(Object.entries(DEFAULT_THEME.colors).map(([name, shades]) => [name, name === 'gray' || name === 'dark' ? shades : accessible(shades)]));

export const cssVariablesResolver: CSSVariablesResolver = (theme) => ({
  variables: {},
  light: {
    // Secondary text on white, on grey and on the selection tint (indigo-1).
    '--mantine-color-dimmed': '#5f666d',
    '--mantine-color-error': theme.colors.red[9],
    '--mantine-color-anchor': theme.colors[theme.primaryColor]?.[9] ?? theme.colors.indigo[9],
  },
  dark: {},
});

/** The app's theme; close buttons get a name in the UI language (WCAG 4.1.2), so it is made per language. */
export function appTheme(t: TFunction) {
  const close = { 'aria-label': t('common.close') };
  // "Dialog schließen", not "Schließen": a dialog often has a "Schließen" button of its own as well.
  const closeDialog = { 'aria-label': t('common.closeDialog') };
  return createTheme({
    colors,
    primaryColor: 'indigo',
    primaryShade: 8,
    defaultRadius: 'sm',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    components: {
      // Plain objects, not Modal.extend(…): importing the components here would put them into the
      // login page's bundle.
      Modal: { defaultProps: { closeButtonProps: closeDialog } },
      Notification: { defaultProps: { closeButtonProps: close } },
      CloseButton: { defaultProps: close },
      Pagination: { defaultProps: { getControlProps: (control: 'first' | 'previous' | 'last' | 'next') => ({ 'aria-label': t(`pagination.${control}`) }) } },
    },
  });
}
