import { build } from 'vite';

/** The tests run against what `npm run build` produces, built once from the current sources. */
export default async function setup(): Promise<void> {
  // Vitest sets NODE_ENV=test, and Vite builds React's development version when NODE_ENV says so;
  // the browser tests must see the production build that users get.
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({ configFile: 'web/vite.config.ts', logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
}
