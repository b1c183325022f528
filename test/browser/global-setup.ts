import { build } from 'vite';

/** The tests run against what `npm run build` produces, built once from the current sources. */
export default async function setup(): Promise<void> {
  await build({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
}
