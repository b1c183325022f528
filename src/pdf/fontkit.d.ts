/**
 * The small part of fontkit 2 we use (it ships no type declarations). pdfkit accepts any object
 * with a `layout` function as an already-parsed font, which is what lets us parse once per process.
 */
declare module 'fontkit' {
  export interface Font {
    readonly postscriptName: string;
    readonly unitsPerEm: number;
    layout(text: string, features?: unknown): unknown;
  }
  export interface FontCollection {
    readonly fonts: Font[];
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font | FontCollection;
}
