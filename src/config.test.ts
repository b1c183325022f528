import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'faktura-config-'));

  it('defaults to SQLite in the data directory and creates a private secret file', () => {
    const dataDir = dir();
    const config = loadConfig({ FAKTURA_DATA_DIR: dataDir });
    expect(config.database).toEqual({ kind: 'sqlite', file: join(dataDir, 'faktura.sqlite') });
    expect(config.port).toBe(3000);
    expect(config.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ FAKTURA_DATA_DIR: dataDir }).secret).toBe(config.secret);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ FAKTURA_DATA_DIR: dir(), PORT: 'achtzig' })).toThrow(/PORT/);
    expect(() => loadConfig({ FAKTURA_DATA_DIR: dir(), DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must start with postgres/);
    expect(() => loadConfig({ FAKTURA_DATA_DIR: dir(), FAKTURA_SECRET: 'kurz' })).toThrow(/FAKTURA_SECRET/);
    expect(() => loadConfig({ FAKTURA_DATA_DIR: dir(), FAKTURA_ADMIN_EMAIL: 'a@b.de' })).toThrow(ConfigError);
    expect(() => loadConfig({ FAKTURA_DATA_DIR: dir(), LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ FAKTURA_DATA_DIR: dir(), DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
  });
  it('trusts no proxy by default; FAKTURA_TRUST_PROXY takes a hop count or proxy addresses, never "true"', () => {
    expect(loadConfig({ FAKTURA_DATA_DIR: dir() }).trustProxy).toBe(false);
    expect(loadConfig({ FAKTURA_DATA_DIR: dir(), FAKTURA_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ FAKTURA_DATA_DIR: dir(), FAKTURA_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,loopback' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', 'loopback']);
    expect(() => loadConfig({ FAKTURA_DATA_DIR: dir(), FAKTURA_TRUST_PROXY: 'true' })).toThrow(/FAKTURA_TRUST_PROXY/);
    expect(() => loadConfig({ FAKTURA_DATA_DIR: dir(), FAKTURA_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/FAKTURA_TRUST_PROXY/);
  });
});
