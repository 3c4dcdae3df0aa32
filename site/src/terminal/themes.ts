import type { ITheme } from '@xterm/xterm';

/** Terminal colours for Starlight's dark and light themes; both keep ANSI colours readable on their background. */
export const darkTheme: ITheme = {
  background: '#14161b',
  foreground: '#e6e8ee',
  cursor: '#9ad1ff',
  cursorAccent: '#14161b',
  selectionBackground: '#3a4a66',
  black: '#1f2229',
  red: '#ff7b7b',
  green: '#7ee081',
  yellow: '#f2d36b',
  blue: '#80b4ff',
  magenta: '#d59bff',
  cyan: '#6fdde6',
  white: '#d7dae0',
  brightBlack: '#7a8090',
  brightRed: '#ff9e9e',
  brightGreen: '#a3f0a5',
  brightYellow: '#ffe490',
  brightBlue: '#a8cbff',
  brightMagenta: '#e4b9ff',
  brightCyan: '#98ecf2',
  brightWhite: '#ffffff',
};

export const lightTheme: ITheme = {
  background: '#fbfbfc',
  foreground: '#1d2027',
  cursor: '#1f5fbf',
  cursorAccent: '#fbfbfc',
  selectionBackground: '#bcd3f5',
  black: '#1d2027',
  red: '#b3261e',
  green: '#1e7a32',
  yellow: '#8a6100',
  blue: '#1f5fbf',
  magenta: '#8b2fb3',
  cyan: '#0e7481',
  white: '#6b7080',
  brightBlack: '#5a5f6d',
  brightRed: '#d0352b',
  brightGreen: '#23913b',
  brightYellow: '#a37400',
  brightBlue: '#2f72d6',
  brightMagenta: '#a040cc',
  brightCyan: '#128a99',
  brightWhite: '#30343d',
};

/** Starlight writes data-theme="dark" or "light" on <html>. */
export function currentTheme(): ITheme {
  return document.documentElement.dataset['theme'] === 'light' ? lightTheme : darkTheme;
}
