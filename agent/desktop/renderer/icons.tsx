/** Small inline SVG status icons: each state has its own shape, and always a text beside it. */
export type IconName = 'ok' | 'fail' | 'unknown' | 'wait' | 'off' | 'warn' | 'info';

const PATHS: Record<IconName, string> = {
  ok: 'M4 8.5l2.5 2.5L12 5.5',
  fail: 'M5 5l6 6M11 5l-6 6',
  unknown: 'M6 6a2 2 0 1 1 2.8 1.8c-.5.3-.8.7-.8 1.2v.5M8 11.5v.5',
  wait: 'M8 4v4l2.5 1.5',
  off: 'M4.5 8h7',
  warn: 'M8 4.5v4M8 11v.5',
  info: 'M8 7.5v4M8 4.5v.5',
};

export function Icon({ name }: { name: IconName }) {
  return (
    <svg class={`icon icon-${name}`} viewBox="0 0 16 16" width="18" height="18" aria-hidden="true" focusable="false">
      <circle cx="8" cy="8" r="7.25" />
      <path d={PATHS[name]} />
    </svg>
  );
}
