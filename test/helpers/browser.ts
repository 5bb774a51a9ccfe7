/**
 * A real browser for end-to-end tests: Debian's `chromium` driven by playwright-core (no browser
 * download), headless, with the flags this machine needs (DESIGN.md §12); playwright gives each launch a fresh, empty profile.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generate } from 'otplib';
import { ROOT } from './processes.ts';

export const CHROMIUM = process.env.ZG_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots and traces of browser tests (gitignored). */
export const ARTIFACTS = join(ROOT, 'test-results', 'screenshots');

/** base64 SHA-256 of a certificate's public key, for `--ignore-certificate-errors-spki-list`. */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/**
 * Launches chromium. `trustSpki` lists the public keys of test servers whose certificates chain
 * to a test CA the browser does not know: only those are accepted (no blanket "ignore errors").
 */
export async function launchChromium(trustSpki: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(trustSpki.length > 0 ? [`--ignore-certificate-errors-spki-list=${trustSpki.join(',')}`] : []),
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Signs in on the embedded IdP's pages as a person would: types the username and password,
 * then the current TOTP code, by the fields' labels.
 */
export async function signInOnIdpPages(
  page: Page,
  user: { username: string; password: string; totpSecret: string },
  shots?: string,
  /** Use the code of a later 30-s step (the IdP accepts ±1): a second sign-in within one step must not replay the first code. */
  stepOffset = 0,
): Promise<void> {
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  if (shots !== undefined) await screenshot(page, `${shots}-1-password`);
  await page.getByRole('button', { name: 'Continue' }).click();
  const code = page.getByLabel(/code/i);
  try {
    await code.waitFor({ timeout: 10_000 });
  } catch (error) {
    if (shots !== undefined) await screenshot(page, `${shots}-error`);
    throw new Error(`no code field after the password step at ${page.url()}:\n${(await page.locator('body').innerText()).slice(0, 500)}`, { cause: error });
  }
  await code.fill(await generate({ secret: user.totpSecret, epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 }));
  if (shots !== undefined) await screenshot(page, `${shots}-2-totp`);
  await page.getByRole('button', { name: /verify|continue|sign in/i }).click();
}
