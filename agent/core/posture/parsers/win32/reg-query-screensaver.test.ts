import { describe, expect, it } from 'vitest';
import type { ToolFacts } from '../types.ts';
import { fixtureCases, readFixture } from './fixture-files.fixture.ts';
import { regQueryScreensaver } from './reg-query-screensaver.ts';

const ID = 'reg-query-screensaver';
const SCR = 'C:\\Windows\\system32\\scrnsave.scr';
const SECURE = { screenSaveActive: '1', screenSaverIsSecure: '1', screenSaveTimeOut: '600', screenSaver: SCR };

const CASES: Record<string, ToolFacts> = {
  'secure-screensaver': { screenLock: { enabled: true, timeoutSeconds: 600 }, detail: { reason: 'secure-screen-saver', ...SECURE } },
  'utf16le-bom': {
    screenLock: { enabled: true, timeoutSeconds: 300 },
    detail: { reason: 'secure-screen-saver', ...SECURE, screenSaveTimeOut: '300' },
  },
  'not-secure': {
    screenLock: { enabled: false, timeoutSeconds: 600 },
    detail: { reason: 'screen-saver-not-secure', ...SECURE, screenSaverIsSecure: '0' },
  },
  inactive: {
    screenLock: { enabled: false, timeoutSeconds: 900 },
    detail: { reason: 'screen-saver-inactive', ...SECURE, screenSaveActive: '0', screenSaveTimeOut: '900' },
  },
  // "(None)" chosen: Windows deletes SCRNSAVE.EXE and nothing ever locks, whatever the flags say.
  'no-screensaver-chosen': {
    screenLock: { enabled: false, timeoutSeconds: 600 },
    detail: { reason: 'no-screen-saver-chosen', ...SECURE, screenSaver: undefined },
  },
  // The whole key is listed and ScreenSaverIsSecure is absent: Windows reads it as 0.
  'secure-value-missing': {
    screenLock: { enabled: false, timeoutSeconds: 600 },
    detail: { reason: 'screen-saver-not-secure', ...SECURE, screenSaverIsSecure: undefined },
  },
  'policy-overrides-user': {
    screenLock: { enabled: true, timeoutSeconds: 900 },
    detail: {
      reason: 'secure-screen-saver',
      ...SECURE,
      screenSaveTimeOut: '900',
      screenSaver: 'scrnsave.scr',
      setByPolicy: ['ScreenSaveActive', 'ScreenSaverIsSecure', 'ScreenSaveTimeOut', 'SCRNSAVE.EXE'],
    },
  },
  // Three `reg query ... /v Name` outputs: SCRNSAVE.EXE was not asked for, so its absence proves nothing.
  'single-values': {
    screenLock: { enabled: true, timeoutSeconds: 300 },
    detail: { reason: 'secure-screen-saver', ...SECURE, screenSaveTimeOut: '300', screenSaver: undefined },
  },
  'error-not-found': {
    screenLock: { enabled: 'unknown' },
    detail: { reason: 'no-values-shown', error: 'The system was unable to find the specified registry key or value.' },
  },
  'german-error': {
    screenLock: { enabled: 'unknown' },
    detail: { reason: 'no-values-shown', error: 'Der angegebene Registrierungsschlüssel bzw. Wert wurde nicht gefunden.' },
  },
  'german-error-oem-cp850': {
    screenLock: { enabled: 'unknown' },
    detail: { reason: 'no-values-shown', error: 'Der angegebene Registrierungsschl\uFFFDssel bzw. Wert wurde nicht gefunden.' },
  },
};

describe('reg-query-screensaver parser', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(fixtureCases(ID)).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (name, expected) => {
    const facts = regQueryScreensaver.parse(readFixture(ID, name));
    expect(facts).toEqual(expected);
    // toEqual ignores undefined members; the JSON a helpdesk sees must not carry them either.
    expect(JSON.parse(JSON.stringify(facts))).toEqual(facts);
  });

  it('is unknown when a single value is shown and the other flag is not', () => {
    const text = '\nHKEY_CURRENT_USER\\Control Panel\\Desktop\n    ScreenSaveActive    REG_SZ    1\n';
    expect(regQueryScreensaver.parse(text)).toEqual({
      screenLock: { enabled: 'unknown' },
      detail: { reason: 'values-not-shown', screenSaveActive: '1' },
    });
  });

  it('reads a hexadecimal REG_DWORD timeout', () => {
    const text = 'HKEY_CURRENT_USER\\Control Panel\\Desktop\n    ScreenSaveActive    REG_SZ    1\n    ScreenSaverIsSecure    REG_SZ    1\n    ScreenSaveTimeOut    REG_DWORD    0x258\n';
    expect(regQueryScreensaver.parse(text).screenLock).toEqual({ enabled: true, timeoutSeconds: 600 });
  });
});
