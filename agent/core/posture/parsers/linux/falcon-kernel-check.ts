/**
 * `/opt/CrowdStrike/falcon-kernel-check`: one sentence, `Host OS <uname -a text> is supported by
 * Sensor version 14006.` or `... is not supported by Sensor version 14006.` (after a kernel
 * upgrade the sensor falls back to reduced functionality mode until it supports the kernel).
 *
 * An unsupported kernel is a `crowdstrike` agent that is not running. A supported kernel does
 * not show that the sensor runs (ask `falconctl -g --rfm-state` or systemctl), so it is reported
 * as `running: false` with that reason: `running` is true only on proof (DESIGN.md §5).
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, toLines, unrecognised } from './text.ts';

const SENTENCE = /^Host OS (.*) is (not )?supported by Sensor version (\S+?)\.?$/;

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  for (const line of lines) {
    const m = SENTENCE.exec(line.trim());
    if (m === null) continue;
    const supported = m[2] === undefined;
    const kernel = m[1]!.split(/\s+/).find((w) => /^\d+\.\d+/.test(w));
    return {
      edr: [{
        vendor: 'crowdstrike',
        running: false,
        detail: supported
          ? 'kernel supported; this tool does not show whether the sensor runs'
          : 'kernel not supported by the sensor: reduced functionality mode',
      }],
      detail: compact({ kernelSupported: supported, sensorVersion: clip(m[3]!, 32), kernel: kernel === undefined ? undefined : clip(kernel, 64) }),
    };
  }
  return { detail: unrecognised(lines) };
}

export const falconKernelCheck: ToolParser = {
  id: 'falcon-kernel-check',
  platform: 'linux',
  command: '/opt/CrowdStrike/falcon-kernel-check',
  parse,
};
